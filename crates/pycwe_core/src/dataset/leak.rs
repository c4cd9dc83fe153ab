//! The label-leak check: no word the recipes invent (identifiers, comments, strings, docstrings) may
//! say what the label is. Real API names that contain such words pass through an explicit allowlist.

/// Words that give a label away, compared against whole words of identifiers (split at `_` and
/// camelCase) and of comments and strings.
pub const BANNED_WORDS: &[&str] = &[
    "vuln",
    "vulnerable",
    "vulnerability",
    "unsafe",
    "insecure",
    "bad",
    "good",
    "safe",
    "safely",
    "fixed",
    "fix",
    "exploit",
    "exploitable",
    "attack",
    "attacker",
    "malicious",
    "evil",
    "cwe",
    "inject",
    "injection",
    "injected",
    "traversal",
    "xss",
    "sqli",
    "ssrf",
    "csrf",
    "xxe",
    "redos",
    "taint",
    "tainted",
    "sanitized",
    "unsanitized",
    "dangerous",
    "trusted",
    "untrusted",
    "secure",
    "insecurely",
    "weak",
    "hardcoded",
];

/// Real API names allowed although they contain a banned word.
pub const ALLOWED_NAMES: &[&str] = &[
    "safe_load",
    "safe_load_all",
    "safe_dump",
    "SafeLoader",
    "CSafeLoader",
    "safe_join",
    "mark_safe",
    "SafeString",
    "secure_filename",
    "is_safe_url",
    "csrf",
    "csrf_exempt",
    "csrf_protect",
    "CSRFProtect",
    "CsrfProtect",
    "ensure_csrf_cookie",
    "csrf_token",
    "generate_csrf",
    "validate_csrf",
    "WTF_CSRF_ENABLED",
    "CSRF_COOKIE_SECURE",
    "CSRF_TRUSTED_ORIGINS",
    "CsrfViewMiddleware",
    "SESSION_COOKIE_SECURE",
    "HttpResponseBadRequest",
    "BadRequest",
    "BadSignature",
    "HTTPBadRequest",
    "unsafe_load",
    "UnsafeLoader",
    "safe_substitute",
    "secure_ssl_redirect",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "secure",
    "trusted_hosts",
    "TrustedHostMiddleware",
    "unsafe_hash",
];

/// A banned word found in code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelLeak {
    pub line: usize,
    pub token: String,
    pub word: String,
}

/// Every banned word in `code`, with its 1-based line.
pub fn find_label_leaks(code: &str) -> Vec<LabelLeak> {
    let mut leaks = Vec::new();
    for (i, line) in code.lines().enumerate() {
        for token in line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|t| !t.is_empty()) {
            if ALLOWED_NAMES.contains(&token) {
                continue;
            }
            for word in words(token) {
                if BANNED_WORDS.contains(&word.as_str()) {
                    leaks.push(LabelLeak { line: i + 1, token: token.to_string(), word });
                }
            }
        }
    }
    leaks
}

/// Splits an identifier into lower-case words at `_`, digits and camelCase boundaries.
fn words(token: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = token.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let boundary = c == '_'
            || c.is_ascii_digit()
            || (c.is_ascii_uppercase()
                && i > 0
                && (chars[i - 1].is_ascii_lowercase()
                    || chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase()) && chars[i - 1].is_ascii_uppercase()));
        if boundary && !current.is_empty() {
            out.push(std::mem::take(&mut current).to_lowercase());
        }
        if c.is_ascii_alphabetic() {
            current.push(c);
        }
    }
    if !current.is_empty() {
        out.push(current.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_identifiers_into_words() {
        assert_eq!(words("safeQuery"), ["safe", "query"]);
        assert_eq!(words("HTTPBadRequest2x"), ["http", "bad", "request", "x"]);
        assert_eq!(words("run_unsafe_cmd"), ["run", "unsafe", "cmd"]);
        assert_eq!(words("prefix"), ["prefix"]);
    }

    #[test]
    fn flags_label_words_and_allows_real_apis() {
        let code = "import yaml\ndef load_safe(x):\n    # avoid the injection\n    return yaml.safe_load(x)\n";
        let leaks = find_label_leaks(code);
        let found: Vec<_> = leaks.iter().map(|l| (l.line, l.word.as_str())).collect();
        assert_eq!(found, [(2, "safe"), (3, "injection")]);
        assert!(find_label_leaks("from werkzeug.exceptions import BadRequest\nprefix = 1\n").is_empty());
    }
}
