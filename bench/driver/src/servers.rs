//! The servers under load, each a child process on loopback: the Rust provider (SQLite and
//! memory storage), the npm peer and the bare Rocket ceiling.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the binaries and files are.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The repository root.
    pub root: PathBuf,
    /// The release provider binary.
    pub provider: PathBuf,
    /// The release ceiling binary.
    pub ceiling: PathBuf,
    /// The Node.js that runs the peer.
    pub node: PathBuf,
}

/// The peer's package and runtime versions, as the report states them.
pub fn peer_version(paths: &Paths) -> String {
    let manifest = paths.root.join("bench/peer/node_modules/oidc-provider/package.json");
    let package = std::fs::read(&manifest)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|json| json["version"].as_str().map(String::from))
        .unwrap_or_else(|| "(version unknown)".into());
    let node = Command::new(&paths.node)
        .arg("--version")
        .output()
        .ok()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "(version unknown)".into());
    format!("npm `oidc-provider` {package} on Node.js {node}")
}

/// A running server.
/// Where the provider under load keeps its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Store {
    Sqlite,
    Memory,
    /// A `postgres://` URL (bench/run.sh starts a throwaway server).
    Postgres(String),
}

pub struct Server {
    /// Its column in the report.
    pub name: &'static str,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    child: Child,
    // The SQLite database's folder, removed with the server.
    _data: Option<tempfile::TempDir>,
}

impl Server {
    /// The Rust provider on `store`: SQLite in a fresh folder, memory, or a PostgreSQL database.
    pub fn provider(paths: &Paths, store: &Store, port: u16) -> Result<Self, String> {
        let data = match store {
            Store::Sqlite => Some(tempfile::tempdir().map_err(|e| e.to_string())?),
            _ => None,
        };
        let storage = match (store, &data) {
            (Store::Postgres(url), _) => url.clone(),
            (_, Some(dir)) => format!("sqlite:{}", dir.path().join("op.db").display()),
            (_, None) => "memory:".into(),
        };
        let base = format!("http://127.0.0.1:{port}");
        let mut command = Command::new(&paths.provider);
        command
            .current_dir(&paths.root)
            .args(["serve", "--profile", "basic", "--config", "bench/provider.toml"])
            .args(["--clients", "bench/clients.json", "--users", "fixtures/users.json"])
            .args(["--keys", "fixtures/keys/jwks.json", "--storage", &storage])
            .args(["--issuer", &base, "--port", &port.to_string()])
            .env("OP_LOG__LEVEL", "error");
        let name = match store {
            Store::Sqlite => "ours (SQLite)",
            Store::Memory => "ours (memory)",
            Store::Postgres(_) => "ours (PostgreSQL)",
        };
        Ok(Self { name, base, child: spawn(&mut command, name, port)?, _data: data })
    }

    /// The npm oidc-provider peer (`bench/peer`).
    pub fn peer(paths: &Paths, port: u16) -> Result<Self, String> {
        let mut command = Command::new(&paths.node);
        command.current_dir(&paths.root).arg("bench/peer/peer.mjs").env("PORT", port.to_string());
        let name = "peer (oidc-provider)";
        Ok(Self {
            name,
            base: format!("http://127.0.0.1:{port}"),
            child: spawn(&mut command, name, port)?,
            _data: None,
        })
    }

    /// The bare Rocket ceiling (`bench/ceiling`).
    pub fn ceiling(paths: &Paths, port: u16) -> Result<Self, String> {
        let mut command = Command::new(&paths.ceiling);
        command.env("PORT", port.to_string());
        let name = "ceiling (bare Rocket)";
        Ok(Self {
            name,
            base: format!("http://127.0.0.1:{port}"),
            child: spawn(&mut command, name, port)?,
            _data: None,
        })
    }

    /// Waits until `path` answers 200, for at most 30 s.
    pub async fn ready(&mut self, http: &reqwest::Client, path: &str) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("{} exited with {status}", self.name));
            }
            if let Ok(response) = http.get(format!("{}{path}", self.base)).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("{} did not answer {path} within 30 s", self.name))
    }

    /// Resident memory in MiB (VmRSS of /proc/PID/status).
    pub fn rss_mib(&self) -> f64 {
        rss_kib(&Path::new("/proc").join(self.child.id().to_string()).join("status")) as f64 / 1024.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a server that will listen on `port`, which must be free: otherwise a server left from
/// an earlier run would answer in its place, and be measured.
fn spawn(command: &mut Command, name: &str, port: u16) -> Result<Child, String> {
    if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        return Err(format!("{name}: port {port} is taken (a server left from an earlier run?)"));
    }
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::inherit());
    command.spawn().map_err(|e| format!("{name}: {e}"))
}

fn rss_kib(status: &Path) -> u64 {
    std::fs::read_to_string(status)
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or_default()
}
