//! Every recipe variant (each sink x fix x flow x framework, each module pair, and multi-CWE
//! combinations) renders to Python that tree-sitter and CPython both accept, passes automated
//! review (labeled lines, twins differing only around the fix, no label words), and fills every slot.

mod support;

use pycwe_core::dataset::generate::render_all_variants;
use pycwe_core::dataset::review::review_pair;

#[test]
fn every_variant_passes_review_and_cpython_parses_it() {
    let pairs = render_all_variants(11);
    assert!(!pairs.is_empty());
    let mut failures = Vec::new();
    for pair in &pairs {
        if let Err(rejection) = review_pair(pair) {
            failures.push(format!("{} [{}] {}: {}", pair.family, pair.framework, rejection.check, rejection.detail));
        }
    }
    failures.sort();
    failures.dedup();
    assert!(
        failures.is_empty(),
        "{} rejected:\n{}",
        failures.len(),
        failures.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );

    let codes: Vec<(String, &str)> = pairs
        .iter()
        .flat_map(|p| {
            [
                (format!("{} [{}] vulnerable", p.family, p.framework), p.vulnerable.code.as_str()),
                (format!("{} [{}] fixed", p.family, p.framework), p.fixed.code.as_str()),
            ]
        })
        .collect();
    let rejected = support::cpython_rejects(&codes);
    assert!(rejected.is_empty(), "CPython rejects:\n{rejected}");
}

/// Every multi-CWE job of a large plan renders: some sink pairs can never share a handler, and
/// drawing names for one used to loop forever (`dataset build --size 2500 --seed 7` hung).
#[test]
fn every_multi_job_of_a_large_plan_terminates() {
    use pycwe_core::dataset::generate::{Job, allocate, generate_job};
    use pycwe_core::dataset::recipes::RecipeSet;
    for set in [RecipeSet::Core, RecipeSet::Wide, RecipeSet::NearMiss, RecipeSet::Varied, RecipeSet::Typed] {
        let jobs = allocate(1500, 7, set);
        let mut multi = 0;
        for (index, job) in jobs.iter().enumerate() {
            if let Job::Multi(..) = job {
                let pair = generate_job(job, 7, index, 0, set);
                assert_eq!(pair.cwes.len(), 2, "{}", pair.family);
                multi += 1;
            }
        }
        assert!(multi > 100, "{set:?}: {multi} multi jobs");
    }
}

/// The wide set adds the short idioms and plain library functions; the core set (data/top25-500)
/// has neither, so it stays what it was.
#[test]
fn the_wide_set_adds_idioms_and_library_functions_and_the_core_set_has_neither() {
    use pycwe_core::dataset::generate::generate_pairs;
    use pycwe_core::dataset::recipes::RecipeSet;
    for set in [RecipeSet::Core, RecipeSet::Wide] {
        let pairs = generate_pairs(400, 3, set);
        let library = pairs.iter().filter(|p| p.framework == "library").count();
        let idioms = pairs.iter().filter(|p| p.recipe.contains("-idioms")).count();
        if set.is_wide() {
            assert!(library >= 60, "{library} library pairs of 400");
            assert!(idioms >= 40, "{idioms} idiom pairs of 400");
            let sample = pairs.iter().find(|p| p.framework == "library").expect("a library pair");
            assert!(!sample.vulnerable.code.contains("(request"), "{}", sample.vulnerable.code);
        } else {
            assert_eq!((library, idioms), (0, 0));
        }
    }
}

/// The near-miss set adds pairs whose twins differ by a guard's few tokens; the wide set never
/// draws them, so the datasets built from it stay what they were.
#[test]
fn only_the_near_miss_set_draws_near_miss_pairs_and_their_twins_differ_in_one_place() {
    use pycwe_core::dataset::generate::generate_pairs;
    use pycwe_core::dataset::recipes::RecipeSet;
    let wide = generate_pairs(400, 3, RecipeSet::Wide);
    assert!(!wide.iter().any(|p| p.recipe.ends_with("-near-miss")));
    let near = generate_pairs(400, 3, RecipeSet::NearMiss);
    let pairs: Vec<_> = near.iter().filter(|p| p.recipe.ends_with("-near-miss") && p.cwes.len() == 1).collect();
    assert!(pairs.len() >= 40, "{} near-miss pairs of 400", pairs.len());
    for pair in pairs {
        // A fix may add an import (and isort's blank line); the rest must line up.
        let body = |code: &str| -> Vec<String> {
            code.lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with("import ") && !l.starts_with("from "))
                .map(str::to_string)
                .collect()
        };
        let (v, f) = (body(&pair.vulnerable.code), body(&pair.fixed.code));
        let changed = v.iter().zip(&f).filter(|(a, b)| a != b).count();
        // One guard line, plus the line that uses the value where a fix moves it (a parameter list).
        assert!(
            v.len() == f.len() && (1..=2).contains(&changed),
            "{}: {changed} lines differ\n{}\n-----\n{}",
            pair.family,
            pair.vulnerable.code,
            pair.fixed.code
        );
    }
}

/// The varied set adds partial guards and handlers that return the sink's value directly; the
/// near-miss set draws neither, so the datasets built from it stay what they were. A direct return
/// keeps the label on the sink, now the `return` line, in both twins.
#[test]
fn only_the_varied_set_returns_sinks_directly_and_draws_partial_guards() {
    use pycwe_core::dataset::generate::Rendered;
    use pycwe_core::dataset::generate::generate_pairs;
    use pycwe_core::dataset::recipes::RecipeSet;
    let marks_a_return = |side: &Rendered| {
        let lines: Vec<&str> = side.code.lines().collect();
        side.marked.iter().any(|&n| lines[n - 1].trim_start().starts_with("return "))
    };
    let labeled_returns = |pairs: &[pycwe_core::dataset::generate::Pair]| {
        pairs.iter().filter(|p| !p.recipe.ends_with("-partial-guard")).filter(|p| marks_a_return(&p.vulnerable)).count()
    };
    let near = generate_pairs(400, 3, RecipeSet::NearMiss);
    assert!(!near.iter().any(|p| p.recipe.ends_with("-partial-guard")));
    let near_returns = labeled_returns(&near);

    let varied = generate_pairs(400, 3, RecipeSet::Varied);
    let partial = varied.iter().filter(|p| p.recipe.ends_with("-partial-guard")).count();
    assert!(partial >= 10, "{partial} partial-guard pairs of 400");
    let varied_returns = labeled_returns(&varied);
    assert!(varied_returns >= near_returns + 8, "labeled returns: varied {varied_returns}, near-miss {near_returns}");
    for pair in varied.iter().filter(|p| p.cwes.len() == 1) {
        // A direct return rewrites the sink's line the same way in both twins (a fix that only adds
        // a guard marks the guard, so only the vulnerable side is checked there).
        if marks_a_return(&pair.fixed) {
            assert!(marks_a_return(&pair.vulnerable), "{}\n{}", pair.family, pair.vulnerable.code);
        }
    }
}

/// In a multi-CWE pair each CWE's labeled lines are its own sink's: the labels once paired the
/// sorted CWE ids with the sinks in drawing order, swapping the lines of 13 of data/top25-500's
/// multi records.
#[test]
fn each_multi_label_sits_on_its_own_sinks_line() {
    use pycwe_core::dataset::build::{BuildOptions, build};
    use pycwe_core::dataset::recipe::Recipe;
    use pycwe_core::dataset::recipes::{RecipeSet, all_recipes};
    let marked_lines = |recipe: &Recipe| -> Vec<&'static str> {
        match recipe {
            Recipe::Taint { sinks, .. } => sinks
                .iter()
                .flat_map(|s| s.vulnerable.lines().filter(|l| l.contains("#@")).map(|l| l.split("#@").next().unwrap()))
                .collect(),
            Recipe::Module { .. } => Vec::new(),
        }
    };
    let data = build(&BuildOptions { size: 500, seed: 1, recipes: RecipeSet::Core }, &[]);
    let mut checked = 0;
    for record in data.records.iter().filter(|r| r.id.starts_with("multi-") && r.is_vulnerable()) {
        let lines: Vec<&str> = record.code.lines().collect();
        for (cwe, labeled) in &record.lines {
            let own: Vec<&str> =
                all_recipes().into_iter().filter(|r| r.cwe().to_string() == *cwe).flat_map(marked_lines).collect();
            for &n in labeled {
                let line = lines[n - 1].trim();
                assert!(
                    own.iter().any(|t| template_matches(t.trim(), line)),
                    "{}: {cwe} labels line {n} `{line}`, which none of its sinks writes",
                    record.id
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "only {checked} multi labels checked");
}

/// Whether `line` is `template` with each `$slot` filled by some text.
fn template_matches(template: &str, line: &str) -> bool {
    let (pieces, _) = pycwe_core::dataset::names::split_slots(template);
    let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
    if pieces.len() == 1 {
        return line == first;
    }
    if !line.starts_with(first) || !line.ends_with(last) || line.len() < first.len() + last.len() {
        return false;
    }
    let mut at = first.len();
    let end = line.len() - last.len();
    for piece in &pieces[1..pieces.len() - 1] {
        match line[at..end].find(piece) {
            Some(p) => at += p + piece.len(),
            None => return false,
        }
    }
    true
}

/// The typed set is the varied set with only `def` lines changed, and a function holding a labeled
/// sink gets the return types the safe filler has (`-> bool`, `-> str`) as well.
#[test]
fn typed_set_changes_only_annotations_and_frees_them_from_the_label() {
    use pycwe_core::dataset::generate::generate_pairs;
    use pycwe_core::dataset::recipes::RecipeSet;
    let varied = generate_pairs(300, 5, RecipeSet::Varied);
    let typed = generate_pairs(300, 5, RecipeSet::Typed);
    let mut labeled_bool_or_str = 0;
    let mut rewritten = 0;
    for (v, t) in varied.iter().zip(&typed) {
        if let Err(rejection) = review_pair(t) {
            panic!("{} {}: {}\n{}", t.family, rejection.check, rejection.detail, t.vulnerable.code);
        }
        for (a, b) in [(&v.vulnerable, &t.vulnerable), (&v.fixed, &t.fixed)] {
            assert_eq!(a.marked, b.marked, "{}", t.family);
            assert_eq!(a.code.lines().count(), b.code.lines().count(), "{}", t.family);
            for (la, lb) in a.code.lines().zip(b.code.lines()) {
                if la != lb {
                    assert!(la.trim_start().starts_with("def ") || la.trim_start().starts_with("async def "), "{la}");
                    rewritten += 1;
                }
            }
        }
        let lines: Vec<&str> = t.vulnerable.code.lines().collect();
        if let Some(&first) = t.vulnerable.marked.first() {
            let def = lines[..first].iter().rev().find(|l| l.trim_start().starts_with("def "));
            if def.is_some_and(|d| d.ends_with("-> bool:") || d.ends_with("-> str:")) {
                labeled_bool_or_str += 1;
            }
        }
    }
    assert!(rewritten > 100, "{rewritten} def lines rewritten");
    assert!(labeled_bool_or_str >= 10, "{labeled_bool_or_str} labeled sinks under -> bool / -> str");
}

/// The layouts set is the typed set laid out another way: lines moved, a constant renamed, a labeled
/// call's string argument bound to a name first. Undoing the binding, each twin holds the same lines
/// up to case and its labels sit on the same code; the twins are rewritten alike; and a share of
/// pairs is rewritten each way.
#[test]
fn layouts_set_moves_lines_of_the_typed_set_and_labels_move_with_them() {
    use pycwe_core::dataset::generate::{Rendered, generate_pairs};
    use pycwe_core::dataset::recipes::RecipeSet;
    let typed = generate_pairs(400, 5, RecipeSet::Typed);
    let layouts = generate_pairs(400, 5, RecipeSet::Layouts);
    let (mut hoisted, mut localized, mut extracted) = (0, 0, 0);
    // The rewritten code with an extracted binding put back into its call, lowercased.
    let lower = |r: &Rendered| r.code.lines().map(|l| l.trim().to_ascii_lowercase()).collect::<Vec<_>>();
    // Only a binding the typed twin lacks (`original`) is the rewrite's.
    let undone = |r: &Rendered, original: &Rendered| -> (Vec<String>, bool) {
        let mut lines = lower(r);
        let original = lower(original);
        let mut found = false;
        for name in ["query", "command", "source", "text_value"] {
            let prefix = format!("{name} = ");
            let Some(at) = lines.iter().position(|l| l.starts_with(&prefix) && !original.contains(l)) else { continue };
            let argument = lines[at][prefix.len()..].to_string();
            let uses: Vec<usize> =
                (0..lines.len()).filter(|&i| i != at && lines[i].contains(&format!("({name}"))).collect();
            if let [use_at] = uses[..] {
                lines[use_at] = lines[use_at].replacen(&format!("({name}"), &format!("({argument}"), 1);
                lines[at].clear();
                found = true;
            }
        }
        (lines, found)
    };
    for (t, l) in typed.iter().zip(&layouts) {
        if let Err(rejection) = review_pair(l) {
            panic!("{} {}: {}\n{}", l.family, rejection.check, rejection.detail, l.vulnerable.code);
        }
        let mut pair_extracted = false;
        for (a, b) in [(&t.vulnerable, &l.vulnerable), (&t.fixed, &l.fixed)] {
            let before: Vec<String> = a.code.lines().map(|l| l.trim().to_ascii_lowercase()).collect();
            let (after, found) = undone(b, a);
            pair_extracted |= found;
            let sorted = |lines: &[String]| {
                let mut v: Vec<String> = lines.iter().filter(|l| !l.is_empty()).cloned().collect();
                v.sort();
                v
            };
            assert_eq!(sorted(&before), sorted(&after), "{}:\n{}", l.family, b.code);
            for (sa, sb) in a.marked_by_sink.iter().zip(&b.marked_by_sink) {
                let texts = |lines: &[String], s: &[usize]| s.iter().map(|&n| lines[n - 1].clone()).collect::<Vec<_>>();
                assert_eq!(texts(&before, sa), texts(&after, sb), "{}:\n{}", l.family, b.code);
            }
        }
        if t.vulnerable.code != l.vulnerable.code {
            let (before, after): (Vec<&str>, Vec<&str>) =
                (t.vulnerable.code.lines().collect(), l.vulnerable.code.lines().collect());
            extracted += usize::from(pair_extracted);
            // Hoisted: a `with` line now follows a line that was inside it.
            if (1..after.len()).any(|i| {
                after[i].trim_start().starts_with("with ")
                    && before.iter().position(|b| *b == after[i]).is_some_and(|j| {
                        before.get(j + 1).is_some_and(|next| {
                            let (x, y) = (next.trim(), after[i - 1].trim());
                            x == y
                                || (pair_extracted
                                    && ["query = ", "command = ", "source = ", "text_value = "]
                                        .iter()
                                        .any(|p| y.starts_with(p)))
                        })
                    })
            }) {
                hoisted += 1;
            }
            // Localized: a module constant line is gone.
            let constant = |b: &&str| {
                b.split_once(" = ")
                    .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            };
            if before.iter().any(|b| constant(b) && !after.contains(b)) {
                localized += 1;
            }
            // Rewritten alike: with the binding undone, the lines one twin has and the other lacks
            // are the typed pair's.
            let only_in = |a: &[String], b: &[String]| {
                let mut rest: Vec<&String> = b.iter().filter(|l| !l.is_empty()).collect();
                let mut out: Vec<String> = Vec::new();
                for line in a.iter().filter(|l| !l.is_empty()) {
                    match rest.iter().position(|r| *r == line) {
                        Some(i) => {
                            rest.swap_remove(i);
                        }
                        None => out.push(line.clone()),
                    }
                }
                out.sort();
                out
            };
            let (tv, tf) = (lower(&t.vulnerable), lower(&t.fixed));
            let (lv, lf) = (undone(&l.vulnerable, &t.vulnerable).0, undone(&l.fixed, &t.fixed).0);
            assert_eq!(
                only_in(&tv, &tf),
                only_in(&lv, &lf),
                "{}:\n{}\n-----\n{}",
                l.family,
                l.vulnerable.code,
                l.fixed.code
            );
        }
    }
    eprintln!("{hoisted} hoisted, {localized} localized, {extracted} extracted of 400 pairs");
    assert!(
        hoisted >= 2 && localized >= 15 && extracted >= 15,
        "{hoisted} hoisted, {localized} localized, {extracted} extracted"
    );
}

#[test]
fn returns_set_folds_a_value_into_the_next_return_of_the_layouts_set_and_keeps_labels_on_it() {
    use pycwe_core::dataset::generate::{Rendered, generate_pairs};
    use pycwe_core::dataset::recipes::RecipeSet;
    let layouts = generate_pairs(400, 5, RecipeSet::Layouts);
    let returns = generate_pairs(400, 5, RecipeSet::Returns);
    let mut folded = 0;
    let mut folded_labels = 0;
    let mut codes = Vec::new();
    // The one assignment row folded into the next line, or None when the twin is unchanged.
    let folded_row = |before: &Rendered, after: &Rendered| -> Option<(usize, String)> {
        let (b, a): (Vec<&str>, Vec<&str>) = (before.code.lines().collect(), after.code.lines().collect());
        if b == a {
            return None;
        }
        assert_eq!(a.len() + 1, b.len(), "one line fewer:\n{}", after.code);
        let row = (0..a.len()).find(|&i| a[i] != b[i]).expect("a changed line");
        assert_eq!(a[row + 1..], b[row + 2..], "only the folded lines change:\n{}", after.code);
        let (name, value) = b[row].trim().split_once(" = ").expect("an assignment");
        assert!(b[row + 1].trim_start().starts_with("return "), "{}", b[row + 1]);
        // Undoing the fold gives back the return line.
        assert_eq!(a[row].replacen(value, name, 1), b[row + 1], "{}", after.code);
        // Every label keeps its code: a label on either folded line is on the joined one.
        let map = |l: usize| if l >= row + 2 { l - 1 } else { l };
        let mut expected: Vec<usize> = before.marked.iter().map(|&l| map(l)).collect();
        expected.dedup();
        assert_eq!(after.marked, expected, "{}", after.code);
        Some((row, b[row + 1].to_string()))
    };
    for (l, r) in layouts.iter().zip(&returns) {
        if let Err(rejection) = review_pair(r) {
            panic!("{} {}: {}\n{}", r.family, rejection.check, rejection.detail, r.vulnerable.code);
        }
        let (v, f) = (folded_row(&l.vulnerable, &r.vulnerable), folded_row(&l.fixed, &r.fixed));
        // Alike: the same `return` folded in both (a fix may have moved it down).
        let same = |x: &Option<(usize, String)>| x.as_ref().map(|(_, ret)| ret.clone());
        assert_eq!(same(&v), same(&f), "both twins alike or neither:\n{}\n-----\n{}", r.vulnerable.code, r.fixed.code);
        if let Some((row, _)) = v {
            folded += 1;
            folded_labels += usize::from(r.vulnerable.marked.contains(&(row + 1)));
            codes.push((format!("{} vulnerable", r.family), r.vulnerable.code.as_str()));
            codes.push((format!("{} fixed", r.family), r.fixed.code.as_str()));
        }
    }
    let rejected = support::cpython_rejects(&codes);
    assert!(rejected.is_empty(), "CPython rejects:\n{rejected}");
    eprintln!("{folded} folded of 400 pairs, {folded_labels} onto a labeled line");
    assert!(folded >= 40 && folded_labels >= 20, "{folded} folded, {folded_labels} labeled");
}
