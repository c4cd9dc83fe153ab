//! Records to training examples: every labeled unit is a positive, the fixed twin's unit a hard
//! negative, other units that reach the model (past the prefilter) are easy negatives, and units
//! the prefilter keeps from the model are left out; mature negatives (real code) are all kept.
//! Uses the tiny CodeGen checkpoint's tokenizer.

use std::path::Path;

use pycwe_core::dataset::record::Record;
use pycwe_model::tokenize::TextTokenizer;
use pycwe_model::train::data::{Negatives, examples};

fn tokenizer() -> TextTokenizer {
    TextTokenizer::from_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/codegen-tiny/tokenizer.json"))
        .unwrap()
}

const VULNERABLE: &str = r#"import sqlite3


def find(conn, name):
    return conn.execute(f"SELECT * FROM users WHERE name = '{name}'").fetchall()


def count(conn):
    return conn.execute("SELECT COUNT(*) FROM users").fetchone()


def greet(name):
    return "hello " + name.title()
"#;

fn records() -> Vec<Record> {
    let fixed = VULNERABLE.replace(
        r#"conn.execute(f"SELECT * FROM users WHERE name = '{name}'")"#,
        r#"conn.execute("SELECT * FROM users WHERE name = ?", (name,))"#,
    );
    let line = VULNERABLE.lines().position(|l| l.contains("f\"SELECT")).unwrap() + 1;
    let v = serde_json::json!({"id": "v", "code": VULNERABLE, "cwes": ["CWE-89"], "lines": {"CWE-89": [line]}, "twin": "s"});
    let s = serde_json::json!({"id": "s", "code": fixed, "cwes": [], "twin": "v"});
    [v, s].into_iter().map(|r| serde_json::from_value(r).unwrap()).collect()
}

#[test]
fn positives_hard_and_judged_easy_negatives_are_kept_and_unjudged_units_are_not() {
    let (all, stats) = examples(&records(), &tokenizer(), 4096, Negatives { per_positive: None, seed: 0 }).unwrap();
    assert_eq!(stats.positive_examples, 1, "{stats:?}");
    assert_eq!(stats.hard_negatives, 1, "the fixed `find`: {stats:?}");
    // `count` touches a sink and reaches the model, and so does each module's import piece;
    // `greet` (once per record) does not.
    assert_eq!(stats.easy_negatives_unjudged, 2, "{stats:?}");
    assert_eq!(stats.examples, all.len());
    // 6 = find (positive), find (hard negative), and 2 judged easy negatives per record.
    assert_eq!(all.len(), 6, "{stats:?}");

    // A ratio keeps every hard negative and samples the judged easy ones.
    let (some, stats) =
        examples(&records(), &tokenizer(), 4096, Negatives { per_positive: Some(2.0), seed: 0 }).unwrap();
    assert_eq!(some.len(), 3, "1 positive + 2 negatives: {stats:?}");
    assert_eq!(stats.hard_negatives, 1);
}

#[test]
fn mature_negatives_are_all_kept_and_take_the_place_of_generated_easy_ones() {
    let mut records = records();
    let mature = r#"import os


def under(root, name):
    full = os.path.join(root, name)
    return os.path.normpath(full)
"#;
    records.push(
        serde_json::from_value(serde_json::json!({
            "id": "mature-00000-s", "code": mature, "cwes": [],
            "family": "mature/pkg", "origin": {"recipe": "mature", "version": 1, "seed": 0}
        }))
        .unwrap(),
    );
    let (some, stats) = examples(&records, &tokenizer(), 4096, Negatives { per_positive: Some(3.0), seed: 0 }).unwrap();
    // `under` and the module's import piece reach the model; both stay, and the ratio's 3
    // negatives are then the hard one and these two, so no generated easy negative is left.
    assert_eq!(stats.mature_negatives, 2, "{stats:?}");
    assert_eq!(stats.hard_negatives, 1);
    assert_eq!(some.len(), 4, "1 positive + 3 negatives: {stats:?}");
    assert_eq!(stats.easy_negatives_dropped, 4, "{stats:?}");
}
