//! SARIF 2.1.0 as GitHub code scanning reads it: one rule per reportable catalog CWE (`id` exactly
//! `CWE-89`, with help text, tags `security` and `external/cwe/cwe-89`, and `security-severity`),
//! results with level, message, repository-relative location, `partialFingerprints` and the
//! confidence; the detector (model, adapter, prompt version) in the tool's properties.

use std::collections::BTreeMap;

use pycwe_core::cwe::reportable;
use serde_sarif::sarif;

use super::report::{ScanFinding, ToolInfo};

fn bag(tags: Option<Vec<String>>, props: Vec<(&str, serde_json::Value)>) -> sarif::PropertyBag {
    let additional: BTreeMap<String, serde_json::Value> = props.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    match tags {
        Some(tags) => sarif::PropertyBag::builder().tags(tags).additional_properties(additional).build(),
        None => sarif::PropertyBag::builder().additional_properties(additional).build(),
    }
}

fn text(s: impl Into<String>) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder().text(s.into()).build()
}

fn level(severity: f32) -> sarif::ResultLevel {
    if severity >= 7.0 { sarif::ResultLevel::Error } else { sarif::ResultLevel::Warning }
}

pub fn render(findings: &[ScanFinding], tool: &ToolInfo) -> serde_json::Value {
    let entries: Vec<_> = reportable().collect();
    let rules: Vec<sarif::ReportingDescriptor> = entries
        .iter()
        .map(|e| {
            let help = format!(
                "**{}** ({})\n\n{}\n\n**How to fix**\n\n{}\n\n[MITRE {}]({})",
                e.short_name,
                e.id,
                e.summary,
                e.remediation,
                e.id,
                e.mitre_url()
            );
            sarif::ReportingDescriptor::builder()
                .id(e.id.to_string())
                .name(e.short_name.replace(' ', "-"))
                .short_description(text(e.short_name))
                .full_description(text(e.name))
                .help(sarif::MultiformatMessageString::builder().text(e.summary.to_string()).markdown(help).build())
                .help_uri(e.mitre_url())
                .properties(bag(
                    Some(vec!["security".into(), format!("external/cwe/cwe-{}", e.id.0)]),
                    vec![("security-severity", serde_json::json!(format!("{:.1}", e.severity)))],
                ))
                .build()
        })
        .collect();
    let results: Vec<sarif::Result> = findings
        .iter()
        .map(|f| {
            let severity = entries.iter().find(|e| e.id == f.cwe).map_or(5.0, |e| e.severity);
            let rule_index = entries.iter().position(|e| e.id == f.cwe).map_or(-1, |i| i as i64);
            let location = sarif::Location::builder()
                .physical_location(
                    sarif::PhysicalLocation::builder()
                        .artifact_location(sarif::ArtifactLocation::builder().uri(f.path.clone()).build())
                        .region(
                            sarif::Region::builder()
                                .start_line(f.line as i64)
                                .start_column(f.column as i64)
                                .snippet(sarif::ArtifactContent::builder().text(f.snippet.clone()).build())
                                .build(),
                        )
                        .build(),
                )
                .build();
            sarif::Result::builder()
                .rule_id(f.cwe.to_string())
                .rule_index(rule_index)
                .level(level(severity))
                .message(
                    sarif::Message::builder().text(format!("{} (confidence {:.2})", f.message, f.confidence)).build(),
                )
                .locations(vec![location])
                .partial_fingerprints(BTreeMap::from([("pycwe/v1".to_string(), f.fingerprint.clone())]))
                .properties(bag(
                    None,
                    vec![("confidence", serde_json::json!(f.confidence)), ("unit", serde_json::json!(f.unit))],
                ))
                .build()
        })
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name("pycwe")
        .version(tool.version)
        .semantic_version(tool.version)
        .information_uri("https://cwe.mitre.org/top25/")
        .rules(rules)
        .properties(bag(None, vec![("detector", serde_json::json!(tool.detector))]))
        .build();
    let run = sarif::Run::builder().tool(sarif::Tool::builder().driver(driver).build()).results(results).build();
    let log =
        sarif::Sarif::builder().schema(sarif::SCHEMA_URL).version(serde_json::json!("2.1.0")).runs(vec![run]).build();
    serde_json::to_value(log).expect("SARIF types serialize")
}

#[cfg(test)]
mod tests {
    use pycwe_core::cwe::CweId;

    use super::*;

    pub(crate) fn sample() -> Vec<ScanFinding> {
        vec![
            ScanFinding {
                path: "app/db.py".into(),
                line: 12,
                column: 9,
                cwe: CweId(89),
                name: "SQL injection".into(),
                message: "SQL injection: query text built from input.".into(),
                confidence: 0.93,
                unit: "search".into(),
                snippet: "        cur.execute(f\"SELECT * FROM t WHERE a = '{a}'\")".into(),
                fingerprint: "0123456789abcdef0123456789abcdef".into(),
            },
            ScanFinding {
                path: "app/cli.py".into(),
                line: 3,
                column: 5,
                cwe: CweId(78),
                name: "OS command injection".into(),
                message: "OS command injection".into(),
                confidence: 0.61,
                unit: "run".into(),
                snippet: "    os.system(cmd)".into(),
                fingerprint: "fedcba9876543210fedcba9876543210".into(),
            },
        ]
    }

    fn tool() -> ToolInfo {
        ToolInfo { name: "pycwe", version: "0.1.0", detector: "smollm2-135m prompt-v1 abc".into() }
    }

    #[test]
    fn sarif_output_validates_against_the_official_schema() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/sarif-schema-2.1.0.json")).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let log = render(&sample(), &tool());
        let errors: Vec<String> = validator.iter_errors(&log).map(|e| format!("{e} at {}", e.instance_path)).collect();
        assert!(errors.is_empty(), "{errors:#?}");
        // What GitHub code scanning needs from each rule and result.
        let run = &log["runs"][0];
        let rule = run["tool"]["driver"]["rules"].as_array().unwrap().iter().find(|r| r["id"] == "CWE-89").unwrap();
        assert_eq!(rule["properties"]["tags"], serde_json::json!(["security", "external/cwe/cwe-89"]));
        assert!(rule["properties"]["security-severity"].as_str().unwrap().parse::<f32>().is_ok());
        assert!(rule["help"]["markdown"].as_str().unwrap().contains("How to fix"));
        let result = &run["results"][0];
        assert_eq!(result["ruleId"], "CWE-89");
        assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "app/db.py");
        assert_eq!(result["partialFingerprints"]["pycwe/v1"], "0123456789abcdef0123456789abcdef");
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][index]["id"], "CWE-89");
    }

    #[test]
    fn report_formats_snapshot() {
        let findings = sample();
        let summary =
            super::super::report::Summary { files: 2, units: 7, units_judged: 3, findings: 2, ..Default::default() };
        // As a file or a pipe gets it (the styles are stripped; a terminal keeps them).
        insta::assert_snapshot!("text", crate::output::plain(&super::super::report::text(&findings, &summary)));
        insta::assert_snapshot!("github", super::super::report::github(&findings));
        let mut log = render(&findings[..1], &tool());
        // The rule list is the catalog's; the snapshot keeps one rule to stay readable.
        let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array_mut().unwrap();
        rules.retain(|r| r["id"] == "CWE-89");
        insta::assert_json_snapshot!("sarif", log);
    }
}
