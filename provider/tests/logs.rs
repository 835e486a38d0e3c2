//! What the `provider` binary writes to its log while serving: no request's query, where a
//! token, a code or a client secret can sit, even when a client sends one to a wrong path.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running server, stopped when dropped, also when an assertion fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The binary serving on a free loopback port with `level` as its log filter, and its log
/// lines as they come.
fn serve(level: &str) -> (Server, u16, mpsc::Receiver<String>) {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_provider"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("OP_")) {
        cmd.env_remove(key);
    }
    let mut child = cmd
        .args(["serve", "--storage", "memory:", "--port", &port.to_string()])
        .args(["--issuer", &format!("http://127.0.0.1:{port}")])
        .arg("--keys")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/keys/jwks.json"))
        .env("OP_LOG__LEVEL", level)
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, log) = mpsc::channel();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    std::thread::spawn(move || stderr.lines().map_while(Result::ok).try_for_each(|line| lines.send(line)));
    (Server(child), port, log)
}

/// Waits for a log line containing `text` and returns the lines read up to it.
fn read_until(log: &mpsc::Receiver<String>, text: &str) -> Vec<String> {
    let mut seen = Vec::new();
    while let Ok(line) = log.recv_timeout(Duration::from_secs(20)) {
        let found = line.contains(text);
        seen.push(line);
        if found {
            return seen;
        }
    }
    panic!("no log line with {text:?}; got {seen:#?}");
}

/// Sends `request_line` and `headers` (each ending in CRLF) with no body over a new connection;
/// the response's status line.
fn send_with(port: u16, request_line: &str, headers: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "{request_line}\r\nHost: 127.0.0.1\r\n{headers}Connection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.lines().next().unwrap_or_default().to_string()
}

/// [`send_with`] with no other header.
fn send(port: u16, request_line: &str) -> String {
    send_with(port, request_line, "")
}

#[test]
fn a_query_sent_to_a_wrong_path_or_with_a_bad_method_stays_out_of_the_log() {
    // The most verbose filter Rocket has, so that every message it writes is there to leak.
    let (server, port, log) = serve("debug,rocket=trace");
    read_until(&log, "Rocket has launched");

    let requests = [
        ("GET /nowhere?access_token=SECRET-A HTTP/1.1", "404"),
        ("POST /token/x?client_secret=SECRET-B HTTP/1.1", "404"),
        // A method Rocket does not know: it answers the request it salvaged, 400.
        ("BREW /nowhere?code=SECRET-C HTTP/1.1", "400"),
        // A route that exists, for the line that opens each request's log.
        ("GET /userinfo?access_token=SECRET-D HTTP/1.1", "401"),
    ];
    for (request_line, status) in requests {
        let answer = send(port, request_line);
        assert!(answer.contains(status), "{request_line}: {answer}");
    }
    // Rocket's DEBUG dump of a request shows its headers.
    let answer = send_with(port, "GET /userinfo HTTP/1.1", "Authorization: Bearer SECRET-E\r\n");
    assert!(answer.contains("401"), "{answer}");
    // The catcher's line for the last wrong path, then a marker: every line before it is in.
    send(port, "GET /last HTTP/1.1");
    let lines = read_until(&log, "path=/last");
    drop(server);

    let text = lines.join("\n");
    assert!(!text.contains("SECRET-"), "a query reached the log:\n{text}");
    assert!(!text.contains("No matching routes"), "{text}");
    // What an operator needs is still there: the method and path of what went wrong.
    assert!(text.contains("method=GET path=/nowhere status=404"), "{text}");
    assert!(text.contains("method=POST path=/token/x status=404"), "{text}");
    // Rocket's other messages still flow.
    assert!(text.contains("Outcome:"), "{text}");
}

#[test]
fn by_default_a_wrong_path_logs_nothing_at_error() {
    let (server, port, log) = serve("info,rocket=warn");
    read_until(&log, "Rocket has launched");
    assert!(send(port, "GET /wp-login.php?pwd=SECRET-F HTTP/1.1").contains("404"));
    drop(server);
    // The server has exited: its log ends here.
    let text = log.iter().collect::<Vec<_>>().join("\n");
    assert!(!text.contains("ERROR"), "{text}");
    assert!(!text.contains("SECRET-"), "{text}");
}

#[test]
fn a_closed_log_fails_no_request_and_does_not_keep_the_server_from_stopping() {
    // DEBUG, so that every request writes a line.
    let (mut server, port, log) = serve("debug");
    read_until(&log, "Rocket has launched");
    // The first request's lines end the reader thread, and with it the pipe's read end.
    drop(log);
    send(port, "GET /.well-known/openid-configuration HTTP/1.1");
    std::thread::sleep(Duration::from_millis(200));
    for _ in 0..3 {
        let answer = send(port, "GET /.well-known/openid-configuration HTTP/1.1");
        assert!(answer.contains("200"), "{answer}");
    }
    let stopped = Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status().unwrap();
    assert!(stopped.success());
    // Rocket's grace and mercy periods are 2 and 3 s.
    for _ in 0..100 {
        if let Some(status) = server.0.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the server was still running 10 s after SIGTERM");
}
