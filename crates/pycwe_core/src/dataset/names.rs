//! Identifier pools and slot filling. Names vary per example (and match between twins), so the
//! model cannot learn a weakness from a name. No pool word may hint at a label (see `leak.rs`).

use std::collections::BTreeMap;

use rand::Rng;
use rand::seq::IndexedRandom;

use super::recipe::Input;

/// Every slot a template may use, with what it holds.
pub const SLOTS: &[(&str, &str)] = &[
    ("v", "the variable holding the untrusted input (read only)"),
    ("out", "the variable a body assigns its result to"),
    ("conn", "a database connection variable"),
    ("cur", "a cursor variable"),
    ("table", "a table name (plural entity, e.g. invoices)"),
    ("col", "a column name"),
    ("entity", "a singular entity name (invoice)"),
    ("model", "a model class name (Invoice)"),
    ("dir", "a module constant naming a base directory (UPLOAD_DIR)"),
    ("dirpath", "the literal path that constant holds (/srv/app/uploads)"),
    ("host", "an internal host name (billing.internal)"),
    ("secret_name", "a module constant for a credential (API_TOKEN)"),
    ("secret", "a credential-looking literal (random letters and digits)"),
    ("logger", "a logger variable"),
    ("tool", "a command-line tool name (convert, tar, ping)"),
    ("limit", "a small integer limit (50, 100, 500)"),
    ("user", "a user-name literal (svc_reports)"),
    ("route", "a URL path segment (reports)"),
];

const ENTITIES: &[&str] = &[
    "invoice", "order", "ticket", "report", "document", "note", "customer", "product", "shipment", "booking",
    "article", "payment", "employee", "project", "asset", "device", "message", "recipe", "course", "policy",
];
const COLUMNS: &[&str] = &["name", "email", "status", "title", "sku", "city", "owner", "category", "label", "region"];
const CONNS: &[&str] = &["conn", "db", "connection", "dbh", "con"];
const CURSORS: &[&str] = &["cur", "cursor", "c", "crs"];
const OUTS: &[&str] =
    &["result", "rows", "data", "output", "items", "payload_out", "records", "found", "response_data"];
const DIRS: &[(&str, &str)] = &[
    ("UPLOAD_DIR", "/srv/app/uploads"),
    ("MEDIA_ROOT", "/var/www/media"),
    ("REPORTS_DIR", "/opt/reports"),
    ("STORAGE_PATH", "/data/storage"),
    ("DATA_DIR", "/var/lib/app/data"),
    ("EXPORT_ROOT", "/srv/exports"),
    ("TEMPLATE_DIR", "/etc/app/templates"),
];
const HOSTS: &[&str] =
    &["billing.internal", "metrics.local", "inventory.svc", "auth.corp.lan", "cache.internal", "search.svc"];
const SECRET_NAMES: &[&str] =
    &["API_TOKEN", "DB_PASSWORD", "STRIPE_KEY", "SMTP_PASSWORD", "AWS_SECRET_ACCESS_KEY", "SERVICE_KEY", "ADMIN_PASS"];
const LOGGERS: &[&str] = &["logger", "log", "audit_log", "app_logger"];
const TOOLS: &[&str] = &["convert", "tar", "ping", "dig", "git", "ffmpeg", "zip", "wc", "du"];
const LIMITS: &[&str] = &["50", "100", "200", "500", "1000"];
const USERS: &[&str] = &["svc_reports", "admin", "deploy", "backup_user", "etl"];

/// Variable names for the untrusted input, by what it holds.
fn input_names(input: Input) -> &'static [&'static str] {
    match input {
        Input::Text => {
            &["name", "term", "query", "keyword", "username", "title", "comment", "label", "search", "value"]
        }
        Input::Path => &["filename", "path", "name", "doc_name", "file_name", "report", "rel_path", "attachment"],
        Input::Url => &["url", "target", "endpoint", "callback", "feed_url", "webhook", "image_url", "next_url"],
        Input::Payload => &["data", "body", "blob", "raw", "content", "packet", "upload"],
        Input::Number => &["count", "size", "limit", "page_size", "n", "amount", "width", "depth"],
        Input::Pattern => &["pattern", "expr", "template", "fmt", "rule", "filter_expr"],
    }
}

/// The values chosen for one example's slots. Twins share one `Names`.
#[derive(Debug, Clone)]
pub struct Names {
    values: BTreeMap<&'static str, String>,
}

impl Names {
    /// Draws a value for every slot; `input` decides the pool for `$v`.
    pub fn draw(rng: &mut impl Rng, input: Input) -> Self {
        let pick = |rng: &mut _, pool: &[&str]| pool.choose(rng).expect("pools are not empty").to_string();
        let entity = pick(rng, ENTITIES);
        let (dir, dirpath) = *DIRS.choose(rng).expect("not empty");
        let secret: String = (0..rng.random_range(20..36))
            .map(|_| {
                *b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789".choose(rng).expect("not empty") as char
            })
            .collect();
        let mut values = BTreeMap::new();
        values.insert("v", pick(rng, input_names(input)));
        values.insert("out", pick(rng, OUTS));
        values.insert("conn", pick(rng, CONNS));
        values.insert("cur", pick(rng, CURSORS));
        values.insert("table", plural(&entity));
        values.insert("col", pick(rng, COLUMNS));
        values.insert("model", capitalize(&entity));
        values.insert("route", plural(&entity));
        values.insert("entity", entity);
        values.insert("dir", dir.to_string());
        values.insert("dirpath", dirpath.to_string());
        values.insert("host", pick(rng, HOSTS));
        values.insert("secret_name", pick(rng, SECRET_NAMES));
        values.insert("secret", secret);
        values.insert("logger", pick(rng, LOGGERS));
        values.insert("tool", pick(rng, TOOLS));
        values.insert("limit", pick(rng, LIMITS));
        values.insert("user", pick(rng, USERS));
        debug_assert!(SLOTS.iter().all(|(slot, _)| values.contains_key(slot)));
        Names { values }
    }

    pub fn get(&self, slot: &str) -> &str {
        self.values.get(slot).map(String::as_str).unwrap_or_else(|| panic!("unknown slot ${slot}"))
    }

    /// Replaces `$v` (the input variable) with another expression, e.g. `self.name` or `params["name"]`.
    pub fn with_input_expr(&self, expr: &str) -> Names {
        let mut names = self.clone();
        names.values.insert("v", expr.to_string());
        names
    }

    /// Fills every `$slot` in `template`. Panics on an unknown slot: templates are static and the
    /// generator's tests render every one of them.
    pub fn fill(&self, template: &str) -> String {
        let (texts, slots) = split_slots(template);
        let mut out = String::with_capacity(template.len() + 32);
        for (i, text) in texts.iter().enumerate() {
            out.push_str(text);
            if let Some(slot) = slots.get(i) {
                out.push_str(self.get(slot));
            }
        }
        out
    }
}

/// Splits a template at its `$slot`s: the literal text around them (one piece more than there are
/// slots) and the slot names, in order. A `$` with no lowercase name after it is literal text (a
/// regex anchor, a shell variable in upper case).
pub fn split_slots(template: &str) -> (Vec<&str>, Vec<&str>) {
    let (mut texts, mut slots) = (Vec::new(), Vec::new());
    let (mut start, mut from) = (0, 0);
    while let Some(pos) = template[from..].find('$').map(|p| p + from) {
        let len = template[pos + 1..].bytes().take_while(|b| b.is_ascii_lowercase() || *b == b'_').count();
        if len > 0 {
            texts.push(&template[start..pos]);
            slots.push(&template[pos + 1..pos + 1 + len]);
            start = pos + 1 + len;
        }
        from = pos + 1 + len;
    }
    texts.push(&template[start..]);
    (texts, slots)
}

/// English plural of a pool entity (`policy` -> `policies`, `address` -> `addresses`).
pub fn plural(word: &str) -> String {
    if let Some(stem) = word.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    if word.ends_with(['s', 'x']) || word.ends_with("sh") || word.ends_with("ch") {
        return format!("{word}es");
    }
    format!("{word}s")
}

pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn fill_replaces_slots_and_keeps_literal_dollars() {
        let names = Names::draw(&mut ChaCha8Rng::seed_from_u64(1), Input::Text);
        let filled = names.fill("$cur.execute(f\"SELECT * FROM $table WHERE x = '{$v}'\")  # $ and $HOME and ^a$");
        assert!(!filled.contains("$cur") && !filled.contains("$table") && !filled.contains("$v"));
        assert!(filled.ends_with("# $ and $HOME and ^a$"), "{filled}");
    }

    #[test]
    fn split_slots_keeps_literal_dollars_in_the_text() {
        assert_eq!(split_slots("a $v b$ $$out_x."), (vec!["a ", " b$ $", "."], vec!["v", "out_x"]));
        assert_eq!(split_slots("no slots"), (vec!["no slots"], vec![]));
    }

    #[test]
    #[should_panic(expected = "unknown slot $nope")]
    fn unknown_slots_panic() {
        Names::draw(&mut ChaCha8Rng::seed_from_u64(1), Input::Text).fill("$nope");
    }

    #[test]
    fn plurals() {
        assert_eq!(
            (plural("policy"), plural("day"), plural("address"), plural("note")),
            ("policies".into(), "days".into(), "addresses".into(), "notes".into())
        );
    }

    #[test]
    fn input_expression_can_be_swapped() {
        let names = Names::draw(&mut ChaCha8Rng::seed_from_u64(1), Input::Path).with_input_expr("self.path");
        assert_eq!(names.fill("open($v)"), "open(self.path)");
    }
}
