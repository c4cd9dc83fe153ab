//! Evaluation metrics, pure: binary (vulnerable or not), CWE-level (predicted set vs labeled set,
//! micro and macro, per CWE, confusions), line-level hits, bootstrap intervals over twin groups,
//! calibration of the confidence, how well `p_vulnerable` ranks (ROC AUC, and within twin groups),
//! and the threshold that maximises F1.
//!
//! Definitions follow scikit-learn (`zero_division=0`); the golden tests were worked by hand and
//! checked with:
//! ```python
//! from sklearn.metrics import precision_recall_fscore_support, accuracy_score
//! # binary: y_true/y_pred as 0/1 lists; CWE-level: MultiLabelBinarizer over the union of labels, then
//! precision_recall_fscore_support(Y_true, Y_pred, average="micro" | "macro", zero_division=0)
//! from sklearn.metrics import roc_auc_score   # ranking: roc_auc_score(y_true, p_vulnerable)
//! ```

use std::collections::{BTreeMap, BTreeSet};

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::cwe::CweId;

/// One judged item (a record): what it holds and what the detector said.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Item {
    /// Items sharing a group (twins, a family) are resampled together by the bootstrap.
    pub group: String,
    pub truth: BTreeSet<CweId>,
    /// 1-based lines per labeled CWE (may be empty).
    pub truth_lines: BTreeMap<CweId, Vec<usize>>,
    /// Reported CWEs with their highest confidence and their lines.
    pub predicted: BTreeMap<CweId, (f32, Vec<usize>)>,
    /// The detector's probability that the item holds any weakness.
    pub p_vulnerable: f32,
    /// Lines of code in the item (for findings per 1,000 lines); 0 when unknown.
    pub lines: usize,
}

impl Item {
    fn predicted_at(&self, threshold: f32) -> BTreeSet<CweId> {
        self.predicted.iter().filter(|(_, (c, _))| *c >= threshold).map(|(id, _)| *id).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

fn prf(tp: usize, fp: usize, fn_: usize) -> Prf {
    let div = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = div(tp, tp + fp);
    let recall = div(tp, tp + fn_);
    let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
    Prf { precision, recall, f1 }
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Binary {
    pub tp: usize,
    pub fp: usize,
    pub tn: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
    pub accuracy: f64,
    #[serde(flatten)]
    pub prf: Prf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerCwe {
    pub cwe: String,
    /// Items labeled with it.
    pub support: usize,
    /// Items it was reported for.
    pub predicted: usize,
    pub tp: usize,
    #[serde(flatten)]
    pub prf: Prf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    /// The labeled CWE that was missed.
    pub truth: String,
    /// The CWE reported instead, in the same item.
    pub predicted: String,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Per confidence bin `[lo, hi)`: items, mean confidence, share actually vulnerable.
    pub bins: Vec<(f64, f64, usize, f64, f64)>,
    /// Expected calibration error.
    pub ece: f64,
}

/// Everything `metrics.json` holds about one detector on one set (schema version 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub schema: u32,
    pub items: usize,
    pub threshold: f32,
    pub binary: Binary,
    pub cwe_micro: Prf,
    pub cwe_macro: Prf,
    pub per_cwe: Vec<PerCwe>,
    pub confusions: Vec<Confusion>,
    /// Of the correctly reported CWEs with labeled lines, the share reported within one line of a label.
    pub line_hit_rate: Option<f64>,
    /// 95% bootstrap intervals (resampling groups), `[low, high]`.
    pub f1_ci: (f64, f64),
    pub accuracy_ci: (f64, f64),
    pub calibration: Calibration,
    /// Findings (a reported CWE on a line, at the threshold) per 1,000 lines of the items: the
    /// noise a user would read on code like this. `None` when the items carry no line counts.
    #[serde(default)]
    pub findings_per_kloc: Option<f64>,
    /// ROC AUC of `p_vulnerable` against "has a labeled weakness" (ties count half): whether the
    /// detector ranks vulnerable items above safe ones at all, whatever the threshold. `None`
    /// when one class is missing.
    #[serde(default)]
    pub roc_auc: Option<f64>,
    /// The same, counting only (vulnerable, safe) pairs inside one group: for twins, the share of
    /// pairs where the vulnerable code scores above its own fix (0.5 is a detector that cannot
    /// tell them apart). `None` when no group holds both.
    #[serde(default)]
    pub group_auc: Option<f64>,
}

/// Share of (vulnerable, safe) pairs ordered right by `p_vulnerable`, ties counting half: the
/// Mann-Whitney form of ROC AUC (what `sklearn.metrics.roc_auc_score` computes).
fn pair_auc<'a>(items: impl IntoIterator<Item = &'a Item> + Clone) -> Option<(f64, usize)> {
    let (mut right, mut pairs) = (0.0, 0usize);
    for v in items.clone().into_iter().filter(|i| !i.truth.is_empty()) {
        for s in items.clone().into_iter().filter(|i| i.truth.is_empty()) {
            pairs += 1;
            right += match v.p_vulnerable.total_cmp(&s.p_vulnerable) {
                std::cmp::Ordering::Greater => 1.0,
                std::cmp::Ordering::Equal => 0.5,
                std::cmp::Ordering::Less => 0.0,
            };
        }
    }
    (pairs > 0).then(|| (right / pairs as f64, pairs))
}

/// [`Metrics::roc_auc`] and [`Metrics::group_auc`].
fn ranking(items: &[Item]) -> (Option<f64>, Option<f64>) {
    let (mut right, mut pairs) = (0.0, 0usize);
    for members in groups(items).values() {
        if let Some((auc, n)) = pair_auc(members.iter().copied()) {
            right += auc * n as f64;
            pairs += n;
        }
    }
    (pair_auc(items).map(|(auc, _)| auc), (pairs > 0).then(|| right / pairs as f64))
}

/// `(reported CWE, line)` findings at `threshold` per 1,000 lines (a CWE reported without a line counts once).
fn findings_per_kloc(items: &[Item], threshold: f32) -> Option<f64> {
    let lines: usize = items.iter().map(|i| i.lines).sum();
    let findings: usize = items
        .iter()
        .flat_map(|i| i.predicted.values().filter(|(c, _)| *c >= threshold).map(|(_, l)| l.len().max(1)))
        .sum();
    (lines > 0).then(|| 1000.0 * findings as f64 / lines as f64)
}

fn binary(items: &[&Item], threshold: f32) -> Binary {
    let mut b = Binary::default();
    for item in items {
        match (!item.truth.is_empty(), !item.predicted_at(threshold).is_empty()) {
            (true, true) => b.tp += 1,
            (false, true) => b.fp += 1,
            (false, false) => b.tn += 1,
            (true, false) => b.fn_ += 1,
        }
    }
    let n = items.len();
    b.accuracy = if n == 0 { 0.0 } else { (b.tp + b.tn) as f64 / n as f64 };
    b.prf = prf(b.tp, b.fp, b.fn_);
    b
}

/// Computes every metric at `threshold`, with `bootstrap` resamples (seeded) for the intervals.
pub fn compute(items: &[Item], threshold: f32, bootstrap: usize, seed: u64) -> Metrics {
    let refs: Vec<&Item> = items.iter().collect();
    let bin = binary(&refs, threshold);
    // CWE level.
    let mut per: BTreeMap<CweId, (usize, usize, usize)> = BTreeMap::new(); // (support, predicted, tp)
    let mut confusions: BTreeMap<(CweId, CweId), usize> = BTreeMap::new();
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    let (mut line_hits, mut line_total) = (0usize, 0usize);
    for item in items {
        let predicted = item.predicted_at(threshold);
        for id in item.truth.union(&predicted) {
            let e = per.entry(*id).or_default();
            let (in_truth, in_pred) = (item.truth.contains(id), predicted.contains(id));
            e.0 += usize::from(in_truth);
            e.1 += usize::from(in_pred);
            e.2 += usize::from(in_truth && in_pred);
            match (in_truth, in_pred) {
                (true, true) => {
                    tp += 1;
                    if let Some(lines) = item.truth_lines.get(id).filter(|l| !l.is_empty()) {
                        line_total += 1;
                        let reported = &item.predicted[id].1;
                        line_hits += usize::from(reported.iter().any(|r| lines.iter().any(|l| r.abs_diff(*l) <= 1)));
                    }
                }
                (false, true) => fp += 1,
                (true, false) => fn_ += 1,
                (false, false) => {}
            }
        }
        for missed in item.truth.difference(&predicted) {
            for wrong in predicted.difference(&item.truth) {
                *confusions.entry((*missed, *wrong)).or_default() += 1;
            }
        }
    }
    let per_cwe: Vec<PerCwe> = per
        .iter()
        .map(|(id, &(support, predicted, tp))| PerCwe {
            cwe: id.to_string(),
            support,
            predicted,
            tp,
            prf: prf(tp, predicted - tp, support - tp),
        })
        .collect();
    let mean = |f: fn(&Prf) -> f64| {
        if per_cwe.is_empty() { 0.0 } else { per_cwe.iter().map(|p| f(&p.prf)).sum::<f64>() / per_cwe.len() as f64 }
    };
    let cwe_macro = Prf { precision: mean(|p| p.precision), recall: mean(|p| p.recall), f1: mean(|p| p.f1) };
    let mut confusions: Vec<Confusion> = confusions
        .into_iter()
        .map(|((t, p), count)| Confusion { truth: t.to_string(), predicted: p.to_string(), count })
        .collect();
    confusions.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.truth.cmp(&b.truth)));
    confusions.truncate(10);
    let (f1_ci, accuracy_ci) = bootstrap_intervals(items, threshold, bootstrap, seed);
    let (roc_auc, group_auc) = ranking(items);
    Metrics {
        schema: 1,
        items: items.len(),
        threshold,
        binary: bin,
        cwe_micro: prf(tp, fp, fn_),
        cwe_macro,
        per_cwe,
        confusions,
        line_hit_rate: (line_total > 0).then(|| line_hits as f64 / line_total as f64),
        f1_ci,
        accuracy_ci,
        calibration: calibration(items, 10),
        findings_per_kloc: findings_per_kloc(items, threshold),
        roc_auc,
        group_auc,
    }
}

/// Items by group; an item without one is a group of its own.
fn groups(items: &[Item]) -> BTreeMap<String, Vec<&Item>> {
    let mut groups: BTreeMap<String, Vec<&Item>> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let key = if item.group.is_empty() { format!("#{i}") } else { item.group.clone() };
        groups.entry(key).or_default().push(item);
    }
    groups
}

/// 95% percentile intervals of binary F1 and accuracy, resampling whole groups with replacement
/// (twins share a group: resampling single items would pretend they are independent).
fn bootstrap_intervals(items: &[Item], threshold: f32, rounds: usize, seed: u64) -> ((f64, f64), (f64, f64)) {
    let groups: Vec<Vec<&Item>> = groups(items).into_values().collect();
    if groups.is_empty() || rounds == 0 {
        return ((0.0, 0.0), (0.0, 0.0));
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let (mut f1s, mut accs) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for _ in 0..rounds {
        let sample: Vec<&Item> =
            (0..groups.len()).flat_map(|_| groups[rng.random_range(0..groups.len())].iter().copied()).collect();
        let b = binary(&sample, threshold);
        f1s.push(b.prf.f1);
        accs.push(b.accuracy);
    }
    (percentiles(&mut f1s), percentiles(&mut accs))
}

fn percentiles(values: &mut [f64]) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    (at(0.025), at(0.975))
}

/// Reliability of `p_vulnerable` against "has any labeled weakness", in `bins` equal-width bins.
pub fn calibration(items: &[Item], bins: usize) -> Calibration {
    let mut table = vec![(0usize, 0f64, 0f64); bins];
    for item in items {
        let p = item.p_vulnerable.clamp(0.0, 1.0) as f64;
        let b = ((p * bins as f64) as usize).min(bins - 1);
        table[b].0 += 1;
        table[b].1 += p;
        table[b].2 += f64::from(u8::from(!item.truth.is_empty()));
    }
    let n = items.len().max(1) as f64;
    let mut ece = 0.0;
    let bins_out = table
        .iter()
        .enumerate()
        .map(|(i, &(count, conf, hits))| {
            let (mean_conf, rate) = if count == 0 { (0.0, 0.0) } else { (conf / count as f64, hits / count as f64) };
            ece += count as f64 / n * (mean_conf - rate).abs();
            (i as f64 / bins as f64, (i + 1) as f64 / bins as f64, count, mean_conf, rate)
        })
        .collect();
    Calibration { bins: bins_out, ece }
}

/// How binary verdicts moved when every item was rewritten without changing its meaning (eval's
/// robustness probe): `after[i]` is `before[i]` rewritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Flips {
    pub items: usize,
    /// Verdicts that changed either way.
    pub flipped: usize,
    /// Vulnerable items flagged before and missed after (what a prompt injection wants).
    pub silenced: usize,
    /// Items not flagged before and flagged after.
    pub raised: usize,
}

pub fn flips(before: &[Item], after: &[Item], threshold: f32) -> Flips {
    assert_eq!(before.len(), after.len(), "one rewritten item per item");
    let mut out = Flips { items: before.len(), ..Flips::default() };
    for (b, a) in before.iter().zip(after) {
        let (was, now) = (!b.predicted_at(threshold).is_empty(), !a.predicted_at(threshold).is_empty());
        if was != now {
            out.flipped += 1;
        }
        if was && !now && !b.truth.is_empty() {
            out.silenced += 1;
        }
        if !was && now {
            out.raised += 1;
        }
    }
    out
}

/// The confidence threshold with the best binary F1 on `items` (ties: the higher threshold).
pub fn best_threshold(items: &[Item]) -> f32 {
    let mut candidates: Vec<f32> = items.iter().flat_map(|i| i.predicted.values().map(|(c, _)| *c)).collect();
    candidates.push(0.0);
    candidates.sort_by(f32::total_cmp);
    candidates.dedup();
    let refs: Vec<&Item> = items.iter().collect();
    let mut best = (f64::MIN, 0.0f32);
    for t in candidates {
        let f1 = binary(&refs, t).prf.f1;
        if f1 >= best.0 {
            best = (f1, t);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(group: &str, truth: &[u32], predicted: &[(u32, f32)]) -> Item {
        Item {
            group: group.into(),
            truth: truth.iter().map(|&c| CweId(c)).collect(),
            truth_lines: truth.iter().map(|&c| (CweId(c), vec![3])).collect(),
            predicted: predicted.iter().map(|&(c, p)| (CweId(c), (p, vec![4]))).collect(),
            p_vulnerable: predicted.iter().map(|p| p.1).fold(0.0, f32::max),
            lines: 10,
        }
    }

    #[test]
    fn findings_per_kloc_counts_reported_lines_at_the_threshold() {
        let mut a = item("a", &[], &[(89, 0.9), (78, 0.3)]);
        a.predicted.get_mut(&CweId(89)).unwrap().1 = vec![2, 7];
        let b = item("b", &[89], &[]);
        // 2 findings (CWE-89 on two lines) in 20 lines at 0.5; 3 at 0.2; none at 0.95.
        close(compute(&[a.clone(), b.clone()], 0.5, 0, 0).findings_per_kloc.unwrap(), 100.0);
        close(compute(&[a.clone(), b.clone()], 0.2, 0, 0).findings_per_kloc.unwrap(), 150.0);
        close(compute(&[a.clone(), b.clone()], 0.95, 0, 0).findings_per_kloc.unwrap(), 0.0);
        let unknown = Item { lines: 0, ..a };
        assert_eq!(compute(&[unknown], 0.5, 0, 0).findings_per_kloc, None);
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    /// Six items, worked by hand in the tests below (and checked with sklearn).
    fn golden() -> Vec<Item> {
        vec![
            item("a", &[89], &[(89, 0.9)]),
            item("b", &[78, 22], &[(22, 0.8)]),
            item("c", &[79], &[]),
            item("d", &[], &[(89, 0.7)]),
            item("e", &[], &[]),
            item("f", &[89], &[(89, 0.6), (77, 0.6)]),
        ]
    }

    #[test]
    fn binary_metrics_match_the_hand_worked_case() {
        let m = compute(&golden(), 0.5, 0, 0);
        let b = m.binary;
        // y_true = [1,1,1,0,0,1], y_pred = [1,1,0,1,0,1]: tp 3 (a,b,f), fp 1 (d), tn 1 (e), fn 1 (c).
        assert_eq!((b.tp, b.fp, b.tn, b.fn_), (3, 1, 1, 1));
        close(b.accuracy, 4.0 / 6.0);
        close(b.prf.precision, 0.75);
        close(b.prf.recall, 0.75);
        close(b.prf.f1, 0.75);
    }

    #[test]
    fn cwe_level_micro_macro_and_confusions_match_sklearn() {
        // Labels {22, 77, 78, 79, 89}; per label (tp, fp, fn):
        //   22: (1,0,0) F1 1;  77: (0,1,0) F1 0;  78: (0,0,1) F1 0;  79: (0,0,1) F1 0;
        //   89: (2,1,0) P 2/3 R 1 F1 0.8.
        // micro: tp 3, fp 2, fn 2 -> P 0.6, R 0.6, F1 0.6.
        // macro: P (1+0+0+0+2/3)/5, R (1+0+0+0+1)/5 = 0.4, F1 (1+0.8)/5 = 0.36.
        let m = compute(&golden(), 0.5, 0, 0);
        close(m.cwe_micro.precision, 0.6);
        close(m.cwe_micro.recall, 0.6);
        close(m.cwe_micro.f1, 0.6);
        close(m.cwe_macro.precision, (1.0 + 2.0 / 3.0) / 5.0);
        close(m.cwe_macro.recall, 0.4);
        close(m.cwe_macro.f1, 0.36);
        let p89 = m.per_cwe.iter().find(|p| p.cwe == "CWE-89").unwrap();
        assert_eq!((p89.support, p89.predicted, p89.tp), (2, 3, 2));
        assert_eq!(m.confusions, vec![]);
        // Lines: every true positive was reported one line off the label: all hits.
        assert_eq!(m.line_hit_rate, Some(1.0));
    }

    #[test]
    fn ranking_matches_sklearn_roc_auc_and_counts_twins_within_their_group() {
        // golden(): p_vulnerable a .9 b .8 c 0 d .7 e 0 f .6; y_true 1 1 1 0 0 1. Of the 8
        // (vulnerable, safe) pairs: a>d a>e b>d b>e c<d c=e f<d f>e -> 5.5 / 8 =
        // roc_auc_score([1,1,1,0,0,1], [.9,.8,0,.7,0,.6]) = 0.6875.
        let m = compute(&golden(), 0.5, 0, 0);
        close(m.roc_auc.unwrap(), 5.5 / 8.0);
        // Every group holds one item: no within-group pairs.
        assert_eq!(m.group_auc, None);
        // Two twin pairs: one ordered right, one wrong; across groups everything is ordered right
        // except the wrong pair itself.
        let mut items = vec![
            item("p", &[89], &[(89, 0.9)]),
            item("p", &[], &[(89, 0.2)]),
            item("q", &[78], &[(78, 0.4)]),
            item("q", &[], &[(78, 0.5)]),
        ];
        let m = compute(&items, 0.5, 0, 0);
        close(m.group_auc.unwrap(), 0.5);
        // roc_auc_score([1,0,1,0], [.9,.2,.4,.5]) = 0.75.
        close(m.roc_auc.unwrap(), 0.75);
        items.retain(|i| !i.truth.is_empty());
        assert_eq!(compute(&items, 0.5, 0, 0).roc_auc, None);
    }

    #[test]
    fn a_missed_cwe_reported_as_another_is_a_confusion() {
        let items =
            vec![item("a", &[78], &[(77, 0.9)]), item("b", &[78], &[(77, 0.8)]), item("c", &[89], &[(22, 0.9)])];
        let m = compute(&items, 0.5, 0, 0);
        assert_eq!(m.confusions[0], Confusion { truth: "CWE-78".into(), predicted: "CWE-77".into(), count: 2 });
        assert_eq!(m.confusions.len(), 2);
    }

    #[test]
    fn flips_count_verdicts_that_moved() {
        let before = vec![item("a", &[89], &[(89, 0.9)]), item("b", &[], &[]), item("c", &[78], &[(78, 0.3)])];
        let after = vec![item("a", &[89], &[]), item("b", &[], &[(22, 0.8)]), item("c", &[78], &[(78, 0.9)])];
        // At 0.5: a silenced, b raised, c raised (0.3 was below the threshold).
        assert_eq!(flips(&before, &after, 0.5), Flips { items: 3, flipped: 3, silenced: 1, raised: 2 });
        assert_eq!(flips(&before, &before, 0.5), Flips { items: 3, ..Flips::default() });
    }

    #[test]
    fn the_threshold_filters_findings_and_the_best_one_maximises_f1() {
        let m = compute(&golden(), 0.75, 0, 0);
        // Only a (0.9) and b (0.8) stay flagged: tp 2, fp 0, fn 2.
        assert_eq!((m.binary.tp, m.binary.fp, m.binary.fn_), (2, 0, 2));
        let t = best_threshold(&golden());
        let at_best = compute(&golden(), t, 0, 0).binary.prf.f1;
        for probe in [0.0, 0.55, 0.65, 0.75, 0.85, 0.95] {
            assert!(compute(&golden(), probe, 0, 0).binary.prf.f1 <= at_best + 1e-12);
        }
    }

    #[test]
    fn bootstrap_intervals_bracket_the_point_estimate_and_are_reproducible() {
        let items: Vec<Item> = (0..40)
            .map(|i| {
                if i % 4 == 0 {
                    item(&format!("g{}", i / 2), &[89], &[])
                } else {
                    item(&format!("g{}", i / 2), &[89], &[(89, 0.9)])
                }
            })
            .collect();
        let m = compute(&items, 0.5, 500, 7);
        assert!(m.f1_ci.0 <= m.binary.prf.f1 && m.binary.prf.f1 <= m.f1_ci.1, "{:?} {}", m.f1_ci, m.binary.prf.f1);
        assert!(m.f1_ci.0 < m.f1_ci.1);
        assert_eq!(compute(&items, 0.5, 500, 7).f1_ci, m.f1_ci);
    }

    #[test]
    fn calibration_of_a_perfectly_calibrated_detector_has_zero_error() {
        let mut items = Vec::new();
        for i in 0..10 {
            // Confidence 0.25, and one in four is vulnerable.
            let mut it = item("x", if i % 4 == 0 { &[89] } else { &[] }, &[]);
            it.p_vulnerable = 0.25;
            items.push(it);
        }
        items.truncate(8);
        let c = calibration(&items, 10);
        close(c.ece, 0.0);
        assert_eq!(c.bins[2].2, 8);
    }
}
