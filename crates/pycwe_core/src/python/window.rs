//! Windows: a unit longer than a model's budget is cut into runs of lines that overlap by a few lines,
//! so a weakness spanning a cut is still seen whole by one window.
//!
//! The budget is measured by a caller-given function (the model crate counts tokens; the CLI counts
//! whitespace-separated words), applied line by line.

use std::ops::Range;

use serde::Serialize;

use super::chunk::Unit;
use crate::source::SourceFile;

/// A run of a unit's lines: `lines` indexes the unit's lines (0-based, as [`Unit::file_line`] takes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    pub lines: Range<usize>,
    /// Whether one of its lines alone exceeds the budget (the caller must truncate).
    pub over_budget: bool,
}

/// Cuts `unit` into windows of at most `budget` (as measured by `measure`, summed over lines), each
/// starting `overlap` lines before the previous one ended. A unit within budget is one window.
/// A single line over budget becomes a window of its own, flagged `over_budget`.
pub fn windows(
    unit: &Unit,
    source: &SourceFile,
    budget: usize,
    measure: &dyn Fn(&str) -> usize,
    overlap: usize,
) -> Vec<Window> {
    let costs: Vec<usize> = unit.file_lines().map(|l| measure(source.slice(source.lines().line_span(l)))).collect();
    windows_by_cost(&costs, budget, overlap)
}

/// [`windows`] over lines already measured: `costs[i]` is line `i`'s share of the budget.
pub fn windows_by_cost(costs: &[usize], budget: usize, overlap: usize) -> Vec<Window> {
    let n = costs.len();
    if costs.iter().sum::<usize>() <= budget {
        return vec![Window { lines: 0..n, over_budget: false }];
    }
    let mut out = Vec::new();
    let mut start = 0;
    loop {
        let mut end = start;
        let mut used = 0;
        while end < n && (end == start || used + costs[end] <= budget) {
            used += costs[end];
            end += 1;
        }
        out.push(Window { lines: start..end, over_budget: used > budget });
        if end >= n {
            return out;
        }
        // Step back for the overlap, but always make progress.
        start = end.saturating_sub(overlap).max(start + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::{ChunkOptions, chunk};

    fn words(s: &str) -> usize {
        s.split_whitespace().count()
    }

    fn function_of(lines: usize) -> (SourceFile, Unit) {
        let body: String = (0..lines).map(|i| format!("    x{i} = {i}\n")).collect();
        let source = SourceFile::from_string("t.py", format!("def f():\n{body}"));
        let unit = chunk(&source, &ChunkOptions::default()).unwrap().units.remove(0);
        (source, unit)
    }

    #[test]
    fn unit_within_budget_is_one_window() {
        let (source, unit) = function_of(5);
        assert_eq!(windows(&unit, &source, 100, &words, 2), [Window { lines: 0..6, over_budget: false }]);
    }

    #[test]
    fn long_unit_is_cut_with_overlap_and_covers_every_line() {
        let (source, unit) = function_of(20); // `def f():` is 2 words, then 20 lines of 3
        let ws = windows(&unit, &source, 10, &words, 1);
        assert_eq!(ws[0].lines, 0..3);
        assert_eq!(ws[1].lines, 2..5);
        assert_eq!(ws.last().unwrap().lines.end, 21);
        for pair in ws.windows(2) {
            assert!(pair[1].lines.start < pair[0].lines.end, "windows overlap");
        }
    }

    #[test]
    fn a_line_over_budget_is_its_own_flagged_window() {
        let source = SourceFile::from_string("t.py", format!("def f():\n    x = [{}]\n", "1, ".repeat(50)));
        let unit = chunk(&source, &ChunkOptions::default()).unwrap().units.remove(0);
        let ws = windows(&unit, &source, 10, &words, 3);
        assert_eq!(ws.len(), 2);
        assert!(ws[1].over_budget);
    }
}
