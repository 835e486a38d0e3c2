//! What the `provider` binary writes to its log while serving: no request's query, header or
//! form field, where a token, a code or a client secret can sit, even when a client sends one
//! to a wrong path; and a log that cannot be written stops nothing.

mod binary;

use binary::{Server, command, spawn_logged};
use std::net::TcpListener;
use std::process::Command;
use std::time::Duration;

#[test]
fn a_query_sent_to_a_wrong_path_or_with_a_bad_method_stays_out_of_the_log() {
    // The most verbose filter Rocket has, so that every message it writes is there to leak.
    let server = Server::start(0, "debug,rocket=trace", &["--storage", "memory:"]);
    let requests = [
        ("GET /nowhere?access_token=SECRET-A HTTP/1.1", 404),
        ("POST /token/x?client_secret=SECRET-B HTTP/1.1", 404),
        // A method Rocket does not know: it answers the request it salvaged, 400.
        ("BREW /nowhere?code=SECRET-C HTTP/1.1", 400),
        // A route that exists, for the line that opens each request's log.
        ("GET /userinfo?access_token=SECRET-D HTTP/1.1", 401),
    ];
    for (request_line, status) in requests {
        assert_eq!(server.status(request_line), status, "{request_line}");
    }
    // Rocket's DEBUG dump of a request shows its headers.
    let (status, _) = server.send("GET /userinfo HTTP/1.1", "Authorization: Bearer SECRET-E\r\n", "");
    assert_eq!(status, 401);
    // The catcher's line for a last wrong path, as a marker: every line before it is in.
    server.status("GET /last HTTP/1.1");
    let text = server.read_until("path=/last").join("\n");

    assert!(!text.contains("SECRET-"), "a secret reached the log:\n{text}");
    assert!(!text.contains("No matching routes"), "{text}");
    // What an operator needs is still there: the method and path of what went wrong.
    assert!(text.contains("method=GET path=/nowhere status=404"), "{text}");
    assert!(text.contains("method=POST path=/token/x status=404"), "{text}");
    // Rocket's other messages still flow.
    assert!(text.contains("Outcome:"), "{text}");
}

#[test]
fn a_log_that_is_not_a_terminal_has_no_colour_codes() {
    // stderr is a pipe here, and NO_COLOR is not set. The text layout colours each level.
    let server = Server::start(0, "debug", &["--storage", "memory:"]);
    server.status("GET /last HTTP/1.1");
    let text = server.read_until("path=/last").join("\n");
    assert!(text.contains("DEBUG"), "{text}");
    assert!(!text.contains('\u{1b}'), "ANSI escape codes in a piped log:\n{text}");
}

#[test]
fn by_default_a_wrong_path_logs_nothing_at_error() {
    let mut server = Server::start(0, "info,rocket=warn", &["--storage", "memory:"]);
    assert_eq!(server.status("GET /wp-login.php?pwd=SECRET-F HTTP/1.1"), 404);
    let _ = server.child.kill();
    let _ = server.child.wait();
    // The server has exited: its log ends here.
    let text = server.log.iter().collect::<Vec<_>>().join("\n");
    assert!(!text.contains("ERROR"), "{text}");
    assert!(!text.contains("SECRET-"), "{text}");
}

#[test]
fn a_flood_of_broken_connections_writes_at_most_a_line_a_second() {
    // Connections that send half a request, or bytes that are no HTTP, then close: a client can
    // open them as fast as it likes, and Rocket warns of each.
    let mut server = Server::start(0, "info", &["--storage", "memory:"]);
    let started = std::time::Instant::now();
    for _ in 0..50 {
        for bytes in [&b"GET / HTTP/1.1\r\nHost: x\r\nContent-Len"[..], b"\x16\x03\x01\x00\xff not http"] {
            let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
            let _ = std::io::Write::write_all(&mut stream, bytes);
        }
    }
    assert_eq!(server.status("GET /.well-known/openid-configuration HTTP/1.1"), 200);
    let _ = server.child.kill();
    let _ = server.child.wait();
    let seconds = started.elapsed().as_secs() as usize;
    let lines: Vec<String> = server.log.iter().filter(|line| line.contains("Connection failed")).collect();
    assert!(!lines.is_empty(), "that they happen is still said");
    assert!(lines.len() <= seconds + 1, "{} lines in {seconds} s:\n{}", lines.len(), lines.join("\n"));
}

#[test]
fn a_closed_log_fails_no_request_and_does_not_keep_the_server_from_stopping() {
    // DEBUG, so that every request writes a line.
    let mut server = Server::start(0, "debug", &["--storage", "memory:"]);
    server.close_log();
    // This request's lines end the reader thread, and with it the pipe's read end.
    server.status("GET /.well-known/openid-configuration HTTP/1.1");
    std::thread::sleep(Duration::from_millis(200));
    for _ in 0..3 {
        assert_eq!(server.status("GET /.well-known/openid-configuration HTTP/1.1"), 200);
    }
    let stopped = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(stopped.success());
    // Rocket's grace and mercy periods are 2 and 3 s.
    for _ in 0..100 {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the server was still running 10 s after SIGTERM");
}

#[test]
fn the_port_announced_is_the_one_bound_and_a_port_in_use_is_an_error() {
    // `--port 0`: any free port, which the log then names.
    let (child, log) = spawn_logged(command().args(["serve", "--storage", "memory:", "--port", "0"]), "info");
    let server = Server::announced(child, log);
    assert_ne!(server.port, 0);
    assert_eq!(server.status("GET /.well-known/openid-configuration HTTP/1.1"), 200);

    // A port in use: an error, and no announcement before it.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (mut child, log) = spawn_logged(command().args(["serve", "--storage", "memory:", "--port", &port]), "info");
    let status = child.wait().unwrap();
    let text = log.iter().collect::<Vec<_>>().join("\n");
    assert!(!status.success());
    assert!(text.contains("ERROR") && text.contains("Address already in use"), "{text}");
    assert!(!text.contains("provider listening"), "{text}");
}

#[test]
fn metrics_get_a_listener_of_their_own_which_the_log_names() {
    let mut serve = command();
    serve.env("OP_METRICS__ENABLED", "true").env("OP_METRICS__PORT", "0");
    let (child, log) = spawn_logged(serve.args(["serve", "--storage", "memory:", "--port", "0"]), "info");
    // The two listeners announce themselves in either order.
    let port_after = |line: &str, text: &str| -> Option<u16> {
        line.split(text).nth(1)?.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok()
    };
    let (mut public, mut metrics) = (None, None);
    while public.is_none() || metrics.is_none() {
        let line = log.recv_timeout(Duration::from_secs(20)).expect("both listeners announced");
        public = public.or_else(|| port_after(&line, "provider listening on 127.0.0.1:"));
        metrics = metrics.or_else(|| port_after(&line, "metrics listening on 127.0.0.1:"));
    }
    let (server, metrics_port) = (Server { child, port: public.unwrap(), log }, metrics.unwrap());
    assert_ne!(metrics_port, server.port);
    assert_eq!(server.status("GET /healthz HTTP/1.1"), 200);
    assert_eq!(server.status("GET /metrics HTTP/1.1"), 404, "not on the public listener");
    let (status, text) = binary::send(metrics_port, "GET /metrics HTTP/1.1", "", "");
    assert_eq!(status, 200);
    assert!(text.contains(r#"op_http_requests_total{endpoint="/healthz",status="200"} 1"#), "{text}");
    assert_eq!(binary::send(metrics_port, "GET /readyz HTTP/1.1", "", "").0, 200);
}

#[test]
fn json_logs_leave_traffic_out_too_and_every_line_is_json() {
    let mut serve = command();
    serve.env("OP_LOG__FORMAT", "json").args(["serve", "--storage", "memory:", "--port", "0"]);
    let (child, log) = spawn_logged(&mut serve, "debug,rocket=trace");
    let server = Server::announced(child, log);

    assert_eq!(server.status("GET /nowhere?access_token=SECRET-G HTTP/1.1"), 404);
    let (status, _) = server.send("GET /userinfo HTTP/1.1", "Authorization: Bearer SECRET-H\r\n", "");
    assert_eq!(status, 401);
    server.status("GET /last HTTP/1.1");
    let lines = server.read_until("/last");

    for line in &lines {
        assert!(serde_json::from_str::<serde_json::Value>(line).is_ok(), "not JSON: {line}");
        assert!(!line.contains("SECRET-"), "a secret reached the log: {line}");
    }
    assert!(lines.iter().any(|line| line.contains(r#""path":"/nowhere""#)), "{lines:#?}");
}
