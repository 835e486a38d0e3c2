//! Starting the provider under test, in-process on a free loopback port.

use provider::Provider;
use provider::config::{ConfigSources, load};
use std::path::PathBuf;

/// Where the provider keeps its records.
#[derive(Debug, Clone)]
pub enum Storage {
    /// Throwaway.
    Memory,
    /// A SQLite file (kept by the caller across restarts).
    Sqlite(PathBuf),
}

/// How to launch.
#[derive(Debug, Clone)]
pub struct Options {
    /// The profile name.
    pub profile: String,
    /// Storage.
    pub storage: Storage,
    /// A fixed port (to restart on the same issuer); `None` picks a free one.
    pub port: Option<u16>,
}

impl Default for Options {
    fn default() -> Self {
        Self { profile: "basic".into(), storage: Storage::Memory, port: None }
    }
}

/// A running provider. Dropping it shuts the server down.
pub struct TestProvider {
    /// The issuer identifier.
    pub issuer: String,
    /// The port it listens on (0 for an external issuer).
    pub port: u16,
    shutdown: Option<rocket::Shutdown>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestProvider {
    /// Whether this is an external provider (`HARNESS_ISSUER`), which the harness cannot restart.
    pub fn is_external(&self) -> bool {
        self.shutdown.is_none()
    }

    /// Stops the server and waits until it has let go of its storage.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            shutdown.notify();
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestProvider {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            shutdown.notify();
        }
    }
}

/// Launches the provider with the fixtures, or returns the external one named by `HARNESS_ISSUER`.
pub async fn launch(options: Options) -> TestProvider {
    crate::http::install_crypto();
    if let Ok(issuer) = std::env::var("HARNESS_ISSUER") {
        return TestProvider { issuer, port: 0, shutdown: None, task: None };
    }
    let port = options.port.unwrap_or_else(free_port);
    let issuer = format!("http://127.0.0.1:{port}");
    let fixtures = crate::fixtures();
    let storage = match &options.storage {
        Storage::Memory => "memory:".to_string(),
        Storage::Sqlite(path) => format!("sqlite:{}", path.display()),
    };
    let mut overrides = figment::value::Dict::new();
    overrides.insert("issuer".into(), issuer.clone().into());
    overrides.insert("port".into(), port.into());
    overrides.insert("storage".into(), storage.into());
    overrides.insert("clients_file".into(), fixtures.join("clients.json").display().to_string().into());
    overrides.insert("users_file".into(), fixtures.join("users.json").display().to_string().into());
    let mut keys = figment::value::Dict::new();
    keys.insert("file".into(), fixtures.join("keys/jwks.json").display().to_string().into());
    keys.insert("generate".into(), false.into());
    overrides.insert("keys".into(), keys.into());
    let sources = ConfigSources { profile: Some(options.profile.clone()), overrides, ..Default::default() };
    let config = load(&sources).unwrap_or_else(|e| panic!("fixture configuration: {e:?}"));
    let provider = Provider::new(config).await.unwrap_or_else(|e| panic!("provider start: {e}"));
    let figment = rocket::Config::figment()
        .merge(("address", "127.0.0.1"))
        .merge(("port", port))
        .merge(("log_level", rocket::config::LogLevel::Off))
        .merge(("shutdown.grace", 0))
        .merge(("shutdown.mercy", 0))
        .merge(("shutdown.ctrlc", false));
    let base = provider.base_path().to_string();
    let rocket = provider.mount(rocket::custom(figment), &base).ignite().await.expect("rocket ignites");
    let shutdown = rocket.shutdown();
    let task = tokio::spawn(async move {
        let _ = rocket.launch().await;
    });
    wait_until_listening(port).await;
    TestProvider { issuer, port, shutdown: Some(shutdown), task: Some(task) }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

async fn wait_until_listening(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the provider did not start listening on port {port}");
}
