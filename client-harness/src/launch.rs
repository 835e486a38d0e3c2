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
    /// Clients registered besides the fixtures (for metadata that points at a test server).
    pub extra_clients: Vec<serde_json::Value>,
    /// Serve HTTPS with the fixture certificate (`fixtures/tls`).
    pub tls: bool,
    /// Configuration keys to set, dotted (`("ttl.refresh_token_grace", 1.into())`).
    pub settings: Vec<(&'static str, figment::value::Value)>,
    /// The fixture clients file (in `fixtures/`): a FAPI profile runs with its own, since it
    /// refuses to start with clients its policy forbids.
    pub clients_fixture: &'static str,
    /// The fixture configuration layered over the profile (resource servers), if any.
    pub config_fixture: Option<&'static str>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            profile: "basic".into(),
            storage: Storage::Memory,
            port: None,
            extra_clients: Vec::new(),
            tls: false,
            settings: Vec::new(),
            clients_fixture: "clients.json",
            config_fixture: Some("provider.toml"),
        }
    }
}

impl Options {
    /// The defaults with another profile.
    pub fn profile(name: &str) -> Self {
        Self { profile: name.into(), ..Self::default() }
    }

    /// The defaults with one configuration key set.
    pub fn with(key: &'static str, value: impl Into<figment::value::Value>) -> Self {
        Self { settings: vec![(key, value.into())], ..Self::default() }
    }
}

/// A running provider. Dropping it shuts the server down.
pub struct TestProvider {
    /// The issuer identifier.
    pub issuer: String,
    /// The port it listens on (0 for an external issuer).
    pub port: u16,
    _clients_file: Option<tempfile::NamedTempFile>,
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
    try_launch(options).await.unwrap_or_else(|e| panic!("provider start: {e}"))
}

/// Like [`launch`], but returns why the provider refused to start.
pub async fn try_launch(options: Options) -> Result<TestProvider, String> {
    crate::http::install_crypto();
    if let Ok(issuer) = std::env::var("HARNESS_ISSUER") {
        return Ok(TestProvider { issuer, port: 0, _clients_file: None, shutdown: None, task: None });
    }
    let port = options.port.unwrap_or_else(free_port);
    let scheme = if options.tls { "https" } else { "http" };
    let issuer = format!("{scheme}://127.0.0.1:{port}");
    let fixtures = crate::fixtures();
    let storage = match &options.storage {
        Storage::Memory => "memory:".to_string(),
        Storage::Sqlite(path) => format!("sqlite:{}", path.display()),
    };
    let mut overrides = figment::value::Dict::new();
    overrides.insert("issuer".into(), issuer.clone().into());
    overrides.insert("port".into(), port.into());
    overrides.insert("storage".into(), storage.into());
    let clients_file = clients_file(options.clients_fixture, &options.extra_clients);
    overrides.insert("clients_file".into(), clients_file.path().display().to_string().into());
    // The harness serves client documents (jwks_uri, request_uri, ...) from wiremock on loopback.
    let mut outbound = figment::value::Dict::new();
    outbound.insert("allow_http_loopback".into(), true.into());
    overrides.insert("outbound".into(), outbound.into());
    if options.tls {
        let mut tls = figment::value::Dict::new();
        tls.insert("cert".into(), fixtures.join("tls/server.pem").display().to_string().into());
        tls.insert("key".into(), fixtures.join("tls/server.key").display().to_string().into());
        overrides.insert("tls".into(), tls.into());
    }
    overrides.insert("users_file".into(), fixtures.join("users.json").display().to_string().into());
    let mut keys = figment::value::Dict::new();
    keys.insert("file".into(), fixtures.join("keys/jwks.json").display().to_string().into());
    keys.insert("generate".into(), false.into());
    overrides.insert("keys".into(), keys.into());
    // Last, so a test's settings win over the fixtures' (`keys.file` included).
    for (key, value) in &options.settings {
        set_dotted(&mut overrides, key, value.clone());
    }
    let sources = ConfigSources {
        profile: Some(options.profile.clone()),
        config_file: options.config_fixture.map(|name| fixtures.join(name)),
        overrides,
        ..Default::default()
    };
    let config = load(&sources).map_err(|e| format!("configuration refused: {e:?}"))?;
    let provider = Provider::new(config).await.map_err(|e| e.to_string())?;
    let figment = provider
        .rocket_figment()
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
    Ok(TestProvider { issuer, port, _clients_file: Some(clients_file), shutdown: Some(shutdown), task: Some(task) })
}

/// Sets `a.b.c` in nested dictionaries, keeping what is there.
fn set_dotted(dict: &mut figment::value::Dict, key: &str, value: figment::value::Value) {
    match key.split_once('.') {
        None => {
            dict.insert(key.into(), value);
        }
        Some((head, rest)) => {
            let entry = dict.entry(head.into()).or_insert_with(|| figment::value::Dict::new().into());
            if let figment::value::Value::Dict(_, inner) = entry {
                set_dotted(inner, rest, value);
            }
        }
    }
}

/// The fixture clients of `fixture` plus `extra`, in a temporary file.
fn clients_file(fixture: &str, extra: &[serde_json::Value]) -> tempfile::NamedTempFile {
    let text = std::fs::read_to_string(crate::fixtures().join(fixture)).expect("fixture clients");
    let mut clients: Vec<serde_json::Value> = serde_json::from_str(&text).expect("fixture clients are JSON");
    clients.extend(extra.iter().cloned());
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(file.path(), serde_json::to_vec(&clients).unwrap()).expect("clients written");
    file
}

/// A port nothing listens on now, on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

pub(crate) async fn wait_until_listening(port: u16) {
    // Ten seconds: a separate process may start slower than an in-process launch.
    for _ in 0..1000 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the provider did not start listening on port {port}");
}
