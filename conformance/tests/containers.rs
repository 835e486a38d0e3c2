//! The whole chain, where a Docker engine exists: the runner starts the suite with
//! testcontainers and the provider with the basic profile, runs the basic plan with the browser
//! automation, and its exit code matches its report. `ci/github/ci.yml` runs it.

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
#[ignore = "needs a Docker engine"]
fn the_runner_starts_the_suite_and_runs_the_basic_plan_to_completion() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let provider = std::env::var("CONFORMANCE_PROVIDER_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target/release/provider"));
    assert!(provider.exists(), "build the provider first: cargo build --release -p provider");
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_conformance-runner"))
        .current_dir(root)
        .args(["--profile", "basic"])
        .arg("--provider")
        .arg(&provider)
        .arg("--out")
        .arg(out.path())
        .status()
        .unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("basic/report.json")).expect("a report")).unwrap();
    let results = report["results"].as_array().unwrap();
    assert!(results.len() > 10, "the basic plan has dozens of modules: {report}");
    for result in results {
        let detail = result["outcome"]["detail"].as_str().unwrap_or_default();
        assert!(!detail.contains("did not finish"), "{} did not run to completion: {detail}", result["module"]);
    }
    let logs = std::fs::read_dir(out.path().join("basic/logs")).expect("the modules' logs").count();
    assert_eq!(logs, results.len(), "one log per module and variant");
    let all_ok = results.iter().all(|r| r["ok"] == true);
    assert_eq!(status.success(), all_ok, "the exit code says what the report says");
}
