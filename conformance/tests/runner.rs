//! The runner against a suite played by wiremock: plan creation, module start, state
//! transitions, results, a FAILED module, an unexpected WARNING or REVIEW, a module the suite
//! interrupted, modules run in several variants, a module stuck past its time limit, and a
//! module that waits to be started by hand.

use conformance::{Expected, ManualStart, Outcome, PlanSpec, Suite, Timing, run};
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
        provider_env: Default::default(),
        vars: Default::default(),
        expected: None,
    }
}

fn fast() -> Timing {
    Timing {
        module_timeout: Duration::from_millis(300),
        poll_every: Duration::from_millis(20),
        manual_start_after: Duration::from_millis(100),
    }
}

/// A suite whose plan has these modules; each module's info answers come in order.
async fn suite(modules: &[(&str, Vec<serde_json::Value>)]) -> MockServer {
    let with_variants: Vec<_> = modules.iter().map(|(name, infos)| (*name, json!({}), infos.clone())).collect();
    suite_with_variants(&with_variants).await
}

/// The same, each module with its own variant, as the suite lists a plan's modules.
async fn suite_with_variants(modules: &[(&str, serde_json::Value, Vec<serde_json::Value>)]) -> MockServer {
    let server = MockServer::start().await;
    let listed: Vec<_> =
        modules.iter().map(|(name, variant, _)| json!({"testModule": name, "variant": variant})).collect();
    Mock::given(method("POST"))
        .and(path("/api/plan"))
        .and(query_param("planName", "oidcc-basic-certification-test-plan"))
        .and(header("authorization", "Bearer t0ken"))
        .and(body_json(json!({"alias": "rust-op"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "plan-1", "modules": listed})))
        .expect(1)
        .mount(&server)
        .await;
    for (i, (name, variant, infos)) in modules.iter().enumerate() {
        let id = format!("test-{i}");
        Mock::given(method("POST"))
            .and(path("/api/runner"))
            .and(query_param("test", *name))
            .and(query_param("plan", "plan-1"))
            .and(query_param("variant", variant.to_string()))
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
    let mut seen = Vec::new();
    let report = run(&suite, &spec(), &json!({"alias": "rust-op"}), &expected, fast(), &ManualStart::default(), |r| {
        seen.push(r.key())
    })
    .await
    .unwrap();
    let keys: Vec<_> = report.results.iter().map(|r| r.key()).collect();
    assert_eq!(seen, keys, "progress sees every result, in order");
    report
}

#[tokio::test]
async fn modules_are_followed_through_their_states_to_a_passing_report() {
    let server = suite(&[
        ("oidcc-server", vec![info("CREATED", None), info("RUNNING", None), info("FINISHED", Some("PASSED"))]),
        ("oidcc-prompt-login", vec![info("WAITING", None), info("FINISHED", Some("REVIEW"))]),
        ("oidcc-idtoken-unsigned", vec![info("FINISHED", Some("SKIPPED"))]),
    ])
    .await;
    let expected: Expected =
        toml::from_str("[review]\noidcc-prompt-login = \"a screenshot of the login page\"").unwrap();
    let report = report(&server, expected).await;
    assert!(report.ok(), "{}", report.table());
    let outcomes: Vec<_> = report.results.iter().map(|r| r.outcome.clone()).collect();
    assert_eq!(outcomes, [Outcome::Passed, Outcome::Review, Outcome::Skipped]);
    assert_eq!(report.results[1].reason.as_deref(), Some("a screenshot of the login page"));
    // REVIEW is counted on its own, not as passed.
    assert!(
        report.table().ends_with(
            "conformance: oidcc-basic-certification-test-plan: 3 modules: 1 passed, 0 warning, 1 review, 1 skipped, 0 failed; 0 not as expected\n"
        ),
        "{}",
        report.table()
    );
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
    assert!(report.table().contains("1 passed, 0 warning, 0 review, 0 skipped, 1 failed; 1 not as expected"));
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
    assert!(unexpected.table().contains("not expected"), "{}", unexpected.table());

    let server = suite(&modules).await;
    let expected: Expected =
        toml::from_str("[warning]\noidcc-scope-all = \"the test user has no middle_name\"").unwrap();
    let accepted = report(&server, expected).await;
    assert!(accepted.ok());
    assert_eq!(accepted.results[0].reason.as_deref(), Some("the test user has no middle_name"));

    // Listed as a REVIEW is not listed as a WARNING.
    let server = suite(&modules).await;
    let expected: Expected = toml::from_str("[review]\noidcc-scope-all = \"a screenshot\"").unwrap();
    assert!(!report(&server, expected).await.ok());
}

#[tokio::test]
async fn a_review_passes_only_when_expected_with_a_reason() {
    let modules = [("oidcc-prompt-login", vec![info("FINISHED", Some("REVIEW"))])];
    let server = suite(&modules).await;
    let unexpected = report(&server, Expected::default()).await;
    assert!(!unexpected.ok(), "an unlisted review fails: it needs a person to look");
    assert!(unexpected.table().contains("not expected"), "{}", unexpected.table());
    assert!(unexpected.junit().contains("<failure message=\"unexpected REVIEW\">"));
}

#[tokio::test]
async fn modules_in_several_variants_are_reported_and_logged_apart() {
    // The suite lists each module's whole variant; only what varies across the plan names it.
    let (id_token, id_token_token) = (
        json!({"response_type": "id_token", "response_mode": "default"}),
        json!({"response_type": "id_token token", "response_mode": "default"}),
    );
    let server = suite_with_variants(&[
        ("oidcc-server", id_token.clone(), vec![info("FINISHED", Some("PASSED"))]),
        ("oidcc-server", id_token_token.clone(), vec![info("FINISHED", Some("FAILED"))]),
        ("oidcc-scope-all", id_token_token, vec![info("FINISHED", Some("WARNING"))]),
    ])
    .await;
    for (id, msg) in [("test-0", "first"), ("test-1", "second")] {
        Mock::given(method("GET"))
            .and(path(format!("/api/log/{id}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"src": "X", "msg": msg}])))
            .mount(&server)
            .await;
    }
    // A reason for one variant only.
    let expected: Expected =
        toml::from_str("[warning]\n\"oidcc-scope-all[response_type=id_token token]\" = \"why\"").unwrap();
    let report = report(&server, expected).await;
    let keys: Vec<_> = report.results.iter().map(|r| r.key()).collect();
    assert_eq!(
        keys,
        [
            "oidcc-server[response_type=id_token]",
            "oidcc-server[response_type=id_token token]",
            "oidcc-scope-all[response_type=id_token token]"
        ]
    );
    assert!(report.results[2].ok, "the reason for that variant applies");
    let table = report.table();
    assert!(table.contains("response_type=id_token token  FAILED"), "{table}");
    assert!(table.contains("[response_type=id_token]: 1 modules: 1 passed"), "{table}");
    assert!(table.contains("[response_type=id_token token]: 2 modules: 0 passed, 1 warning"), "{table}");

    let out = tempfile::tempdir().unwrap();
    report.write_to(out.path()).unwrap();
    let log = |name: &str| std::fs::read_to_string(out.path().join("logs").join(name)).unwrap();
    assert!(log("oidcc-server_response_type=id_token.json").contains("first"));
    assert!(log("oidcc-server_response_type=id_token_token.json").contains("second"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(json["results"][1]["variant"]["response_type"], "id_token token");
    assert_eq!(json["counts_by_variant"]["response_type=id_token token"]["failed"], 1);
    assert!(report.junit().contains("name=\"oidcc-server[response_type=id_token token]\""));
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
async fn an_interrupted_module_is_reported_by_its_result() {
    let server = suite(&[("oidcc-server", vec![info("INTERRUPTED", Some("FAILED"))])]).await;
    let report = report(&server, Expected::default()).await;
    assert!(!report.ok());
    assert_eq!(report.results[0].outcome, Outcome::Failed("the suite reported FAILED".into()));

    let server = suite(&[("oidcc-server", vec![info("INTERRUPTED", None)])]).await;
    let report = self::report(&server, Expected::default()).await;
    assert_eq!(report.results[0].outcome, Outcome::Failed("the suite gave no result".into()));
}

#[test]
fn every_profile_plan_loads_with_the_issuer_filled_in() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(dir.join("plans")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let profile = path.file_stem().unwrap().to_str().unwrap();
            let (spec, config, _) = conformance::plan::load(dir, profile, "https://op.test:3000").unwrap();
            assert!(spec.plan.starts_with("oidcc-") || spec.plan.starts_with("fapi"), "{profile}");
            assert_eq!(config["server"]["discoveryUrl"], "https://op.test:3000/.well-known/openid-configuration");
            // Every placeholder is filled in.
            for placeholder in ["{ISSUER}", "{CLIENT}", "{ALIAS}", "{SCOPE}", "{APPROVAL_SECRET}"] {
                assert!(!config.to_string().contains(placeholder), "{profile}: {placeholder}");
            }
            // A shared expected-results file exists.
            if let Some(name) = &spec.expected {
                assert!(dir.join("expected").join(name).exists(), "{profile}: expected/{name}");
            }
            // A static FAPI client the plan names is one of the fixture's.
            if spec.plan.starts_with("fapi") {
                let family = match spec.plan.as_str() {
                    plan if plan.starts_with("fapi1") => "fapi1",
                    plan if plan.starts_with("fapi-ciba") => "fapi-ciba",
                    _ => "fapi2",
                };
                let file = dir.join(format!("../fixtures/{family}-clients.json"));
                let fixtures: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
                for which in ["client", "client2"] {
                    let id = &config[which]["client_id"];
                    assert!(fixtures.as_array().unwrap().iter().any(|c| c["client_id"] == *id), "{profile}: {id}");
                }
            }
            // The suite plays the CIBA user with the secret the provider is started with.
            if let Some(url) = config["automated_ciba_approval_url"].as_str() {
                let secret = spec.provider_env.get("OP_CIBA__APPROVAL_SECRET").expect("the approval secret");
                assert!(url.ends_with(&format!("&secret={secret}")), "{profile}: {url}");
            }
            // A static-client plan run with dynamic clients needs registration on in its profile.
            let dynamic = spec.variant["client_registration"] == "dynamic_client";
            let enabled = spec.provider_env.get("OP_REGISTRATION__ENABLED").is_some_and(|v| v == "true");
            let profile_file =
                dir.join("../profiles").join(format!("{}.toml", spec.profile.as_deref().unwrap_or(profile)));
            let settings: toml::Value =
                toml::from_str(&std::fs::read_to_string(profile_file).unwrap_or_default()).unwrap();
            let registering =
                settings.get("registration").and_then(|r| r.get("enabled")) == Some(&toml::Value::Boolean(true));
            assert!(!dynamic || enabled || registering, "{profile}: dynamic clients, but registration is off");
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

#[tokio::test]
async fn a_module_that_waits_to_be_started_gets_the_command_then_its_start() {
    let configured: Vec<_> = (0..3).map(|_| info("CONFIGURED", None)).collect();
    let infos = configured.into_iter().chain([info("FINISHED", Some("PASSED"))]).collect();
    let server = suite(&[("oidcc-server-rotate-keys", infos)]).await;
    Mock::given(method("POST"))
        .and(path("/api/runner/test-0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("rotated");
    let manual = ManualStart { command: Some(format!("touch {}", marker.display())), settle: Duration::ZERO };
    let timing = Timing { manual_start_after: Duration::ZERO, ..fast() };
    let suite = Suite::new(&server.uri(), Some("t0ken".into()), false).unwrap();
    let report = run(&suite, &spec(), &json!({"alias": "rust-op"}), &Expected::default(), timing, &manual, |_| {})
        .await
        .unwrap();
    assert!(marker.exists(), "the command ran before the start");
    assert!(report.ok(), "{}", report.table());
    server.verify().await;
}
