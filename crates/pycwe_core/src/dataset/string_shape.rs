//! How a recipe's string is built: the recipes write every interpolated string as an f-string, but
//! real code also concatenates, uses `%` and `.format`. A model that has only seen
//! `os.system(f"tar {name}")` reads `os.system("tar " + name)` as something else (session 14: the
//! near-miss adapter gave the f-string form p(vulnerable) 0.73 and the concatenation 0.0006), so the
//! wide sets rewrite a sink's simple f-strings into one of the other shapes, the same way in both
//! twins so they still differ only by the fix.
//!
//! Only f-strings the rewrite can keep exactly equivalent are touched: one line, double-quoted, no
//! `r`/`b` prefix, placeholders without format specs or conversions. Anything else stays as written.

use rand::Rng;

/// The shape a pair's interpolated strings take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringShape {
    FString,
    Format,
    Percent,
    Concat,
}

impl StringShape {
    /// f-strings stay the most common shape, as in current Python code.
    pub fn draw(rng: &mut impl Rng) -> Self {
        match rng.random_range(0..10) {
            0..=3 => StringShape::FString,
            4..=5 => StringShape::Format,
            6..=7 => StringShape::Percent,
            _ => StringShape::Concat,
        }
    }

    /// Rewrites every simple f-string of `code` into this shape. `plain` lists expressions known to be
    /// strings (the input variable): concatenation uses them as they are and wraps anything else in
    /// `str()`.
    pub fn apply(self, code: &str, plain: &[&str]) -> String {
        if self == StringShape::FString {
            return code.to_string();
        }
        let mut out = String::with_capacity(code.len() + 16);
        let mut rest = code;
        while let Some(start) = find_fstring(rest) {
            out.push_str(&rest[..start]);
            let literal = &rest[start..];
            match parse_fstring(literal) {
                Some((parts, len)) => {
                    out.push_str(&self.render(&parts, plain));
                    rest = &literal[len..];
                }
                None => {
                    out.push_str(&literal[..2]);
                    rest = &literal[2..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn render(self, parts: &[Part], plain: &[&str]) -> String {
        let exprs: Vec<&str> = parts
            .iter()
            .filter_map(|p| match p {
                Part::Expr(e) => Some(e.as_str()),
                Part::Text(_) => None,
            })
            .collect();
        match self {
            StringShape::FString => unreachable!("f-strings are left as written"),
            StringShape::Format => {
                let template: String = parts
                    .iter()
                    .map(|p| match p {
                        Part::Text(t) => t.replace('{', "{{").replace('}', "}}"),
                        Part::Expr(_) => "{}".to_string(),
                    })
                    .collect();
                format!("\"{template}\".format({})", exprs.join(", "))
            }
            StringShape::Percent => {
                let template: String = parts
                    .iter()
                    .map(|p| match p {
                        Part::Text(t) => t.replace('%', "%%"),
                        Part::Expr(_) => "%s".to_string(),
                    })
                    .collect();
                match exprs.as_slice() {
                    [one] => format!("\"{template}\" % {}", operand(one)),
                    many => format!("\"{template}\" % ({})", many.join(", ")),
                }
            }
            StringShape::Concat => {
                let pieces: Vec<String> = parts
                    .iter()
                    .filter(|p| !matches!(p, Part::Text(t) if t.is_empty()))
                    .map(|p| match p {
                        Part::Text(t) => format!("\"{t}\""),
                        Part::Expr(e) if plain.contains(&e.as_str()) => operand(e),
                        Part::Expr(e) => format!("str({e})"),
                    })
                    .collect();
                pieces.join(" + ")
            }
        }
    }
}

/// An expression as one operand of `%` or `+`: bracketed unless it is a name, attribute, call or
/// subscript chain.
fn operand(expr: &str) -> String {
    let simple =
        expr.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '(' | ')' | '"' | '\''))
            && !expr.starts_with('(');
    if simple { expr.to_string() } else { format!("({expr})") }
}

#[derive(Debug, PartialEq)]
enum Part {
    /// Literal text as it appears between the quotes (escapes kept, `{{` already undone).
    Text(String),
    Expr(String),
}

/// The byte offset of the next `f"` that starts an f-string (not `rf"`, not an identifier ending in f,
/// not a triple quote).
fn find_fstring(code: &str) -> Option<usize> {
    let bytes = code.as_bytes();
    let mut from = 0;
    while let Some(pos) = code[from..].find("f\"").map(|p| p + from) {
        let prev_ok = pos == 0 || !(bytes[pos - 1].is_ascii_alphanumeric() || bytes[pos - 1] == b'_');
        let triple = code[pos + 1..].starts_with("\"\"\"");
        let line_start = code[..pos].rfind('\n').map_or(0, |n| n + 1);
        let in_string = code[line_start..pos].matches('"').count() % 2 == 1;
        if prev_ok && !triple && !in_string {
            return Some(pos);
        }
        from = pos + 2;
    }
    None
}

/// Splits the f-string at the start of `s` into parts; `None` when it is not one the rewrite keeps
/// equivalent. Returns the parts and the f-string's length in bytes.
fn parse_fstring(s: &str) -> Option<(Vec<Part>, usize)> {
    let body = s.strip_prefix("f\"")?;
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                parts.push(Part::Text(text));
                if !parts.iter().any(|p| matches!(p, Part::Expr(_))) {
                    return None;
                }
                return Some((parts, 2 + i + 1));
            }
            '\n' => return None,
            '\\' => {
                text.push(c);
                let (_, next) = chars.next()?;
                text.push(next);
            }
            '{' if chars.peek().map(|&(_, n)| n) == Some('{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek().map(|&(_, n)| n) == Some('}') => {
                chars.next();
                text.push('}');
            }
            '}' => return None,
            '{' => {
                let mut expr = String::new();
                let mut depth = 0usize;
                let mut quote: Option<char> = None;
                loop {
                    let (_, e) = chars.next()?;
                    match (quote, e) {
                        (Some(q), e) if e == q => quote = None,
                        (Some(_), _) => {}
                        (None, '\'') => quote = Some('\''),
                        // A double quote inside a double-quoted f-string needs Python 3.12: leave it.
                        (None, '"' | '\\' | '\n') => return None,
                        (None, '(' | '[' | '{') => depth += 1,
                        (None, ')' | ']') => depth = depth.checked_sub(1)?,
                        (None, '}') if depth > 0 => depth -= 1,
                        (None, '}') => break,
                        // A format spec, a conversion or a `=` self-documenting expression.
                        (None, ':' | '!' | '=') if depth == 0 => return None,
                        _ => {}
                    }
                    expr.push(e);
                }
                let expr = expr.trim().to_string();
                if expr.is_empty() {
                    return None;
                }
                parts.push(Part::Text(std::mem::take(&mut text)));
                parts.push(Part::Expr(expr));
            }
            _ => text.push(c),
        }
    }
    None
}

/// A step that passes `var` on unchanged in substance (still whatever the caller sent), written the
/// ways real code tidies an input, by input kind.
pub fn alias_expr(rng: &mut impl Rng, kind: crate::dataset::recipe::Input, var: &str) -> String {
    use crate::dataset::recipe::Input;
    let options: &[&str] = match kind {
        Input::Text => &["{v}.strip()", "str({v})", "{v} or \"\"", "{v}.lower()", "\" \".join({v}.split())"],
        Input::Path | Input::Url | Input::Pattern => &["{v}.strip()", "str({v})", "{v} or \"\""],
        Input::Number => &["{v}.strip()", "str({v})"],
        Input::Payload => &["bytes({v})", "{v} or b\"\""],
    };
    let pick = options[rng.random_range(0..options.len())];
    pick.replace("{v}", var)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQL: &str = "cur.execute(f\"SELECT * FROM t WHERE name = '{name}' LIMIT {limit}\")";

    #[test]
    fn format_percent_and_concat_say_the_same() {
        assert_eq!(StringShape::FString.apply(SQL, &["name"]), SQL);
        assert_eq!(
            StringShape::Format.apply(SQL, &["name"]),
            "cur.execute(\"SELECT * FROM t WHERE name = '{}' LIMIT {}\".format(name, limit))"
        );
        assert_eq!(
            StringShape::Percent.apply(SQL, &["name"]),
            "cur.execute(\"SELECT * FROM t WHERE name = '%s' LIMIT %s\" % (name, limit))"
        );
        assert_eq!(
            StringShape::Concat.apply(SQL, &["name"]),
            "cur.execute(\"SELECT * FROM t WHERE name = '\" + name + \"' LIMIT \" + str(limit))"
        );
    }

    #[test]
    fn escapes_braces_and_percents_for_the_new_shape() {
        let code = "msg = f\"100% of {{x}} is {v}\"";
        assert_eq!(StringShape::Percent.apply(code, &["v"]), "msg = \"100%% of {x} is %s\" % v");
        assert_eq!(StringShape::Format.apply(code, &["v"]), "msg = \"100% of {{x}} is {}\".format(v)");
        assert_eq!(StringShape::Concat.apply(code, &["v"]), "msg = \"100% of {x} is \" + v");
    }

    #[test]
    fn leaves_what_it_cannot_keep_equivalent() {
        for code in [
            "x = f\"{v:>10}\"",
            "x = f\"{v!r}\"",
            "x = f\"{v=}\"",
            "x = rf\"\\d+{v}\"",
            "x = f\"\"\"{v}\"\"\"",
            "x = f\"plain\"",
            "x = f\"{d[\"k\"]}\"",
            "x = \"say f\" + f",
        ] {
            assert_eq!(StringShape::Concat.apply(code, &["v"]), code, "{code}");
        }
    }

    #[test]
    fn nested_calls_and_several_strings_on_a_line() {
        let code = "run(f\"tool {shlex.quote(v)}\", shell=True, env=f\"{k}={env['x']}\")";
        assert_eq!(
            StringShape::Format.apply(code, &["v"]),
            "run(\"tool {}\".format(shlex.quote(v)), shell=True, env=\"{}={}\".format(k, env['x']))"
        );
        assert_eq!(
            StringShape::Concat.apply("os.system(f\"tar czf out.tgz {v}\")", &["v"]),
            "os.system(\"tar czf out.tgz \" + v)"
        );
        assert_eq!(StringShape::Percent.apply("x = f\"{a + b}!\"", &[]), "x = \"%s!\" % (a + b)");
    }

    #[test]
    fn every_alias_keeps_the_variable() {
        use crate::dataset::recipe::Input;
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for kind in [Input::Text, Input::Path, Input::Url, Input::Number, Input::Pattern, Input::Payload] {
            for _ in 0..20 {
                assert!(alias_expr(&mut rng, kind, "name").contains("name"));
            }
        }
    }
}
