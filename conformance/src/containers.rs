//! Where a Docker engine exists: the suite started with testcontainers, laid out as the suite's
//! own `docker-compose-prebuilt.yml` lays it out (MongoDB, the suite's server, and its nginx TLS
//! front, on one private network), and the provider started from its binary with the profile,
//! over HTTPS, where the suite's containers reach it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use testcontainers::core::{Host, IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

/// The suite's base URL once started: its nginx front on the host's port 8443. The name
/// resolves to 127.0.0.1 on the host and, as a network alias, to nginx inside the network, so
/// the suite's own callbacks and its browser reach the same place.
pub const SUITE_URL: &str = "https://localhost.emobix.co.uk:8443";
/// The suite release whose prebuilt images are used (the last that runs on Java 17).
pub const SUITE_TAG: &str = "release-v5.1.43";
/// Where the provider listens on the host.
const PROVIDER_PORT: u16 = 3000;
/// The provider's issuer, as the suite's containers reach the host.
pub const PROVIDER_ISSUER: &str = "https://host.docker.internal:3000";

/// Whether a Docker engine answers here; the reason if not.
pub fn docker_available() -> Result<(), String> {
    let socket = match std::env::var("DOCKER_HOST") {
        Ok(host) => match host.strip_prefix("unix://") {
            Some(path) => PathBuf::from(path),
            // A TCP engine: testcontainers reports it if it does not answer.
            None => return Ok(()),
        },
        Err(_) => PathBuf::from("/var/run/docker.sock"),
    };
    std::os::unix::net::UnixStream::connect(&socket)
        .map(drop)
        .map_err(|e| format!("no Docker engine at {} ({e})", socket.display()))
}

/// The suite's three containers; dropping it removes them.
pub struct StartedSuite {
    _containers: (ContainerAsync<GenericImage>, ContainerAsync<GenericImage>, ContainerAsync<GenericImage>),
}

/// Starts MongoDB, the suite's server (dev mode: no login, no API token) and its TLS front,
/// and waits until the server logs that it has started.
pub async fn start_suite(tag: &str) -> Result<StartedSuite, String> {
    let network = format!("rust-op-conformance-{}", std::process::id());
    let failed = |what: &str| {
        let what = what.to_string();
        move |e: testcontainers::TestcontainersError| format!("starting {what}: {e}")
    };
    // Container names double as host names on the network: nginx forwards to `server`, and
    // the server reads MONGODB_HOST.
    let mongo = GenericImage::new("mongo", "6.0.13")
        .with_wait_for(WaitFor::message_on_stdout("Waiting for connections"))
        .with_network(&network)
        .with_container_name("mongodb")
        .start()
        .await
        .map_err(failed("MongoDB"))?;
    let server = GenericImage::new("registry.gitlab.com/openid/conformance-suite", tag)
        .with_wait_for(WaitFor::message_on_stdout("Started Application"))
        .with_network(&network)
        .with_container_name("server")
        .with_env_var("BASE_URL", SUITE_URL)
        .with_env_var("BASE_MTLS_URL", "https://localhost.emobix.co.uk:8444")
        .with_env_var("MONGODB_HOST", "mongodb")
        .with_env_var("SPRING_PROFILES_ACTIVE", "dev")
        // The provider runs on the host.
        .with_host("host.docker.internal", Host::HostGateway)
        .with_startup_timeout(Duration::from_secs(300))
        .start()
        .await
        .map_err(failed("the suite's server"))?;
    let nginx = GenericImage::new("registry.gitlab.com/openid/conformance-suite/nginx", tag)
        .with_network(&network)
        .with_container_name("localhost.emobix.co.uk")
        .with_mapped_port(8443, 8443.tcp())
        .with_mapped_port(8444, 8444.tcp())
        .start()
        .await
        .map_err(failed("the suite's nginx front"))?;
    Ok(StartedSuite { _containers: (mongo, server, nginx) })
}

/// The provider as a child process; dropping it stops the provider.
pub struct StartedProvider {
    child: Child,
    /// The issuer, as the suite's containers reach it.
    pub issuer: String,
}

impl Drop for StartedProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `binary serve --profile PROFILE` over HTTPS with the fixtures (clients, users, keys,
/// the test certificate) from the repository at `root`, and `env` (`OP_*` settings), and waits
/// until discovery answers.
pub async fn start_provider(
    binary: &Path,
    root: &Path,
    profile: &str,
    env: &BTreeMap<String, String>,
) -> Result<StartedProvider, String> {
    let issuer = PROVIDER_ISSUER.to_string();
    let fixture = |p: &str| root.join("fixtures").join(p).display().to_string();
    let child = Command::new(binary)
        .args(["serve", "--profile", profile, "--issuer", &issuer, "--address", "0.0.0.0"])
        .args(["--port", &PROVIDER_PORT.to_string(), "--storage", "memory:"])
        .args(["--clients", &fixture("clients.json"), "--users", &fixture("users.json")])
        .args(["--keys", &fixture("keys/jwks.json")])
        .env("OP_TLS__CERT", fixture("tls/server.pem"))
        .env("OP_TLS__KEY", fixture("tls/server.key"))
        .envs(env)
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    let mut provider = StartedProvider { child, issuer };
    let http = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .map_err(|e| format!("an HTTP client: {e}"))?;
    let discovery = format!("https://127.0.0.1:{PROVIDER_PORT}/.well-known/openid-configuration");
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = provider.child.try_wait() {
            return Err(format!("the provider exited with {status}"));
        }
        if http.get(&discovery).send().await.is_ok_and(|r| r.status().is_success()) {
            return Ok(provider);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = provider.child.kill();
    Err(format!("the provider did not answer {discovery} within 30 s"))
}
