//! Shared set-up for the tests that run the `provider` binary as an operator does: a server
//! on a free loopback port, its log lines as they come, and requests over plain TCP.

// Each test file uses a part of this.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The repository's fixtures folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// The `provider` binary, without the host's `OP_*` variables ([`without_op_variables`]).
pub fn command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_provider"));
    without_op_variables(&mut cmd);
    // What a service manager gives it: no NO_COLOR, stderr not a terminal.
    cmd.env_remove("NO_COLOR");
    cmd
}

/// Keeps the host's `OP_*` variables, which would configure the provider, out of `cmd`: they
/// must not leak into these checks.
pub fn without_op_variables(cmd: &mut Command) {
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("OP_")) {
        cmd.env_remove(key);
    }
}

/// Spawns `command` with the fixture keys and `level` as its log filter; the process, and its
/// log lines (stderr, a pipe, so without colours) as they come.
pub fn spawn_logged(command: &mut Command, level: &str) -> (Child, mpsc::Receiver<String>) {
    let mut child = command
        .arg("--keys")
        .arg(fixtures().join("keys/jwks.json"))
        .env("OP_LOG__LEVEL", level)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, log) = mpsc::channel();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    std::thread::spawn(move || stderr.lines().map_while(Result::ok).try_for_each(|line| lines.send(line)));
    (child, log)
}

/// A running `provider serve`, killed (SIGKILL) when dropped, also when an assertion fails.
pub struct Server {
    /// The process.
    pub child: Child,
    /// Its loopback port.
    pub port: u16,
    /// Its log lines (stderr), as they come.
    pub log: mpsc::Receiver<String>,
}

impl Server {
    /// Serves on `port` (0: a free one) with `args` ([`spawn_logged`]); returns once Rocket
    /// has launched.
    pub fn start(port: u16, level: &str, args: &[&str]) -> Self {
        let port = match port {
            0 => TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(),
            port => port,
        };
        let mut serve = command();
        serve.args(["serve", "--port", &port.to_string(), "--issuer", &format!("http://127.0.0.1:{port}")]);
        let (child, log) = spawn_logged(serve.args(args), level);
        let server = Self { child, port, log };
        server.read_until("Rocket has launched");
        server
    }

    /// The server `child` became once it says where it listens (`provider listening on
    /// ADDRESS:PORT`, in text or JSON): for a server started with `--port 0`.
    pub fn announced(child: Child, log: mpsc::Receiver<String>) -> Self {
        let mut server = Self { child, port: 0, log };
        let lines = server.read_until("provider listening on 127.0.0.1:");
        let line = lines.last().map(String::as_str).unwrap_or_default();
        let after = line.split("provider listening on 127.0.0.1:").nth(1).unwrap_or_default();
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        server.port = digits.parse().unwrap_or_else(|_| panic!("no port in {line:?}"));
        server
    }

    /// Waits for a log line containing `text` and returns the lines read up to it.
    pub fn read_until(&self, text: &str) -> Vec<String> {
        let mut seen = Vec::new();
        while let Ok(line) = self.log.recv_timeout(Duration::from_secs(20)) {
            let found = line.contains(text);
            seen.push(line);
            if found {
                return seen;
            }
        }
        panic!("no log line with {text:?}; got {seen:#?}");
    }

    /// [`send`] to this server.
    pub fn send(&self, request_line: &str, headers: &str, body: &str) -> (u16, String) {
        send(self.port, request_line, headers, body)
    }

    /// Stops reading the log: the pipe's read end closes at the next line the server writes.
    pub fn close_log(&mut self) {
        self.log = mpsc::channel().1;
    }

    /// The status code of `request_line` sent with no header and no body.
    pub fn status(&self, request_line: &str) -> u16 {
        self.send(request_line, "", "").0
    }
}

/// Sends `request_line`, then `headers` (each ending in CRLF) and `body`, to the server on
/// `port` over a new connection; the response's status code and body.
pub fn send(port: u16, request_line: &str, headers: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let length = body.len();
    write!(
        stream,
        "{request_line}\r\nHost: 127.0.0.1\r\n{headers}Content-Length: {length}\r\nConnection: close\r\n\r\n{body}"
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let status = response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or_default();
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    (status, if chunked { dechunk(body) } else { body.to_string() })
}

/// A chunked body's data (RFC 9112 §7.1): each chunk is its size in hex, CRLF, the data, CRLF.
fn dechunk(mut chunks: &str) -> String {
    let mut data = String::new();
    while let Some((size, rest)) = chunks.split_once("\r\n") {
        let size = usize::from_str_radix(size.split(';').next().unwrap_or_default().trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        data.push_str(&rest[..size]);
        chunks = rest[size..].trim_start_matches("\r\n");
    }
    data
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
