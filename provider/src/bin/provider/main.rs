//! The `provider` binary: serve, check the configuration, hash passwords, manage keys,
//! clients and storage.

mod clients;
mod storage;

use clap::{Args, Parser, Subcommand};
use provider::Provider;
use provider::config::{ConfigSources, load};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc rather than the system allocator: a request allocates many small short-lived
/// values from several threads, where glibc's malloc took a sixth of the provider's CPU time
/// under load (docs/performance.md). A host application mounting the library picks its own.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A conformance-focused OAuth 2.0 Authorization Server and OpenID Connect Provider.
#[derive(Parser)]
#[command(name = "provider", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the provider.
    Serve(Settings),
    /// Print the effective configuration (secrets redacted) and check it.
    CheckConfig(Settings),
    /// Print an argon2id hash of a password, for a users file. Reads the password from stdin if not given.
    HashPassword {
        /// The password (prefer stdin: arguments end up in shell history).
        password: Option<String>,
    },
    /// List the profiles compiled into this binary.
    Profiles,
    /// Ask a running provider whether it is ready (its /readyz), for a container's healthcheck:
    /// exit 0 if it is, 1 if not. Reads the same configuration as serve to find it.
    Health {
        /// The URL to ask instead.
        #[arg(long)]
        url: Option<String>,
        #[command(flatten)]
        settings: Settings,
    },
    /// Manage keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Migrate the storage's schema, or copy every record to another storage.
    #[command(subcommand)]
    Storage(storage::StorageCommand),
    /// Manage clients on the provider's storage (not memory:), without HTTP.
    #[command(subcommand)]
    Clients(clients::ClientsCommand),
    /// List and end browser sessions on the provider's storage (not memory:).
    #[cfg(feature = "logout")]
    #[command(subcommand)]
    Sessions(clients::SessionsCommand),
    /// Mint an initial access token for dynamic registration (RFC 7591 §3) and print it; only
    /// its hash is stored. Registration asks for one when
    /// registration.require_initial_access_token is set.
    #[cfg(feature = "registration")]
    RegistrationToken {
        /// Seconds the token stays valid; 0: until the storage is reset.
        #[arg(long, default_value_t = 7 * 24 * 3600)]
        expires_in: u64,
        /// Good for one registration only.
        #[arg(long)]
        single_use: bool,
        #[command(flatten)]
        settings: Settings,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Print a new private key as a JWK set: for a JWS alg (RS256, PS256, ES256, EdDSA) a signing
    /// key, for a JWE alg (RSA-OAEP-256, ECDH-ES, ...) an encryption key.
    Generate {
        /// The algorithm the key is for.
        #[arg(long)]
        alg: String,
    },
    /// Add a new signing key per configured algorithm to the keys file; older keys stay published
    /// until every token they signed has expired, then a later rotation removes them. A running
    /// provider picks the file up within keys.reload_interval seconds.
    Rotate(Settings),
}

/// Settings shared by every command that reads the configuration. Each flag has an `OP_*` variable and a TOML key.
#[derive(Args, Clone)]
struct Settings {
    /// A configuration file (TOML).
    #[arg(long, env = "OP_CONFIG")]
    config: Option<PathBuf>,
    /// A profile: an embedded name (see `provider profiles`) or a TOML file.
    #[arg(long, env = "OP_PROFILE")]
    profile: Option<String>,
    /// The issuer identifier [TOML: issuer].
    #[arg(long)]
    issuer: Option<String>,
    /// The address to bind [TOML: address].
    #[arg(long)]
    address: Option<String>,
    /// The port to bind; 0: any free port, named in the log [TOML: port].
    #[arg(long)]
    port: Option<u16>,
    /// Clients JSON file [TOML: clients_file].
    #[arg(long)]
    clients: Option<PathBuf>,
    /// Users JSON file [TOML: users_file].
    #[arg(long)]
    users: Option<PathBuf>,
    /// Storage: sqlite:PATH, postgres://USER:PASSWORD@HOST:PORT/DB or memory: [TOML: storage].
    #[arg(long)]
    storage: Option<String>,
    /// Signing keys JWKS file [TOML: keys.file].
    #[arg(long)]
    keys: Option<PathBuf>,
}

impl Settings {
    fn sources(&self) -> ConfigSources {
        let mut overrides = figment::value::Dict::new();
        let mut set = |key: &str, value: Option<String>| {
            if let Some(value) = value {
                overrides.insert(key.into(), value.into());
            }
        };
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        set("issuer", self.issuer.clone());
        set("address", self.address.clone());
        set("clients_file", path(&self.clients));
        set("users_file", path(&self.users));
        set("storage", self.storage.clone());
        if let Some(port) = self.port {
            overrides.insert("port".into(), port.into());
        }
        if let Some(keys) = path(&self.keys) {
            let mut section = figment::value::Dict::new();
            section.insert("file".into(), keys.into());
            overrides.insert("keys".into(), section.into());
        }
        ConfigSources { profile: self.profile.clone(), config_file: self.config.clone(), overrides, environment: true }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(settings) => serve(settings),
        Command::CheckConfig(settings) => check_config(settings),
        Command::HashPassword { password } => hash_password(password),
        Command::Keys(KeysCommand::Generate { alg }) => match provider::keys::generate_jwk(&alg) {
            Ok(jwk) => {
                println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "keys": [jwk] })).unwrap_or_default());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        Command::Keys(KeysCommand::Rotate(settings)) => rotate_keys(settings),
        Command::Storage(command) => storage::run(command),
        Command::Clients(command) => clients::run(command),
        #[cfg(feature = "logout")]
        Command::Sessions(command) => clients::sessions(command),
        #[cfg(feature = "registration")]
        Command::RegistrationToken { expires_in, single_use, settings } => {
            clients::registration_token(expires_in, single_use, &settings)
        }
        Command::Health { url, settings } => health(url, &settings),
        Command::Profiles => {
            for name in provider::config::embedded_profiles() {
                println!("{name}");
            }
            ExitCode::SUCCESS
        }
    }
}

fn load_or_report(settings: &Settings) -> Option<provider::config::Config> {
    match load(&settings.sources()) {
        Ok(config) => Some(config),
        Err(errors) => {
            eprintln!("invalid configuration:");
            for error in errors {
                eprintln!("  {error}");
            }
            None
        }
    }
}

fn check_config(settings: Settings) -> ExitCode {
    let Some(config) = load_or_report(&settings) else {
        return ExitCode::FAILURE;
    };
    for name in provider::config::unrecognised_environment() {
        eprintln!("warning: {name} sets no configuration key; ignored");
    }
    print!("{}", config.redacted_toml());
    ExitCode::SUCCESS
}

fn serve(settings: Settings) -> ExitCode {
    let Some(config) = load_or_report(&settings) else {
        return ExitCode::FAILURE;
    };
    init_tracing(&config.log);
    for name in provider::config::unrecognised_environment() {
        tracing::warn!(variable = %name, "an OP_ variable sets no configuration key; ignored");
    }
    raise_open_file_limit();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let provider = match Provider::new(config).await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!("the provider cannot start: {e}");
                return ExitCode::FAILURE;
            }
        };
        let announce = announcement(&provider);
        let serving = provider.rocket().attach(announce).launch();
        let outcome = match provider.metrics_rocket() {
            // Whichever listener stops first (a signal stops both) ends the process.
            Some(metrics) => tokio::select! {
                served = serving => served.map(drop),
                scraped = metrics.attach(metrics_announcement()).launch() => scraped.map(drop),
            },
            None => serving.await.map(drop),
        };
        match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!("the server failed: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Says where the metrics listener listens, once it does.
fn metrics_announcement() -> rocket::fairing::AdHoc {
    rocket::fairing::AdHoc::on_liftoff("announce metrics", |rocket| {
        Box::pin(async move {
            let config = rocket.config();
            tracing::info!("metrics listening on {}:{}", config.address, config.port);
        })
    })
}

/// Says where the provider listens once it does: the port is the bound one (`--port 0` picks
/// any), and a port already in use is reported as a failure, not announced first.
fn announcement(provider: &Provider) -> rocket::fairing::AdHoc {
    let issuer = provider.issuer().to_string();
    let profile = provider.config().profile.to_string();
    let clients = provider.clients().configured();
    let storage = provider.config().storage_shown();
    rocket::fairing::AdHoc::on_liftoff("announce", move |rocket| {
        Box::pin(async move {
            let config = rocket.config();
            tracing::info!(%issuer, %profile, clients, %storage, "provider listening on {}:{}", config.address, config.port);
        })
    })
}

/// Raises the soft limit on open files to the hard one, as Go's runtime does: each connection
/// holds a descriptor, and a service manager's soft default (often 1,024) caps concurrent
/// clients, and idle or unfinished connections, far below what the host allows.
fn raise_open_file_limit() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let Rlimit { current, maximum } = getrlimit(Resource::Nofile);
    // An unlimited hard limit (some BSDs) cannot be the soft one; a million descriptors will do.
    let wanted = maximum.unwrap_or(1 << 20);
    if current.is_some_and(|current| current < wanted) {
        match setrlimit(Resource::Nofile, Rlimit { current: Some(wanted), maximum }) {
            Ok(()) => tracing::debug!(from = current, to = wanted, "raised the open file limit"),
            Err(e) => tracing::debug!(error = %e, "could not raise the open file limit"),
        }
    }
}

/// GETs the readiness endpoint of the provider this configuration describes, on loopback.
fn health(url: Option<String>, settings: &Settings) -> ExitCode {
    let url = match url {
        Some(url) => url,
        None => {
            let Some(config) = load_or_report(settings) else { return ExitCode::FAILURE };
            let scheme = if config.tls.is_some() { "https" } else { "http" };
            let base = url::Url::parse(&config.issuer).map(|u| u.path().trim_end_matches('/').to_string());
            format!("{scheme}://127.0.0.1:{}{}/readyz", config.port, base.unwrap_or_default())
        }
    };
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        return ExitCode::FAILURE;
    };
    runtime.block_on(async {
        // A probe of our own process on loopback asks whether it answers, not who it is: the
        // certificate names the public host, not 127.0.0.1.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .timeout(std::time::Duration::from_secs(5))
            .build();
        match client.map(|c| c.get(&url)) {
            Ok(request) => match request.send().await {
                Ok(response) if response.status().is_success() => ExitCode::SUCCESS,
                Ok(response) => {
                    eprintln!("{url}: {}", response.status());
                    ExitCode::FAILURE
                }
                Err(e) => {
                    eprintln!("{url}: {e}");
                    ExitCode::FAILURE
                }
            },
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        }
    })
}

fn rotate_keys(settings: Settings) -> ExitCode {
    let Some(config) = load_or_report(&settings) else { return ExitCode::FAILURE };
    let algs: Vec<provider::keys::SigningAlg> =
        config.keys.signing_algs.iter().filter_map(|a| a.parse().ok()).collect();
    // Tokens signed by a superseded key stay verifiable for as long as the longest-lived of them.
    let retire_after = std::time::Duration::from_secs(config.ttl.id_token.max(config.ttl.access_token));
    match provider::keys::rotate(&config.keys.file, &algs, retire_after) {
        Ok(rotation) => {
            println!("added: {}", rotation.added.join(", "));
            println!(
                "removed: {}",
                if rotation.removed.is_empty() { "none".to_string() } else { rotation.removed.join(", ") }
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn hash_password(password: Option<String>) -> ExitCode {
    let password = match password {
        Some(p) => p,
        None => {
            let mut input = String::new();
            if std::io::stdin().read_to_string(&mut input).is_err() {
                eprintln!("cannot read the password from stdin");
                return ExitCode::FAILURE;
            }
            input.trim_end_matches(['\n', '\r']).to_string()
        }
    };
    if password.is_empty() {
        eprintln!("the password is empty");
        return ExitCode::FAILURE;
    }
    match provider::accounts::hash_password(&password) {
        Ok(hash) => {
            println!("{hash}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(log: &provider::config::LogConfig) {
    use tracing_subscriber::util::SubscriberInitExt;
    // Also forwards the `log` crate's records (Rocket's), up to the filter's most verbose level.
    // Colours only for a person at a terminal, and not even then with NO_COLOR (no-color.org).
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none();
    if let Err(e) = provider::logging::subscriber(log, std::io::stderr, ansi).try_init() {
        eprintln!("cannot set up logging: {e}");
    }
}
