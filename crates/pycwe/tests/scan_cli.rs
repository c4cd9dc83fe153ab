//! `pycwe scan` end to end on small trees: bad files are reported and the scan goes on, exit codes,
//! atomic output files, and the result cache (a second scan judges nothing and loads no model).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

mod support;
use support::ensure_model;

fn pycwe(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pycwe")).args(args).current_dir(cwd).output().expect("the pycwe binary runs")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn bad_files_are_reported_by_name_and_the_scan_goes_on() {
    ensure_model();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.py"), "def add(a, b):\n    return a + b\n").unwrap();
    std::fs::write(dir.path().join("blob.py"), b"\x00\x01binary\x00").unwrap();
    std::fs::write(dir.path().join("broken.py"), "def f(:\n    pass\n\ndef g(x):\n    return x * 2\n").unwrap();
    // Valid grammar nested past any stack's depth (a recursive pass once overflowed on it).
    let deep = format!("x = {}\n", vec!["\"a\""; 40_000].join(" + "));
    std::fs::write(dir.path().join("deep.py"), deep).unwrap();
    let out = pycwe(&["scan", "--base", "--no-cache", "--output-format", "json", "."], dir.path());
    assert_eq!(out.status.code(), Some(2), "an unreadable file is an error: {}", String::from_utf8_lossy(&out.stderr));
    let report = json(&out);
    assert_eq!(report["version"], 1);
    assert_eq!(report["summary"]["files"], 3, "ok.py, broken.py and deep.py were scanned");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["path"], "blob.py");
    assert_eq!(report["warnings"][0]["path"], "broken.py");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error: blob.py:"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn clean_code_exits_zero_and_the_output_file_is_written_whole() {
    ensure_model();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.py"), "def add(a, b):\n    return a + b\n").unwrap();
    let out =
        pycwe(&["scan", "--base", "--no-cache", "--output-format", "sarif", "-o", "out.sarif", "ok.py"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
    // A report or baseline path that is a folder is refused before the model runs.
    std::fs::create_dir(dir.path().join("reports")).unwrap();
    for flag in ["-o", "--write-baseline"] {
        let out = pycwe(&["scan", "--base", "--no-cache", flag, "reports", "ok.py"], dir.path());
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("reports: is a directory") && !stderr.contains("loading"), "{stderr}");
    }
    std::fs::remove_dir(dir.path().join("reports")).unwrap();
    // So is one that cannot be written, named by the part that is wrong.
    for (target, problem) in [("newdir/", "ends in a slash"), ("ok.py/r.json", "ok.py is not a folder")] {
        let out = pycwe(&["scan", "--base", "--no-cache", "-o", target, "ok.py"], dir.path());
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("--output {target}: {problem}")) && !stderr.contains("loading"), "{stderr}");
    }
    let same =
        pycwe(&["scan", "--base", "--no-cache", "-o", "b.json", "--write-baseline", "./b.json", "ok.py"], dir.path());
    assert_eq!(same.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&same.stderr).contains("both name b.json"), "{same:?}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n != "ok.py" && n != "out.sarif")
        .collect();
    assert!(leftovers.is_empty(), "no temp files left: {leftovers:?}");
}

#[test]
fn a_second_scan_is_served_from_the_cache_without_loading_the_model() {
    ensure_model();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("run.py"), "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n").unwrap();
    let args = ["scan", "--base", "--exit-zero", "--output-format", "json", "run.py"];
    let first = pycwe(&args, dir.path());
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let first_report = json(&first);
    assert!(first_report["summary"]["units_judged"].as_u64().unwrap() >= 1);
    assert!(dir.path().join(".pycwe_cache").join("CACHEDIR.TAG").is_file());
    let second = pycwe(&args, dir.path());
    let second_report = json(&second);
    assert_eq!(second_report["summary"]["units_judged"], 0);
    assert_eq!(second_report["summary"]["cache_hits"], first_report["summary"]["units_judged"]);
    assert_eq!(second_report["findings"], first_report["findings"]);
    assert!(!String::from_utf8_lossy(&second.stderr).contains("loading"), "the model was loaded");
}

#[test]
fn a_dry_run_counts_what_the_model_would_judge_without_loading_it_or_touching_the_cache() {
    ensure_model();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("run.py"), "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n").unwrap();
    std::fs::write(dir.path().join("add.py"), "def add(a, b):\n    return a + b\n").unwrap();
    let dry = pycwe(&["scan", "--dry-run", "."], dir.path());
    assert_eq!(dry.status.code(), Some(0), "{}", String::from_utf8_lossy(&dry.stderr));
    let text = String::from_utf8_lossy(&dry.stdout);
    // Units: run.py's imports (module code), run() and add().
    assert!(text.starts_with("2 files, 7 lines, 3 units\n"), "{text}");
    assert!(text.contains("kept back by the prefilter: 1\n"), "add() touches no source or sink: {text}");
    assert!(text.contains("to judge: 2 units, "), "{text}");
    let tokens: usize = text.split("units, ").nth(1).and_then(|t| t.split(' ').next()).unwrap().parse().unwrap();
    assert!((20..300).contains(&tokens), "two short prompts are tens of tokens: {text}");
    assert!(!String::from_utf8_lossy(&dry.stderr).contains("loading"), "the model was loaded");
    assert!(!dir.path().join(".pycwe_cache").exists(), "a dry run writes no cache");
    let as_json = json(&pycwe(&["scan", "--dry-run", "--output-format", "json", "."], dir.path()));
    assert_eq!((as_json["files"].as_u64(), as_json["units"].as_u64()), (Some(2), Some(3)), "{as_json}");
    assert_eq!(as_json["tokens"].as_u64(), Some(tokens as u64));
    assert_eq!(pycwe(&["scan", "--dry-run", "--output-format", "sarif", "."], dir.path()).status.code(), Some(2));
    std::fs::write(dir.path().join("broken.py"), "def f(:\n    pass\n").unwrap();
    let dry = pycwe(&["scan", "--dry-run", "broken.py"], dir.path());
    assert!(String::from_utf8_lossy(&dry.stderr).contains("warning: broken.py: 1 syntax error"), "{dry:?}");
    std::fs::remove_file(dir.path().join("broken.py")).unwrap();
    // A virtual environment is skipped by default, and scanned on request.
    std::fs::create_dir_all(dir.path().join(".venv")).unwrap();
    std::fs::write(dir.path().join(".venv/vendored.py"), "x = 1\n").unwrap();
    let files = |extra: &[&str]| {
        let mut args = vec!["scan", "--dry-run", "--output-format", "json"];
        args.extend_from_slice(extra);
        json(&pycwe(&args, dir.path()))["files"].as_u64()
    };
    assert_eq!((files(&["."]), files(&["--no-default-excludes", "."])), (Some(2), Some(3)));
    std::fs::remove_dir_all(dir.path().join(".venv")).unwrap();
    // A folder the configuration excludes is never entered: nothing in it is read, not even a
    // broken configuration of its own.
    std::fs::create_dir_all(dir.path().join("vendor/lib")).unwrap();
    std::fs::write(dir.path().join("vendor/lib/pycwe.toml"), "selct = []\n").unwrap();
    std::fs::write(dir.path().join("vendor/lib/v.py"), "x = 1\n").unwrap();
    std::fs::write(dir.path().join("pycwe.toml"), "exclude = [\"vendor\"]\n").unwrap();
    let dry = pycwe(&["scan", "--dry-run", "--output-format", "json", "."], dir.path());
    assert_eq!(dry.status.code(), Some(0), "{}", String::from_utf8_lossy(&dry.stderr));
    assert_eq!(json(&dry)["files"].as_u64(), Some(2));
    std::fs::remove_dir_all(dir.path().join("vendor")).unwrap();
    std::fs::remove_file(dir.path().join("pycwe.toml")).unwrap();

    // After a real scan, the dry run sees every unit answered from the cache.
    let real = pycwe(&["scan", "--exit-zero", "--output-format", "json", "."], dir.path());
    assert!(real.status.success(), "{}", String::from_utf8_lossy(&real.stderr));
    let again = String::from_utf8_lossy(&pycwe(&["scan", "--dry-run", "."], dir.path()).stdout).to_string();
    assert!(again.contains("answered from the cache: 2\n") && again.contains("to judge: 0 units, 0 prompt"), "{again}");
}

#[test]
fn diff_scans_only_units_changed_since_a_revision() {
    ensure_model();
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let two_functions = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n";
    std::fs::write(dir.path().join("a.py"), two_functions).unwrap();
    std::fs::write(dir.path().join("b.py"), two_functions).unwrap();
    // Git quotes these in a diff's headers (a space: a trailing tab; non-ASCII: octal escapes).
    std::fs::create_dir(dir.path().join("dir é")).unwrap();
    for odd in ["sp ace.py", "dir é/ü.py"] {
        std::fs::write(dir.path().join(odd), two_functions).unwrap();
    }
    // A Latin-1 name, not UTF-8: any bytes name a file on Unix.
    #[cfg(unix)]
    let latin1 = Some(dir.path().join(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"caf\xe9.py")));
    #[cfg(not(unix))]
    let latin1: Option<std::path::PathBuf> = None;
    if let Some(name) = &latin1 {
        std::fs::write(name, two_functions).unwrap();
    }
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "start"]);
    // One function of a.py changes, b.py does not, c.py is new (untracked).
    std::fs::write(dir.path().join("a.py"), two_functions.replace("a - b", "b - a")).unwrap();
    std::fs::write(dir.path().join("c.py"), "def mul(a, b):\n    return a * b\n").unwrap();
    for odd in ["sp ace.py", "dir é/ü.py"] {
        std::fs::write(dir.path().join(odd), two_functions.replace("a - b", "b - a")).unwrap();
    }
    if let Some(name) = &latin1 {
        std::fs::write(name, two_functions.replace("a - b", "b - a")).unwrap();
    }
    let odd = u64::from(latin1.is_some());
    std::fs::write(dir.path().join("new é.py"), "def mul(a, b):\n    return a * b\n").unwrap();
    let out = pycwe(
        &["scan", "--base", "--no-cache", "--no-prefilter", "--diff", "HEAD", "--output-format", "json", "."],
        dir.path(),
    );
    assert!(out.status.code() != Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = &json(&out)["summary"];
    assert_eq!(summary["files"], 5 + odd, "a.py, c.py, sp ace.py, dir é/ü.py, new é.py (and caf\\xe9.py): {summary}");
    assert_eq!(summary["units"], 5 + odd, "sub in each edited file, mul in the two new ones: {summary}");

    let bad = pycwe(&["scan", "--base", "--diff", "no-such-rev", "."], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no-such-rev"));
}

#[test]
fn unused_suppressions_are_reported_on_request() {
    ensure_model();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.py"), "def add(a, b):\n    return a + b  # pycwe: ignore[CWE-89]\n").unwrap();
    let out =
        pycwe(&["scan", "--no-cache", "--report-unused-suppressions", "--output-format", "json", "ok.py"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&out);
    assert_eq!(report["warnings"][0]["path"], "ok.py");
    assert!(report["warnings"][0]["message"].as_str().unwrap().starts_with("line 2: unused suppression"));
    let quiet = pycwe(&["scan", "--no-cache", "--output-format", "json", "ok.py"], dir.path());
    assert_eq!(json(&quiet)["warnings"], serde_json::json!([]), "only on request");
}

#[test]
fn a_rescan_after_editing_one_file_judges_only_that_file_and_keeps_every_warning() {
    ensure_model();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("run.py"), "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n").unwrap();
    let load = "import pickle\n\n\ndef load(blob):\n    return pickle.loads(blob)\n\n\ndef broken(:\n    pass\n";
    std::fs::write(dir.path().join("load.py"), load).unwrap();
    let args = ["scan", "--base", "--exit-zero", "--output-format", "json", "."];
    let first = json(&pycwe(&args, dir.path()));
    let judged = first["summary"]["units_judged"].as_u64().unwrap();
    assert!(judged >= 2, "{first}");

    // A new line in load.py: that file is read again and its changed unit judged; run.py is
    // answered whole from the file cache, its findings unchanged.
    std::fs::write(
        dir.path().join("load.py"),
        load.replace("    return pickle", "    blob = bytes(blob)\n    return pickle"),
    )
    .unwrap();
    let out = pycwe(&args, dir.path());
    let second = json(&out);
    assert_eq!(second["summary"]["units_judged"], 1, "{second}");
    assert_eq!(second["summary"]["cache_hits"].as_u64().unwrap(), judged - 1);
    assert_eq!(second["summary"]["units"], first["summary"]["units"]);
    let in_run = |report: &serde_json::Value| -> Vec<serde_json::Value> {
        report["findings"].as_array().unwrap().iter().filter(|f| f["path"] == "run.py").cloned().collect()
    };
    assert_eq!(in_run(&second), in_run(&first));
    assert!(second["warnings"].to_string().contains("syntax error"), "{second}");

    // Nothing changed: no file is parsed again, and the answer is the same, warnings included.
    let third = json(&pycwe(&args, dir.path()));
    assert_eq!(third["summary"]["units_judged"], 0);
    assert_eq!(third["findings"], second["findings"]);
    assert_eq!(third["warnings"], second["warnings"]);
}

#[test]
fn a_baseline_hides_known_findings_even_after_lines_move_and_shows_new_ones() {
    ensure_model();
    let dir = tempfile::tempdir().unwrap();
    let run = "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n";
    std::fs::write(dir.path().join("run.py"), run).unwrap();
    // At confidence 0 every judged unit reports its likeliest finding, whatever the model's calibration.
    let first =
        pycwe(&["scan", "--base", "--min-confidence", "0", "--write-baseline", "baseline.json", "run.py"], dir.path());
    // Recording a baseline is the job: exit 0, though it holds findings.
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stderr).contains("wrote a baseline of "));
    let args =
        ["scan", "--base", "--min-confidence", "0", "--baseline", "baseline.json", "--output-format", "json", "."];

    // Blank lines above move every finding down; the fingerprints do not move.
    std::fs::write(dir.path().join("run.py"), format!("\n\n\n{run}")).unwrap();
    let moved = pycwe(&args, dir.path());
    assert_eq!(moved.status.code(), Some(0), "{}", String::from_utf8_lossy(&moved.stdout));
    let moved = json(&moved);
    assert!(moved["summary"]["baselined"].as_u64().unwrap() >= 1, "{moved}");
    assert_eq!(moved["findings"], serde_json::json!([]));

    // The same function in a new file is a new finding.
    std::fs::write(dir.path().join("other.py"), run).unwrap();
    let added = json(&pycwe(&args, dir.path()));
    let paths: Vec<&str> = added["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(!paths.is_empty() && paths.iter().all(|p| *p == "other.py"), "{added}");

    std::fs::write(dir.path().join("old.json"), r#"{"version": 1, "fingerprints": {}}"#).unwrap();
    let old = pycwe(&["scan", "--base", "--baseline", "old.json", "run.py"], dir.path());
    assert_eq!(old.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&old.stderr).contains("--write-baseline"));
}

#[test]
fn reports_name_files_the_same_from_any_directory_and_a_closed_pipe_keeps_the_exit_code() {
    ensure_model();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // A project root (only `.git` is looked for) with the code one folder down.
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    std::fs::write(root.join("pkg/run.py"), "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n").unwrap();
    let cache = root.join("cache");
    let cache = cache.to_str().unwrap();
    // At confidence 0 every judged unit reports its likeliest finding, whatever the model's calibration.
    let scan = |extra: &[&str], cwd: &Path| {
        let mut args = vec!["scan", "--base", "--min-confidence", "0", "--cache-dir", cache];
        args.extend_from_slice(extra);
        pycwe(&args, cwd)
    };
    let first = scan(&["--write-baseline", "base.json", "--output-format", "json", "."], root);
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    let found = json(&first)["findings"].as_array().unwrap().len();
    assert!(found >= 1);

    // A baseline written at the root still matches a scan run from the subfolder.
    let from_pkg = scan(&["--baseline", "../base.json", "--output-format", "json", "."], &root.join("pkg"));
    assert_eq!(from_pkg.status.code(), Some(0), "{}", String::from_utf8_lossy(&from_pkg.stdout));
    assert_eq!(json(&from_pkg)["summary"]["baselined"], found);

    // Two spellings of one folder scan it once; SARIF names files from the project root.
    let twice = scan(&["--output-format", "sarif", "pkg", ".//pkg/"], root);
    let sarif: serde_json::Value = serde_json::from_slice(&twice.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), found, "{sarif}");
    let artifact = &results[0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(artifact["uri"], "pkg/run.py");
    assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
    let from_pkg = scan(&["--output-format", "sarif", "."], &root.join("pkg"));
    let sarif: serde_json::Value = serde_json::from_slice(&from_pkg.stdout).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "pkg/run.py"
    );

    // GitHub annotations too: the pull request shows files from the repository's root.
    let github = scan(&["--output-format", "github", "."], &root.join("pkg"));
    let github = String::from_utf8_lossy(&github.stdout);
    assert!(github.contains(",file=pkg/run.py,"), "{github}");

    // A reader that closes the pipe early (`| head`) does not turn findings into exit 0. The SARIF
    // report (every catalog rule) is larger than a pipe's buffer, so the write meets the closed end.
    let mut child = Command::new(env!("CARGO_BIN_EXE_pycwe"))
        .args(["scan", "--base", "--min-confidence", "0", "--cache-dir", cache, "--output-format", "sarif", "."])
        .current_dir(root)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    assert_eq!(child.wait().unwrap().code(), Some(1));
    // Nor does a closed stderr (`2>&1 | head`): its warnings and summary are dropped, not a panic.
    std::fs::write(root.join("pkg/broken.py"), "def f(:\n    pass\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pycwe"))
        .args(["scan", "--base", "--min-confidence", "0", "--cache-dir", cache, "."])
        .current_dir(root)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(1));
}

#[test]
fn each_package_of_a_monorepo_reports_under_its_own_configuration_in_any_argument_order() {
    ensure_model();
    let dir = tempfile::tempdir().unwrap();
    let run = "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n";
    for pkg in ["api", "cli/gen"] {
        std::fs::create_dir_all(dir.path().join(pkg)).unwrap();
        std::fs::write(dir.path().join(pkg).join("run.py"), run).unwrap();
    }
    std::fs::write(dir.path().join("cli/run.py"), run).unwrap();
    let scan = |paths: &[&str]| {
        let mut args = vec!["scan", "--base", "--min-confidence", "0", "--output-format", "json"];
        args.extend_from_slice(paths);
        let out = pycwe(&args, dir.path());
        assert!(out.status.code() != Some(2), "{}", String::from_utf8_lossy(&out.stderr));
        (json(&out), String::from_utf8_lossy(&out.stderr).to_string())
    };
    // At confidence 0 every judged unit reports its likeliest finding: learn which CWE that is.
    let (alone, _) = scan(&["api/run.py"]);
    let cwe = alone["findings"][0]["cwe"].as_str().expect("a finding at confidence 0").to_string();
    // api's excludes are api's: the first path's configuration no longer decides for cli.
    std::fs::write(dir.path().join("api/pycwe.toml"), format!("ignore = [\"{cwe}\"]\nexclude = [\"migrations\"]\n"))
        .unwrap();
    std::fs::create_dir_all(dir.path().join("cli/migrations")).unwrap();
    std::fs::write(dir.path().join("cli/migrations/m.py"), "x = 1\n").unwrap();
    std::fs::write(dir.path().join("cli/pycwe.toml"), "exclude = [\"gen\"]\nmax-file-size = 100000\n").unwrap();
    for order in [["api", "cli"], ["cli", "api"]] {
        let (report, stderr) = scan(&order);
        let paths: BTreeSet<&str> =
            report["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
        assert_eq!(paths, BTreeSet::from(["cli/run.py"]), "{order:?}: api ignores {cwe}, cli excludes gen: {report}");
        assert_eq!(report["summary"]["files"].as_u64(), Some(3), "{order:?}: {report}");
        // One model and one decision per scan, from the folder holding both (the defaults here),
        // in either order, and said so.
        assert!(stderr.contains("cli/pycwe.toml: `max-file-size` applies to a whole scan"), "{order:?}: {stderr}");
        assert!(stderr.contains("takes it from the defaults; scan cli on its own"), "{order:?}: {stderr}");
    }
}

#[test]
fn a_parent_configurations_excludes_hold_in_any_argument_order_for_walked_and_named_files() {
    ensure_model();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    // No git: the project root must not come from whichever path is first.
    for (path, text) in [
        ("pycwe.toml", "exclude = [\"gen\", \"vendor\", \"lib\"]\n"),
        ("app.py", "x = 1\n"),
        ("cli/pycwe.toml", ""),
        ("cli/main.py", "x = 1\n"),
        ("gen/g.py", "x = 1\n"),
        // Never read: its folder is excluded by the configuration above it.
        ("vendor/pycwe.toml", "bad = [\n"),
        ("vendor/v.py", "x = 1\n"),
    ] {
        std::fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
        std::fs::write(root.join(path), text).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("shared")).unwrap();
    std::fs::write(dir.path().join("shared/s.py"), "x = 1\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("../shared", root.join("lib")).unwrap();
    let files = |args: &[&str]| {
        let mut all = vec!["scan", "--dry-run", "--output-format", "json"];
        all.extend_from_slice(args);
        let out = pycwe(&all, &root);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        json(&out)["files"].as_u64().unwrap()
    };
    // app.py and cli/main.py, whatever comes first; a linked `lib` is excluded by its name.
    assert_eq!((files(&[".", "cli"]), files(&["cli", "."])), (2, 2));
    let mut named = ["cli/main.py", "gen/g.py", "vendor/v.py", "app.py"];
    let forced = |named: &[&str]| files(&[&["--force-exclude"], named].concat());
    assert_eq!(forced(&named), 2, "the pre-commit form, {named:?}");
    named.reverse();
    assert_eq!(forced(&named), 2, "the pre-commit form, {named:?}");
    // Named without --force-exclude, a file is scanned: the excludes are for what a walk finds.
    assert_eq!(files(&["cli", "gen/g.py"]), 2);
}
