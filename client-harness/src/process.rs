//! The provider as a separate process (the `provider` binary, `serve`), for what an in-process
//! launch cannot show: several processes on one database, and a process killed outright.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The `provider` binary beside the running test's own (`target/<profile>/provider`): built by
/// `cargo test --workspace` (and by ci/test.sh before it), or `None`.
pub fn binary() -> Option<PathBuf> {
    let test = std::env::current_exe().ok()?;
    // target/<profile>/deps/<test> -> target/<profile>/provider
    let path = test.parent()?.parent()?.join(format!("provider{}", std::env::consts::EXE_SUFFIX));
    path.is_file().then_some(path)
}

/// A running `provider serve`. Dropping it kills it.
pub struct Instance {
    /// Where it listens (its own address, not necessarily the issuer).
    pub url: String,
    /// The port it listens on.
    pub port: u16,
    child: Child,
}

impl Instance {
    /// Starts `binary` with the Basic profile and the fixtures on `port`, with `issuer` (its
    /// own URL, or a balancer's in front of several instances) and `storage`, and waits until
    /// it listens.
    pub async fn start(binary: &std::path::Path, port: u16, issuer: &str, storage: &str) -> Self {
        Self::start_with(binary, port, issuer, storage, &[]).await
    }

    /// Like [`start`](Self::start), with more settings as `OP_*` variables (later flags of the
    /// fixtures, such as `--keys`, win over them; give `OP_KEYS__FILE` only with no `--keys`).
    pub async fn start_with(
        binary: &std::path::Path,
        port: u16,
        issuer: &str,
        storage: &str,
        env: &[(&str, &str)],
    ) -> Self {
        let fixtures = crate::fixtures();
        let keys = env.iter().find(|(name, _)| *name == "OP_KEYS__FILE").map(|(_, file)| PathBuf::from(file));
        let child = Command::new(binary)
            .args(["serve", "--profile", "basic", "--issuer", issuer, "--port", &port.to_string()])
            .args(["--storage", storage])
            .arg("--clients")
            .arg(fixtures.join("clients.json"))
            .arg("--users")
            .arg(fixtures.join("users.json"))
            .arg("--keys")
            .arg(keys.unwrap_or_else(|| fixtures.join("keys/jwks.json")))
            .envs(env.iter().copied())
            .arg("--config")
            .arg(fixtures.join("provider.toml"))
            .env("OP_LOG__LEVEL", "error")
            // The tests' own variable, which the provider would name as setting nothing.
            .env_remove("OP_TEST_POSTGRES_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the provider binary starts");
        crate::launch::wait_until_listening(port).await;
        Self { url: format!("http://127.0.0.1:{port}"), port, child }
    }

    /// Kills the process outright (SIGKILL on Unix: no shutdown, no flush) and waits for it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
