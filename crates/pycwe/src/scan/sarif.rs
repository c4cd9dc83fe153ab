//! SARIF 2.1.0 as GitHub code scanning reads it: one rule per reportable catalog CWE (`id` exactly
//! `CWE-89`, with help text, tags `security` and `external/cwe/cwe-89`, and `security-severity`),
//! results with level, message, location under the project root (`%SRCROOT%`), `partialFingerprints`
//! and the confidence; the detector (model, adapter, prompt version) in the tool's properties; and
//! an invocation that says whether every file was scanned, with the files that were not.

use std::collections::BTreeMap;
use std::path::Path;

use pycwe_core::cwe::reportable;
use serde_sarif::sarif;

use super::paths::{Namer, absolute, canonical, folder_uri, uri_path};
use super::report::{Problem, ScanFinding, ToolInfo, is_error_level};

/// GitHub's documentation points here; the schema is the same as the OASIS copy the tests hold.
const SCHEMA_URL: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

/// How the scan went: where it was rooted and what it could not do.
#[derive(Debug)]
pub struct Invocation<'a> {
    pub namer: &'a Namer,
    pub warnings: &'a [Problem],
    pub errors: &'a [Problem],
}

/// A file's location: under the project root as `%SRCROOT%`-relative, else an absolute `file://` URI.
/// `relative`: the path under the root, as the caller names it (a finding's file, or a
/// problem's entry), or `None` outside the root.
fn artifact(namer: &Namer, path: &str, relative: Option<String>) -> sarif::ArtifactLocation {
    match relative {
        Some(relative) => sarif::ArtifactLocation::builder().uri(uri_path(&relative)).uri_base_id(SRCROOT).build(),
        None => {
            let abs = canonical(&absolute(Path::new(path), namer.cwd()));
            let uri = folder_uri(&abs);
            sarif::ArtifactLocation::builder().uri(uri.trim_end_matches('/').to_string()).build()
        }
    }
}

fn notification(namer: &Namer, problem: &Problem, level: &str) -> sarif::Notification {
    let message = if problem.path.is_empty() {
        problem.message.clone()
    } else {
        // Named as the location's uri names it: from the project root, wherever the scan ran.
        let path = namer.entry_under_root(Path::new(&problem.path)).unwrap_or_else(|| problem.path.clone());
        format!("{path}: {}", problem.message)
    };
    let builder = sarif::Notification::builder().message(sarif::Message::builder().text(message).build());
    let builder = builder.level(serde_json::json!(level));
    if problem.path.is_empty() {
        return builder.build();
    }
    let location = sarif::Location::builder()
        .physical_location(
            sarif::PhysicalLocation::builder()
                .artifact_location(artifact(namer, &problem.path, namer.entry_under_root(Path::new(&problem.path))))
                .build(),
        )
        .build();
    builder.locations(vec![location]).build()
}

fn bag(tags: Option<Vec<String>>, props: Vec<(&str, serde_json::Value)>) -> sarif::PropertyBag {
    let additional: BTreeMap<String, serde_json::Value> = props.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    match tags {
        Some(tags) => sarif::PropertyBag::builder().tags(tags).additional_properties(additional).build(),
        None => sarif::PropertyBag::builder().additional_properties(additional).build(),
    }
}

/// An identifier-like rule name, as SARIF recommends (§3.49.7): `Cross-site scripting (XSS)` ->
/// `CrossSiteScriptingXss`.
fn rule_name(short_name: &str) -> String {
    short_name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase()).into_iter();
            first.chain(chars.map(|c| c.to_ascii_lowercase())).collect::<String>()
        })
        .collect()
}

fn text(s: impl Into<String>) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder().text(s.into()).build()
}

pub fn render(findings: &[ScanFinding], tool: &ToolInfo, invocation: &Invocation) -> serde_json::Value {
    let namer = invocation.namer;
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
                .name(rule_name(e.short_name))
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
            let rule_index = entries.iter().position(|e| e.id == f.cwe).map_or(-1, |i| i as i64);
            let location = sarif::Location::builder()
                .physical_location(
                    sarif::PhysicalLocation::builder()
                        .artifact_location(artifact(namer, &f.path, namer.under_root(Path::new(&f.path))))
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
                .level(if is_error_level(f.cwe) { sarif::ResultLevel::Error } else { sarif::ResultLevel::Warning })
                .message(
                    sarif::Message::builder().text(format!("{} (confidence {:.2})", f.message, f.confidence)).build(),
                )
                .locations(vec![location])
                .partial_fingerprints(BTreeMap::from([("pycwe/v1".to_string(), f.fingerprint.clone())]))
                .properties(bag(
                    None,
                    // Through its shortest f32 text: 0.94, not 0.9399999976158142.
                    vec![
                        ("confidence", serde_json::json!(f.confidence.to_string().parse::<f64>().unwrap_or(0.0))),
                        ("unit", serde_json::json!(f.unit)),
                    ],
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
    let notifications: Vec<sarif::Notification> = (invocation.errors.iter().map(|p| notification(namer, p, "error")))
        .chain(invocation.warnings.iter().map(|p| notification(namer, p, "warning")))
        .collect();
    let invocation = sarif::Invocation::builder()
        .execution_successful(invocation.errors.is_empty())
        .tool_execution_notifications(notifications)
        .build();
    let root = sarif::ArtifactLocation::builder().uri(folder_uri(namer.root())).build();
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .original_uri_base_ids(BTreeMap::from([(SRCROOT.to_string(), root)]))
        // Columns count characters, as the text report's do (SARIF's default is UTF-16 units).
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .invocations(vec![invocation])
        .results(results)
        .build();
    let log = sarif::Sarif::builder().schema(SCHEMA_URL).version(serde_json::json!("2.1.0")).runs(vec![run]).build();
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

    fn clean_run(namer: &Namer) -> Invocation<'_> {
        Invocation { namer, warnings: &[], errors: &[] }
    }

    #[test]
    fn sarif_output_validates_against_the_official_schema() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/sarif-schema-2.1.0.json")).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let namer = Namer::at(Path::new("/repo"));
        let mut findings = sample();
        findings[1].path = "odd dir/we:ird%.py".into();
        let errors = [Problem { path: "blob.py".into(), message: "looks like a binary file".into() }];
        let warnings = [Problem { path: "broken.py".into(), message: "1 syntax error".into() }];
        let log = render(&findings, &tool(), &Invocation { namer: &namer, warnings: &warnings, errors: &errors });
        let errors: Vec<String> = validator.iter_errors(&log).map(|e| format!("{e} at {}", e.instance_path)).collect();
        assert!(errors.is_empty(), "{errors:#?}");
        // What GitHub code scanning needs from each rule and result.
        let run = &log["runs"][0];
        let rule = run["tool"]["driver"]["rules"].as_array().unwrap().iter().find(|r| r["id"] == "CWE-89").unwrap();
        assert_eq!(rule["properties"]["tags"], serde_json::json!(["security", "external/cwe/cwe-89"]));
        assert_eq!(rule["name"], "SqlInjection");
        assert_eq!(rule_name("Cross-site scripting (XSS)"), "CrossSiteScriptingXss");
        assert!(rule["properties"]["security-severity"].as_str().unwrap().parse::<f32>().is_ok());
        assert!(rule["help"]["markdown"].as_str().unwrap().contains("How to fix"));
        let result = &run["results"][0];
        assert_eq!(result["ruleId"], "CWE-89");
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uri"], "app/db.py");
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
        assert_eq!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///repo/");
        assert_eq!(
            run["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "odd%20dir/we%3Aird%25.py"
        );
        assert_eq!(result["properties"]["confidence"], serde_json::json!(0.93));
        // A scan that could not read a file says so: GitHub shows the run as failed, with the file.
        let invocation = &run["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[0]["level"], "error");
        assert_eq!(notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "blob.py");
        assert_eq!(notes[1]["level"], "warning");
        assert_eq!(result["partialFingerprints"]["pycwe/v1"], "0123456789abcdef0123456789abcdef");
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][index]["id"], "CWE-89");
    }

    #[test]
    fn a_file_outside_the_project_root_gets_an_absolute_file_uri() {
        let namer = Namer::at(Path::new("/repo"));
        let mut findings = sample();
        findings[0].path = "/elsewhere/x.py".into();
        let log = render(&findings[..1], &tool(), &clean_run(&namer));
        let artifact = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uri"], "file:///elsewhere/x.py");
        assert!(artifact.get("uriBaseId").is_none());
        assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], true);
    }

    #[test]
    fn report_formats_snapshot() {
        let findings = sample();
        let summary =
            super::super::report::Summary { files: 2, units: 7, units_judged: 3, findings: 2, ..Default::default() };
        // As a file or a pipe gets it (the styles are stripped; a terminal keeps them).
        insta::assert_snapshot!("text", crate::output::plain(&super::super::report::text(&findings, &summary)));
        let errors =
            [super::super::report::Problem { path: "blob.py".into(), message: "looks like a binary file".into() }];
        insta::assert_snapshot!(
            "github",
            super::super::report::github(&findings, &[], &errors, str::to_string, str::to_string)
        );
        let namer = Namer::at(Path::new("/repo"));
        let mut log = render(&findings[..1], &tool(), &clean_run(&namer));
        // The rule list is the catalog's; the snapshot keeps one rule to stay readable.
        let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array_mut().unwrap();
        rules.retain(|r| r["id"] == "CWE-89");
        insta::assert_json_snapshot!("sarif", log);
    }
}
