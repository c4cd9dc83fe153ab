//! Splits that keep twins together: the paper's random protocol, and a family split that holds
//! out whole variant groups so test code shapes never appear in training.

use std::collections::{BTreeMap, HashMap};

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::record::Record;

/// Share of all records in the test split (the paper: 100 of 500).
pub const TEST_SHARE: f64 = 0.2;
/// Share of the remaining records carved out for validation (500 -> 40).
pub const VALID_SHARE: f64 = 0.1;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Split {
    pub train: Vec<Record>,
    pub valid: Vec<Record>,
    pub test: Vec<Record>,
}

impl Split {
    pub fn parts(&self) -> [(&'static str, &[Record]); 3] {
        [("train", &self.train), ("valid", &self.valid), ("test", &self.test)]
    }
}

/// Groups record indices so that twins share a group (records without a twin are alone).
fn twin_units(records: &[Record]) -> Vec<Vec<usize>> {
    let by_id: HashMap<&str, usize> = records.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
    let mut seen = vec![false; records.len()];
    let mut units = Vec::new();
    for (i, r) in records.iter().enumerate() {
        if seen[i] {
            continue;
        }
        seen[i] = true;
        let mut unit = vec![i];
        if let Some(&j) = r.twin.as_deref().and_then(|t| by_id.get(t))
            && !seen[j]
        {
            seen[j] = true;
            unit.push(j);
        }
        units.push(unit);
    }
    units
}

fn collect(records: &[Record], units: &[Vec<usize>]) -> Vec<Record> {
    units.iter().flatten().map(|&i| records[i].clone()).collect()
}

/// The paper's protocol: a random 20% test split, 10% of the rest for validation; twins together.
pub fn random_split(records: &[Record], seed: u64) -> Split {
    let mut units = twin_units(records);
    units.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let test_target = (records.len() as f64 * TEST_SHARE).round() as usize;
    let valid_target = ((records.len() - test_target) as f64 * VALID_SHARE).round() as usize;
    let (mut test, mut valid, mut train) = (Vec::new(), Vec::new(), Vec::new());
    let (mut n_test, mut n_valid) = (0, 0);
    for unit in units {
        if n_test < test_target {
            n_test += unit.len();
            test.push(unit);
        } else if n_valid < valid_target {
            n_valid += unit.len();
            valid.push(unit);
        } else {
            train.push(unit);
        }
    }
    Split { train: collect(records, &train), valid: collect(records, &valid), test: collect(records, &test) }
}

/// The group a record's family belongs to: `recipe/variant` (the flow is dropped, so one sink's
/// flows never straddle train and test). Records without a family are their own group.
pub fn family_group(record: &Record) -> String {
    match record.family.rsplit_once('/') {
        Some((group, _)) => group.to_string(),
        None if !record.family.is_empty() => record.family.clone(),
        None => format!("id:{}", record.id),
    }
}

/// Holds out whole family groups, stratified by recipe: each recipe's groups go to test while that
/// brings its test share closer to 20% (never all of its groups); then, across recipes, remaining
/// groups go to validation while that brings it closer to 10% of what is left.
pub fn family_split(records: &[Record], seed: u64) -> Split {
    let units = twin_units(records);
    // recipe -> group -> units
    let mut recipes: BTreeMap<String, BTreeMap<String, Vec<usize>>> = BTreeMap::new();
    for (u, unit) in units.iter().enumerate() {
        let group = family_group(&records[unit[0]]);
        let recipe = group.split('/').next().unwrap_or_default().to_string();
        recipes.entry(recipe).or_default().entry(group).or_default().push(u);
    }
    let size = |g: &[usize]| g.iter().map(|&u| units[u].len()).sum::<usize>();
    let closer =
        |have: usize, add: usize, target: f64| (((have + add) as f64) - target).abs() < ((have as f64) - target).abs();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut test: Vec<usize> = Vec::new();
    // (recipe index, group units) left after the test split
    let mut rest: Vec<(usize, Vec<usize>)> = Vec::new();
    for (r, groups) in recipes.values().enumerate() {
        let mut groups: Vec<&Vec<usize>> = groups.values().collect();
        groups.shuffle(&mut rng);
        let total: usize = groups.iter().map(|g| size(g)).sum();
        let target = total as f64 * TEST_SHARE;
        let mut n_test = 0;
        for (i, g) in groups.iter().enumerate() {
            let keeps_some = i + 1 < groups.len() || !rest.iter().all(|(rr, _)| *rr != r);
            if keeps_some && closer(n_test, size(g), target) {
                n_test += size(g);
                test.extend(g.iter().copied());
            } else {
                rest.push((r, g.to_vec()));
            }
        }
    }
    rest.shuffle(&mut rng);
    let target = rest.iter().map(|(_, g)| size(g)).sum::<usize>() as f64 * VALID_SHARE;
    let mut left_per_recipe: HashMap<usize, usize> = HashMap::new();
    for (r, _) in &rest {
        *left_per_recipe.entry(*r).or_default() += 1;
    }
    let (mut valid, mut train) = (Vec::new(), Vec::new());
    let mut n_valid = 0;
    for (r, g) in rest {
        let left = left_per_recipe.get_mut(&r).expect("counted");
        if *left > 1 && closer(n_valid, size(&g), target) {
            *left -= 1;
            n_valid += size(&g);
            valid.extend(g);
        } else {
            train.extend(g);
        }
    }
    let pick = |us: &[usize]| us.iter().map(|&u| units[u].clone()).collect::<Vec<_>>();
    Split {
        train: collect(records, &pick(&train)),
        valid: collect(records, &pick(&valid)),
        test: collect(records, &pick(&test)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(n: usize, families: usize) -> Vec<Record> {
        (0..n)
            .flat_map(|i| {
                let family = format!("r{}/s{}/flow{}", i % 3, i % families, i % 2);
                let mk = |side: &str, twin: &str, cwes: Vec<String>| Record {
                    id: format!("p{i}-{side}"),
                    code: format!("x = {i}\n"),
                    cwes,
                    lines: Default::default(),
                    explanation: String::new(),
                    family: family.clone(),
                    twin: Some(format!("p{i}-{twin}")),
                    origin: None,
                    review: None,
                };
                [mk("v", "f", vec!["CWE-89".into()]), mk("f", "v", vec![])]
            })
            .collect()
    }

    fn side_of(split: &Split, id: &str) -> &'static str {
        split.parts().iter().find(|(_, rs)| rs.iter().any(|r| r.id == id)).map(|(n, _)| *n).unwrap()
    }

    #[test]
    fn random_split_follows_the_paper_and_keeps_twins_together() {
        let records = pairs(250, 10);
        let split = random_split(&records, 1);
        assert_eq!((split.train.len(), split.valid.len(), split.test.len()), (360, 40, 100));
        for r in &records {
            assert_eq!(side_of(&split, &r.id), side_of(&split, r.twin.as_deref().unwrap()));
        }
    }

    #[test]
    fn family_split_never_shares_a_group_between_train_and_test() {
        let records = pairs(300, 12);
        let split = family_split(&records, 2);
        let groups = |rs: &[Record]| rs.iter().map(family_group).collect::<std::collections::HashSet<_>>();
        assert!(groups(&split.train).is_disjoint(&groups(&split.test)));
        assert!(groups(&split.train).is_disjoint(&groups(&split.valid)));
        let share = split.test.len() as f64 / records.len() as f64;
        assert!((0.1..=0.35).contains(&share), "test share {share}");
        assert_eq!(split.train.len() + split.valid.len() + split.test.len(), records.len());
    }
}
