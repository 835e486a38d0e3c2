//! The runner against a suite played by wiremock: plan creation, module start, state
//! transitions, results, a FAILED module, an unexpected WARNING, and a module stuck past its
//! time limit.

use conformance::{Expected, Outcome, PlanSpec, Suite, Timing, run};
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn spec() -> PlanSpec {
    PlanSpec {
        plan: "oidcc-basic-certification-test-plan".into(),
        variant: json!({"server_metadata": "discovery", "client_registration": "static_client"}),
        config: "oidc.json".into(),
        profile: None,
    }
}

fn fast() -> Timing {
    Timing { module_timeout: Duration::from_millis(300), poll_every: Duration::from_millis(20) }
}

/// A suite whose plan has these modules; each module's info answers come in order.
async fn suite(modules: &[(&str, Vec<serde_json::Value>)]) -> MockServer {
    let server = MockServer::start().await;
    let listed: Vec<_> = modules.iter().map(|(name, _)| json!({"testModule": name, "variant": {}})).collect();
    Mock::given(method("POST"))
        .and(path("/api/plan"))
        .and(query_param("planName", "oidcc-basic-certification-test-plan"))
        .and(header("authorization", "Bearer t0ken"))
        .and(body_json(json!({"alias": "rust-op"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "plan-1", "modules": listed})))
        .expect(1)
        .mount(&server)
        .await;
    for (i, (name, infos)) in modules.iter().enumerate() {
        let id = format!("test-{i}");
        Mock::given(method("POST"))
            .and(path("/api/runner"))
            .and(query_param("test", *name))
            .and(query_param("plan", "plan-1"))
            .respond_with(
                ResponseTemplate::new(201)
                    .set_body_json(json!({"id": id, "url": format!("https://suite/log-detail.html?log={id}")})),
            )
            .expect(1)
            .mount(&server)
            .await;
        // Each answer once, in order; the last one keeps answering.
        for (n, info) in infos.iter().enumerate() {
            let mock = Mock::given(method("GET"))
                .and(path(format!("/api/info/{id}")))
                .respond_with(ResponseTemplate::new(200).set_body_json(info));
            let mock = if n + 1 < infos.len() { mock.up_to_n_times(1) } else { mock };
            mock.with_priority(n as u8 + 1).mount(&server).await;
        }
    }
    server
}

fn info(status: &str, result: Option<&str>) -> serde_json::Value {
    json!({"status": status, "result": result})
}

async fn report(server: &MockServer, expected: Expected) -> conformance::Report {
    let suite = Suite::new(&server.uri(), Some("t0ken".into()), false).unwrap();
    run(&suite, &spec(), &json!({"alias": "rust-op"}), &expected, fast()).await.unwrap()
}

#[tokio::test]
async fn modules_are_followed_through_their_states_to_a_passing_report() {
    let server = suite(&[
        ("oidcc-server", vec![info("CREATED", None), info("RUNNING", None), info("FINISHED", Some("PASSED"))]),
        ("oidcc-prompt-login", vec![info("WAITING", None), info("FINISHED", Some("REVIEW"))]),
        ("oidcc-idtoken-unsigned", vec![info("FINISHED", Some("SKIPPED"))]),
    ])
    .await;
    let report = report(&server, Expected::default()).await;
    assert!(report.ok(), "{}", report.table());
    let outcomes: Vec<_> = report.results.iter().map(|r| r.outcome.clone()).collect();
    assert_eq!(outcomes, [Outcome::Passed, Outcome::Review, Outcome::Skipped]);
    assert!(report.table().ends_with("conformance: 3 passed, 0 failed\n"), "{}", report.table());
    assert!(report.junit().contains("tests=\"3\" failures=\"0\""));
    assert!(report.junit().contains("<skipped/>"));
}

#[tokio::test]
async fn a_failed_module_fails_the_run_and_its_log_says_why() {
    let server = suite(&[
        ("oidcc-server", vec![info("FINISHED", Some("PASSED"))]),
        ("oidcc-codereuse", vec![info("RUNNING", None), info("FINISHED", Some("FAILED"))]),
    ])
    .await;
    let log = json!([
        {"src": "CallTokenEndpoint", "msg": "Called the token endpoint", "result": "SUCCESS"},
        {"src": "CheckTokenEndpointHttpStatus400", "msg": "expected 400, got 200", "result": "FAILURE"},
    ]);
    Mock::given(method("GET"))
        .and(path("/api/log/test-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&log))
        .expect(1)
        .mount(&server)
        .await;
    let report = report(&server, Expected::default()).await;
    assert!(!report.ok());
    assert!(report.table().contains("conformance: 1 passed, 1 failed"));
    let failed = &report.results[1];
    assert_eq!(failed.findings, ["FAILURE: CheckTokenEndpointHttpStatus400: expected 400, got 200"]);
    assert_eq!(failed.log.len(), 2, "the whole log is kept");
    assert!(report.table().contains("expected 400, got 200"), "{}", report.table());
    assert!(
        report
            .junit()
            .contains("<failure message=\"the suite reported FAILED\">FAILURE: CheckTokenEndpointHttpStatus400"),
        "{}",
        report.junit()
    );
    // The passing module had no log to give (404 here): its result stands.
    assert!(report.results[0].ok);

    let out = tempfile::tempdir().unwrap();
    report.write_to(out.path()).unwrap();
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("logs/oidcc-codereuse.json")).unwrap()).unwrap();
    assert_eq!(written, log);
    assert!(std::fs::read_to_string(out.path().join("junit.xml")).unwrap().contains("expected 400, got 200"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(json["results"][1]["findings"][0], failed.findings[0]);
}

#[tokio::test]
async fn a_warning_passes_only_when_expected_with_a_reason() {
    let modules = [("oidcc-scope-all", vec![info("FINISHED", Some("WARNING"))])];
    let server = suite(&modules).await;
    let unexpected = report(&server, Expected::default()).await;
    assert!(!unexpected.ok(), "an unlisted warning fails");
    assert!(unexpected.table().contains("unexpected warning"));

    let server = suite(&modules).await;
    let expected: Expected = toml::from_str("oidcc-scope-all = \"the test user has no middle_name\"").unwrap();
    let accepted = report(&server, expected).await;
    assert!(accepted.ok());
    assert_eq!(accepted.results[0].reason.as_deref(), Some("the test user has no middle_name"));
}

#[tokio::test]
async fn a_module_stuck_past_its_time_limit_fails() {
    let server = suite(&[("oidcc-max-age-1", vec![info("WAITING", None)])]).await;
    let report = report(&server, Expected::default()).await;
    match &report.results[0].outcome {
        Outcome::Failed(why) => assert!(why.contains("did not finish within"), "{why}"),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[tokio::test]
async fn an_interrupted_module_fails() {
    let server = suite(&[("oidcc-server", vec![info("INTERRUPTED", None)])]).await;
    assert!(!report(&server, Expected::default()).await.ok());
}

#[test]
fn every_profile_plan_loads_with_the_issuer_filled_in() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(dir.join("plans")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let profile = path.file_stem().unwrap().to_str().unwrap();
            let (spec, config, _) = conformance::plan::load(dir, profile, "https://op.test:3000").unwrap();
            assert!(spec.plan.starts_with("oidcc-"), "{profile}");
            assert_eq!(config["server"]["discoveryUrl"], "https://op.test:3000/.well-known/openid-configuration");
            assert!(!config.to_string().contains("{ISSUER}"));
        }
    }
}

#[test]
fn the_runner_skips_without_a_suite_and_says_why() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_conformance-runner"))
        .args(["--profile", "basic", "--issuer", "https://op.test"])
        .env_remove("CONFORMANCE_SERVER")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("conformance: skipped: "), "{stdout}");
}
