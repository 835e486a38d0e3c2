//! Durability through a crash: every token the `provider` binary answered with on SQLite is
//! still valid after the process is killed (SIGKILL: no shutdown, no checkpoint) and started
//! again on the same file.

mod binary;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use binary::Server;

/// The headers of a form that `svc-basic` posts, authenticated with client_secret_basic
/// (RFC 6749 §2.3.1).
fn svc_basic_form() -> String {
    let credentials = STANDARD.encode("svc-basic:svc-basic-secret-0123456789");
    format!("Authorization: Basic {credentials}\r\nContent-Type: application/x-www-form-urlencoded\r\n")
}

/// A client credentials access token from the server on `port`.
fn issue(port: u16) -> String {
    let (status, body) = binary::send(port, "POST /token HTTP/1.1", &svc_basic_form(), "grant_type=client_credentials");
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    answer["access_token"].as_str().unwrap().to_string()
}

/// Whether `server` says `token` is active (RFC 7662 §2.2), asked by the client it was issued to.
fn active(server: &Server, token: &str) -> bool {
    let (status, body) = server.send("POST /introspect HTTP/1.1", &svc_basic_form(), &format!("token={token}"));
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["active"] == true
}

#[test]
fn every_token_answered_before_a_crash_is_valid_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let storage = format!("sqlite:{}", dir.path().join("provider.db").display());
    let clients = binary::fixtures().join("clients.json");
    let args = ["--storage", &storage, "--clients", clients.to_str().unwrap()];
    let server = Server::start(0, "warn", &args);

    // From eight threads at once, so that writes share group commits, as under load.
    let port = server.port;
    let threads: Vec<_> =
        (0..8).map(|_| std::thread::spawn(move || (0..10).map(|_| issue(port)).collect::<Vec<_>>())).collect();
    let tokens: Vec<String> = threads.into_iter().flat_map(|thread| thread.join().unwrap()).collect();
    // Opaque tokens, which exist only as stored records (a JWT would prove nothing here).
    assert!(tokens.iter().all(|token| !token.contains('.')), "{tokens:?}");

    // Killed right after the last answer, then started again on the same file.
    drop(server);
    let server = Server::start(0, "warn", &args);
    let lost: Vec<&String> = tokens.iter().filter(|token| !active(&server, token)).collect();
    assert!(lost.is_empty(), "{} of {} tokens were lost", lost.len(), tokens.len());
}
