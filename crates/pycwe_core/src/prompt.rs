//! The task, stated once for training, eval and scan: the prompt a unit is shown in, and the answer
//! grammar a model must follow.
//!
//! Task: given one unit from the chunker (a function, a class header, or module-level code) with its
//! context (imports it uses, enclosing class headers), answer the set of CWE ids it contains, each
//! with a line, or NONE. Lines are 1-based within the unit as shown; callers map them back to file
//! lines with [`crate::python::Unit::file_line`].
//!
//! Answer grammar ([`PROMPT_VERSION`] 1):
//! ```text
//! answer  := "NONE" | finding ("\n" finding)*
//! finding := "CWE-" id " line " n [": " reason]
//! ```
//! `id` is a reportable catalog id, `n` a line of the unit. Decoding is constrained to this grammar
//! (see [`AnswerPrefix`]), so every answer parses.

use std::collections::HashMap;
use std::fmt::Write;

use crate::cwe::{Applicability, CweId, reportable};

/// Bump when the prompt text or the grammar changes: adapters record the version they were trained
/// on, and result caches are keyed by it.
///
/// - 1: the instructions, the grammar, and the unit's code as written.
/// - 2 (session 9, replaced the same day): comments and empty lines hidden, the other lines keeping
///   their numbers (numbers skip). Small models count lines, so this misplaced findings.
/// - 3: the unit's lines without comments and without empty lines ([`crate::pieces::shown_lines`]),
///   numbered from 1 as shown, so code cannot talk the model out of a finding and an added comment
///   or blank line changes nothing it reads. Instructions and grammar are those of 1.
/// - 4 (session 25): docstrings and other statements that are a bare string literal hidden too
///   ([`crate::python::blank_comments_and_docstrings`]): one addressing the model silenced 3 of 36
///   detections under version 3 (docs/RESULTS.md §5).
pub const PROMPT_VERSION: u32 = 4;

/// Whether an adapter trained on prompt version `trained` may judge units in the current prompt.
/// Versions 3 and 4 changed only which lines a unit shows (no comments, which 19% of the wide set's
/// records had, no empty lines, then no docstrings), numbered as in version 1, not the instructions
/// or the grammar, so adapters trained on 1 or 3 still answer it (docs/RESULTS.md §5 has their
/// figures both ways). Version 2's skipped numbers are not what any was trained to count.
pub fn reads_current_prompt(trained: u32) -> bool {
    trained == PROMPT_VERSION || trained == 3 || trained == 1
}

/// The fixed instructions (the same for every unit, so their KV cache can be computed once).
pub fn system_prompt() -> String {
    let mut s = String::from(
        "You are a security reviewer for Python code. You are shown one unit of a module (a function, \
         a class header, or module-level code) with the imports it uses. Report every weakness from this \
         list that the unit contains, one per line as `CWE-<id> line <n>`, where <n> is the numbered line \
         where it happens; report access-control weaknesses on the line of the `def`. Answer NONE if the \
         unit has none of them.\n",
    );
    for entry in reportable() {
        let _ = writeln!(s, "{}: {}", entry.id, entry.short_name);
    }
    s
}

/// The per-unit message: context, then the piece's lines numbered from 1 (pieces come without
/// comments and empty lines: [`crate::pieces::shown_lines`]).
pub fn user_prompt(unit_text: &str, imports: &[String], class_headers: &[String]) -> String {
    let mut s = String::new();
    if !imports.is_empty() {
        s.push_str("Imports:\n");
        for import in imports {
            let _ = writeln!(s, "{import}");
        }
    }
    for header in class_headers {
        let _ = writeln!(s, "Inside: {header}");
    }
    s.push_str("Code:\n");
    for (i, line) in unit_text.lines().enumerate() {
        let _ = writeln!(s, "{:>3} | {}", i + 1, line.trim_end_matches('\r'));
    }
    s
}

/// One reported weakness, as the grammar spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerItem {
    pub cwe: CweId,
    /// 1-based line within the unit.
    pub line: usize,
    pub reason: Option<String>,
}

/// Renders an answer (the training target for a unit): `NONE` or one finding per line.
pub fn format_answer(items: &[AnswerItem]) -> String {
    if items.is_empty() {
        return "NONE".to_string();
    }
    let lines: Vec<String> = items
        .iter()
        .map(|i| match &i.reason {
            Some(r) => format!("{} line {}: {r}", i.cwe, i.line),
            None => format!("{} line {}", i.cwe, i.line),
        })
        .collect();
    lines.join("\n")
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("answer does not follow the grammar at byte {offset}: {answer:?}")]
pub struct AnswerError {
    pub answer: String,
    pub offset: usize,
}

/// Parses a complete answer.
pub fn parse_answer(answer: &str, line_count: usize) -> Result<Vec<AnswerItem>, AnswerError> {
    // Reasons are optional in the grammar; only decoding decides whether to write them.
    let mut grammar = AnswerPrefix::new(line_count);
    grammar.allow_reason = true;
    match grammar.check(answer) {
        PrefixState::Complete => {}
        _ => return Err(AnswerError { answer: answer.to_string(), offset: grammar.valid_up_to(answer) }),
    }
    if answer == "NONE" {
        return Ok(Vec::new());
    }
    Ok(answer
        .lines()
        .map(|l| {
            let (head, reason) = match l.split_once(": ") {
                Some((h, r)) => (h, Some(r.to_string())),
                None => (l, None),
            };
            let mut parts = head.split(' ');
            let cwe = parts.next().and_then(|c| c.parse().ok()).expect("checked by the grammar");
            let line = parts.nth(1).and_then(|n| n.parse().ok()).expect("checked by the grammar");
            AnswerItem { cwe, line, reason }
        })
        .collect())
}

/// Where a string stands against the grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrefixState {
    /// Not a prefix of any valid answer.
    Invalid,
    /// A proper prefix: more must follow.
    Partial,
    /// A complete answer (more may still follow, e.g. another finding).
    Complete,
}

/// The answer grammar as a prefix checker for constrained decoding: which strings can still grow
/// into a valid answer, for a unit of `line_count` lines and the catalog's reportable ids.
#[derive(Debug, Clone)]
pub struct AnswerPrefix {
    ids: Vec<String>,
    line_count: usize,
    /// Whether `: reason` may follow a finding (off by default: reasons are slow to decode).
    pub allow_reason: bool,
    /// For anchored answers ([`AnswerPrefix::anchored`]): the only lines each of these ids may be
    /// reported on. Ids not in the map keep every line.
    anchored_lines: HashMap<String, Vec<usize>>,
}

impl AnswerPrefix {
    pub fn new(line_count: usize) -> Self {
        AnswerPrefix {
            ids: reportable().map(|e| e.id.0.to_string()).collect(),
            line_count,
            allow_reason: false,
            anchored_lines: HashMap::new(),
        }
    }

    /// The grammar held to a unit's anchors ([`crate::anchor`]): a local weakness only on a line
    /// that uses one of its sinks, and contextual ones (access control, on any line: they are
    /// reported on the `def`) only where `handler` ([`crate::anchor::may_be_handler`]). With no
    /// anchors every local weakness keeps every line, so code whose weakness uses no known sink
    /// can still be reported.
    pub fn anchored(line_count: usize, anchors: &[(CweId, usize)], handler: bool) -> Self {
        let mut grammar = Self::new(line_count);
        for &(cwe, line) in anchors {
            grammar.anchored_lines.entry(cwe.0.to_string()).or_default().push(line);
        }
        grammar.ids = reportable()
            .filter(|e| match e.applicability {
                Applicability::Contextual => handler,
                _ => anchors.is_empty() || grammar.anchored_lines.contains_key(&e.id.0.to_string()),
            })
            .map(|e| e.id.0.to_string())
            .collect();
        grammar
    }

    /// The same grammar allowing only findings of `ids` (and `NONE`); whether any id is left.
    pub fn keep_only(&mut self, ids: &[CweId]) -> bool {
        self.ids.retain(|known| ids.iter().any(|id| id.0.to_string() == *known));
        !self.ids.is_empty()
    }

    /// Checks `s` as a whole.
    pub fn check(&self, s: &str) -> PrefixState {
        if "NONE".starts_with(s) {
            return if s == "NONE" { PrefixState::Complete } else { PrefixState::Partial };
        }
        let mut state = PrefixState::Invalid;
        for (i, line) in s.split('\n').enumerate() {
            let last = i == s.split('\n').count() - 1;
            state = self.check_finding(line);
            match state {
                PrefixState::Invalid => return PrefixState::Invalid,
                PrefixState::Partial if !last => return PrefixState::Invalid,
                _ => {}
            }
        }
        state
    }

    /// Byte offset up to which `s` is a valid prefix (for error messages).
    pub fn valid_up_to(&self, s: &str) -> usize {
        let mut end = 0;
        for (i, _) in s.char_indices().skip(1).chain(std::iter::once((s.len(), ' '))) {
            if self.check(&s[..i]) == PrefixState::Invalid {
                break;
            }
            end = i;
        }
        end
    }

    fn check_finding(&self, s: &str) -> PrefixState {
        const HEAD: &str = "CWE-";
        if s.len() <= HEAD.len() {
            return if HEAD.starts_with(s) { PrefixState::Partial } else { PrefixState::Invalid };
        }
        let Some(rest) = s.strip_prefix(HEAD) else { return PrefixState::Invalid };
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (id, rest) = rest.split_at(digits);
        if rest.is_empty() {
            return if self.ids.iter().any(|known| known.starts_with(id) && !id.is_empty()) {
                PrefixState::Partial
            } else {
                PrefixState::Invalid
            };
        }
        if !self.ids.iter().any(|known| known == id) {
            return PrefixState::Invalid;
        }
        const LINE: &str = " line ";
        if rest.len() <= LINE.len() {
            return if LINE.starts_with(rest) { PrefixState::Partial } else { PrefixState::Invalid };
        }
        let Some(rest) = rest.strip_prefix(LINE) else { return PrefixState::Invalid };
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (n, rest) = rest.split_at(digits);
        if n.is_empty() || n.starts_with('0') {
            return PrefixState::Invalid;
        }
        let Ok(value) = n.parse::<usize>() else { return PrefixState::Invalid };
        if value > self.line_count {
            return PrefixState::Invalid;
        }
        if let Some(lines) = self.anchored_lines.get(id)
            && !lines.contains(&value)
        {
            let grows_into_one = lines.iter().any(|l| l.to_string().starts_with(n));
            return if rest.is_empty() && grows_into_one { PrefixState::Partial } else { PrefixState::Invalid };
        }
        if rest.is_empty() {
            return PrefixState::Complete;
        }
        if !self.allow_reason {
            return PrefixState::Invalid;
        }
        match rest.strip_prefix(": ") {
            Some(reason) if !reason.is_empty() => PrefixState::Complete,
            Some(_) => PrefixState::Partial,
            None if ": ".starts_with(rest) => PrefixState::Partial,
            None => PrefixState::Invalid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adapters_of_the_first_prompt_still_read_the_current_one() {
        assert!(reads_current_prompt(PROMPT_VERSION) && reads_current_prompt(3) && reads_current_prompt(1));
        assert!(!reads_current_prompt(0) && !reads_current_prompt(2) && !reads_current_prompt(PROMPT_VERSION + 1));
    }

    #[test]
    fn a_grammar_kept_to_some_ids_allows_only_those_and_keeps_its_anchors() {
        let mut grammar = AnswerPrefix::anchored(5, &[(CweId(78), 2), (CweId(22), 3)], false);
        assert!(grammar.keep_only(&[CweId(78), CweId(79)]));
        assert_eq!(grammar.check("CWE-78 line 2"), PrefixState::Complete);
        assert_eq!(grammar.check("CWE-78 line 4"), PrefixState::Invalid, "the anchor still holds");
        assert_eq!(grammar.check("CWE-22 line 3"), PrefixState::Invalid);
        assert_eq!(grammar.check("CWE-79 line 1"), PrefixState::Invalid, "not allowed before either");
        assert_eq!(grammar.check("NONE"), PrefixState::Complete);
        assert!(!grammar.keep_only(&[CweId(22)]), "nothing left");
    }

    #[test]
    fn answers_round_trip() {
        let items = vec![
            AnswerItem { cwe: CweId(89), line: 4, reason: None },
            AnswerItem { cwe: CweId(78), line: 12, reason: None },
        ];
        let text = format_answer(&items);
        assert_eq!(text, "CWE-89 line 4\nCWE-78 line 12");
        assert_eq!(parse_answer(&text, 20).unwrap(), items);
        assert_eq!(parse_answer("NONE", 3).unwrap(), vec![]);
    }

    #[test]
    fn the_prefix_checker_follows_the_grammar() {
        let g = AnswerPrefix::new(15);
        for partial in
            ["", "N", "NON", "C", "CWE-", "CWE-8", "CWE-1", "CWE-13", "CWE-89 li", "CWE-89 line ", "CWE-89 line 4\nC"]
        {
            assert_eq!(g.check(partial), PrefixState::Partial, "{partial:?}");
        }
        for complete in ["NONE", "CWE-89 line 4", "CWE-89 line 15", "CWE-1333 line 1\nCWE-22 line 2"] {
            assert_eq!(g.check(complete), PrefixState::Complete, "{complete:?}");
        }
        for invalid in [
            "NONE\n",
            "X",
            "CWE-787 line 1",
            "CWE-20 line 1",
            "CWE-89 line 16",
            "CWE-89 line 0",
            "CWE-89  line",
            "CWE-89 line 4\n\n",
            "CWE-89 line 4: why",
        ] {
            assert_eq!(g.check(invalid), PrefixState::Invalid, "{invalid:?}");
        }
        let mut with_reason = AnswerPrefix::new(15);
        with_reason.allow_reason = true;
        assert_eq!(with_reason.check("CWE-89 line 4: "), PrefixState::Partial);
        assert_eq!(with_reason.check("CWE-89 line 4: f-string in execute"), PrefixState::Complete);
    }

    #[test]
    fn an_anchored_grammar_allows_only_the_anchored_pairs_and_contextual_ids() {
        let g = AnswerPrefix::anchored(15, &[(CweId(78), 3), (CweId(22), 12), (CweId(22), 2)], true);
        for ok in ["CWE-78 line 3", "CWE-22 line 12", "CWE-22 line 2", "CWE-78 line 3\nCWE-22 line 12", "NONE"] {
            assert_eq!(g.check(ok), PrefixState::Complete, "{ok:?}");
        }
        // `1` can still grow into 12; CWE-862 (contextual) keeps every line.
        assert_eq!(g.check("CWE-22 line 1"), PrefixState::Partial);
        assert_eq!(g.check("CWE-862 line 7"), PrefixState::Complete);
        for bad in ["CWE-78 line 4", "CWE-22 line 3", "CWE-89 line 3", "CWE-78 line 31", "CWE-22 line 13"] {
            assert_eq!(g.check(bad), PrefixState::Invalid, "{bad:?}");
        }
        let free = AnswerPrefix::anchored(15, &[], true);
        assert_eq!(free.check("CWE-89 line 9"), PrefixState::Complete, "no anchors: every local weakness, every line");
        assert_eq!(free.check("CWE-862 line 1"), PrefixState::Complete);
        // Not a handler: no access-control weakness, anchored or not.
        assert_eq!(AnswerPrefix::anchored(15, &[], false).check("CWE-862 line 1"), PrefixState::Invalid);
        assert_eq!(AnswerPrefix::anchored(15, &[(CweId(78), 3)], false).check("CWE-862 line 1"), PrefixState::Invalid);
        assert_eq!(AnswerPrefix::anchored(15, &[], false).check("CWE-89 line 9"), PrefixState::Complete);
    }

    #[test]
    fn non_reportable_ids_never_parse() {
        assert!(parse_answer("CWE-787 line 1", 5).is_err());
        let err = parse_answer("CWE-89 line 9", 5).unwrap_err();
        assert_eq!(err.offset, 12, "{err}");
    }

    #[test]
    fn the_user_prompt_numbers_lines_and_shows_context() {
        let p = user_prompt("def f(x):\r\n    return x\n", &["import os".into()], &["class A:".into()]);
        assert_eq!(p, "Imports:\nimport os\nInside: class A:\nCode:\n  1 | def f(x):\n  2 |     return x\n");
        assert!(system_prompt().contains("CWE-89: SQL injection"));
        assert!(!system_prompt().contains("CWE-787"));
    }
}
