//! The `provider` binary's commands, as an operator runs them.

mod binary;

use binary::command as provider;
use std::io::Write;
use std::process::Stdio;

#[test]
fn check_config_prints_the_effective_configuration_with_secrets_redacted() {
    let out = provider()
        .args(["check-config", "--port", "4444", "--storage", "postgres://op:hunter2@db.example/op?sslmode=require"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("storage = \"postgres://op:***@db.example/op?sslmode=require\""), "{stdout}");
    assert!(!stderr.contains("hunter2") && !stdout.contains("hunter2"), "the password leaked");

    // An unknown scheme: the error names the key, and not the password.
    let out = provider().args(["check-config", "--storage", "redis://op:hunter2@db.example/0"]).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success());
    assert!(stderr.contains("storage:"), "{stderr}");
    assert!(!stderr.contains("hunter2") && !stdout.contains("hunter2"), "the password leaked");

    let out =
        provider().args(["check-config", "--port", "4444"]).env("OP_ISSUER", "https://op.example").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("port = 4444"), "{stdout}");
    assert!(stdout.contains("issuer = \"https://op.example\""), "environment overrides apply: {stdout}");
    assert!(stdout.contains("[ttl]"), "{stdout}");
}

#[test]
fn op_variables_that_set_nothing_are_ignored_and_named() {
    // A password manager's CLI sets OP_SESSION_* and OP_SERVICE_ACCOUNT_TOKEN.
    let out = provider()
        .arg("check-config")
        .env("OP_SESSION_MY_VAULT", "abc")
        .env("OP_SERVICE_ACCOUNT_TOKEN", "ops_123")
        .env("OP_TTL__ACCESS_TOKEN", "120")
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("access_token = 120"), "a variable that names a key still applies: {stdout}");
    for name in ["OP_SESSION_MY_VAULT", "OP_SERVICE_ACCOUNT_TOKEN"] {
        assert!(stderr.contains(&format!("warning: {name} sets no configuration key")), "{stderr}");
    }
    assert!(!stderr.contains("ops_123") && !stderr.contains("abc"), "values are never shown: {stderr}");
}

#[test]
fn a_config_file_that_does_not_parse_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.toml");
    std::fs::write(&file, "issuer = \"https://op.example\n").unwrap();
    let out = provider().args(["check-config", "--config"]).arg(&file).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&file.display().to_string()), "the file is named: {stderr}");
}

#[test]
fn invalid_configuration_names_the_key_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("op.toml");
    std::fs::write(&file, "issuer = \"http://op.example\"\n[ttl]\naccess_token = 0\n").unwrap();
    let out = provider().args(["check-config", "--config"]).arg(&file).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("issuer: must use https"), "{stderr}");
    assert!(stderr.contains("ttl.access_token"), "{stderr}");
}

#[test]
fn serve_refuses_a_bad_clients_file_naming_the_client_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let clients = dir.path().join("clients.json");
    std::fs::write(
        &clients,
        r#"[{"client_id": "x", "client_secret": "0123456789abcdef", "redirect_uris": ["https://rp.example/cb#frag"]}]"#,
    )
    .unwrap();
    let out = provider()
        .args(["serve", "--storage", "memory:", "--port", "0", "--clients"])
        .arg(&clients)
        .arg("--keys")
        .arg(dir.path().join("jwks.json"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("client \"x\": redirect_uris") && stderr.contains("fragment"), "{stderr}");
}

#[test]
fn hash_password_reads_stdin_and_prints_an_argon2id_hash() {
    let mut child = provider().arg("hash-password").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"s3cret\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let hash = String::from_utf8(out.stdout).unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(
        provider::accounts::verify_password("s3cret", hash.trim()),
        "the trailing newline is not part of the password"
    );
}

#[test]
fn profiles_lists_the_compiled_in_profiles() {
    let out = provider().arg("profiles").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().collect::<Vec<_>>(),
        [
            "basic",
            "implicit",
            "hybrid",
            "config",
            "dynamic",
            "formpost",
            "3rdparty-init",
            "rp-logout",
            "backchannel-logout",
            "frontchannel-logout",
            "fapi1-advanced",
            "fapi2-security-profile",
            "fapi2-message-signing",
            "ciba",
            "fapi-ciba"
        ]
    );
}

#[cfg(target_os = "linux")]
#[test]
fn serve_raises_its_open_file_limit_to_the_hard_one() {
    // Started the way a service manager often starts it: a soft limit of a few hundred.
    let mut shell = std::process::Command::new("sh");
    shell.args(["-c", "ulimit -Sn 256 && exec \"$0\" \"$@\"", env!("CARGO_BIN_EXE_provider")]);
    binary::without_op_variables(&mut shell);
    let (child, log) = binary::spawn_logged(shell.args(["serve", "--storage", "memory:", "--port", "0"]), "info");
    let server = binary::Server::announced(child, log);
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.child.id())).unwrap();
    let open_files: Vec<&str> =
        limits.lines().find(|line| line.starts_with("Max open files")).unwrap().split_whitespace().collect();
    let (soft, hard) = (open_files[3], open_files[4]);
    assert_ne!(soft, "256", "{limits}");
    assert_eq!(soft, hard, "{limits}");
}

#[test]
fn storage_migrate_makes_the_schema_and_serve_refuses_a_newer_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("op.db");
    let storage = format!("sqlite:{}", file.display());
    let out = provider().args(["storage", "migrate", "--storage", &storage]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("schema at version 1"));

    // A later provider's migration: this one must not serve on it.
    let db = rusqlite::Connection::open(&file).unwrap();
    db.execute("INSERT INTO schema_migrations VALUES (2, 'later', 0)", []).unwrap();
    let out = provider().args(["serve", "--port", "0", "--storage", &storage]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("newer than this provider knows (1)"), "{stderr}");
}

#[test]
fn storage_copy_moves_every_live_record_to_another_storage() {
    let dir = tempfile::tempdir().unwrap();
    let (from, to) = (dir.path().join("from.db"), dir.path().join("to.db"));
    let storage = |file: &std::path::Path| format!("sqlite:{}", file.display());
    assert!(provider().args(["storage", "migrate", "--storage", &storage(&from)]).status().unwrap().success());
    let db = rusqlite::Connection::open(&from).unwrap();
    db.execute("INSERT INTO records (kind, id, payload, consumed_at) VALUES ('AuthorizationCode', 'c', '{}', 7)", [])
        .unwrap();
    db.execute("INSERT INTO records (kind, id, payload, expires_at) VALUES ('Session', 'old', '{}', 1)", []).unwrap();

    let out = provider().args(["storage", "copy", &storage(&from), &storage(&to)]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("AuthorizationCode\t1") && stdout.contains("copied 1 records"), "{stdout}");
    let copied: Option<i64> = rusqlite::Connection::open(&to)
        .unwrap()
        .query_row("SELECT consumed_at FROM records WHERE kind = 'AuthorizationCode' AND id = 'c'", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(copied, Some(7), "consumed stays consumed");

    let out = provider().args(["storage", "copy", "memory:", &storage(&to)]).output().unwrap();
    assert!(!out.status.success());
}

/// `provider health`, a container's healthcheck: 0 while the provider its configuration
/// describes is ready, 1 once it is gone or for a URL that is not its readiness.
#[test]
fn health_asks_the_configured_provider_whether_it_is_ready() {
    let mut server = binary::Server::start(0, "warn", &["--storage", "memory:"]);
    let port = server.port.to_string();
    let health = |extra: &[&str]| {
        let mut command = binary::command();
        binary::without_op_variables(&mut command);
        command.args(["health", "--port", &port]).args(extra).output().unwrap()
    };
    let ready = health(&[]);
    assert!(ready.status.success(), "{}", String::from_utf8_lossy(&ready.stderr));
    assert!(!health(&["--url", &format!("http://127.0.0.1:{port}/nowhere")]).status.success());
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let gone = health(&[]);
    assert!(!gone.status.success());
    assert!(String::from_utf8_lossy(&gone.stderr).contains("/readyz"), "it names what it asked");
}
