//! `provider clients …`, `provider registration-token` and `provider sessions …`: managing
//! clients and sessions on the provider's storage, without HTTP. A provider serving from the
//! same storage sees every change at once.

use super::{Settings, load_or_report};
use clap::Subcommand;
use provider::Provider;
use provider::storage::StorageUrl;
#[cfg(feature = "registration")]
use std::path::PathBuf;
use std::process::ExitCode;

/// The `clients` subcommands.
#[derive(Subcommand)]
pub(crate) enum ClientsCommand {
    /// Register a client from a JSON file of its metadata (OIDC Registration 1.0 names; `-`
    /// reads stdin), with the checks of the registration endpoint. Prints the registration:
    /// client_id, any client_secret, and the registration_access_token that manages it.
    #[cfg(feature = "registration")]
    Add {
        /// The metadata file.
        file: PathBuf,
        #[command(flatten)]
        settings: Settings,
    },
    /// List every client: configured ones (from the clients file) and registered ones.
    List {
        #[command(flatten)]
        settings: Settings,
    },
    /// Print a client's metadata, without its secret.
    Show {
        /// The client_id. Generated ids may begin with `-`, so one is read as a value.
        #[arg(allow_hyphen_values = true)]
        client_id: String,
        #[command(flatten)]
        settings: Settings,
    },
    /// Remove a registered client; its tokens stop working. Configured clients are removed from
    /// the clients file instead.
    Remove {
        /// The client_id. Generated ids may begin with `-`, so one is read as a value.
        #[arg(allow_hyphen_values = true)]
        client_id: String,
        #[command(flatten)]
        settings: Settings,
    },
}

/// The `sessions` subcommands.
#[cfg(feature = "logout")]
#[derive(Subcommand)]
pub(crate) enum SessionsCommand {
    /// List the live sessions: id, account, login time, the clients each authorized.
    List {
        /// Only this account's (its `sub`).
        #[arg(long)]
        user: Option<String>,
        #[command(flatten)]
        settings: Settings,
    },
    /// End a session as a logout does: its tokens without offline_access are revoked and its
    /// clients told over the back channel.
    Revoke {
        /// The session id, as `sessions list` prints it (it may begin with `-`).
        #[arg(allow_hyphen_values = true)]
        sid: String,
        #[command(flatten)]
        settings: Settings,
    },
}

/// Runs a `sessions` subcommand.
#[cfg(feature = "logout")]
pub(crate) fn sessions(command: SessionsCommand) -> ExitCode {
    match command {
        SessionsCommand::List { user, settings } => with_provider(&settings, move |op| async move {
            let found = provider::operator::sessions(&op, user.as_deref()).await.map_err(|e| e.to_string())?;
            for session in found {
                println!(
                    "{}\t{}\t{}\t{}",
                    session.sid,
                    session.account_id,
                    session.auth_time,
                    session.clients.join(",")
                );
            }
            Ok(())
        }),
        SessionsCommand::Revoke { sid, settings } => with_provider(&settings, move |op| async move {
            match provider::operator::end_session(&op, &sid).await.map_err(|e| e.to_string())? {
                true => {
                    println!("ended {sid}");
                    Ok(())
                }
                false => Err(format!("no session {sid:?}")),
            }
        }),
    }
}

/// Runs a `clients` subcommand.
pub(crate) fn run(command: ClientsCommand) -> ExitCode {
    match command {
        #[cfg(feature = "registration")]
        ClientsCommand::Add { file, settings } => with_provider(&settings, |op| add(op, file)),
        ClientsCommand::List { settings } => with_provider(&settings, list),
        ClientsCommand::Show { client_id, settings } => with_provider(&settings, |op| show(op, client_id)),
        ClientsCommand::Remove { client_id, settings } => with_provider(&settings, |op| remove(op, client_id)),
    }
}

/// Mints an initial access token for registration and prints it.
#[cfg(feature = "registration")]
pub(crate) fn registration_token(expires_in: u64, single_use: bool, settings: &Settings) -> ExitCode {
    with_provider(settings, move |op| async move {
        let ttl = (expires_in > 0).then(|| std::time::Duration::from_secs(expires_in));
        let token =
            provider::operator::mint_registration_token(&op, ttl, single_use).await.map_err(|e| e.to_string())?;
        println!("{token}");
        Ok(())
    })
}

/// Builds the provider the settings describe (without serving it) and runs `task` with it.
fn with_provider<F, T>(settings: &Settings, task: F) -> ExitCode
where
    F: FnOnce(Provider) -> T,
    T: Future<Output = Result<(), String>>,
{
    let Some(config) = load_or_report(settings) else { return ExitCode::FAILURE };
    if StorageUrl::parse(&config.storage) == Ok(StorageUrl::Memory) {
        eprintln!(
            "storage is memory:, which lives and dies with one process; name the storage the provider serves from (--storage sqlite:PATH)"
        );
        return ExitCode::FAILURE;
    }
    let outcome = tokio::runtime::Runtime::new().map_err(|e| e.to_string()).and_then(|runtime| {
        runtime.block_on(async move {
            let op = Provider::new(config).await.map_err(|e| e.to_string())?;
            task(op).await
        })
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "registration")]
async fn add(op: Provider, file: PathBuf) -> Result<(), String> {
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| format!("stdin: {e}"))?
    } else {
        tokio::fs::read_to_string(&file).await.map_err(|e| format!("{}: {e}", file.display()))?
    };
    let metadata = serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", file.display()))?;
    let registered = provider::operator::add_client(&op, metadata).await.map_err(|e| e.to_string())?;
    println!("{}", serde_json::to_string_pretty(&registered).unwrap_or_default());
    Ok(())
}

async fn list(op: Provider) -> Result<(), String> {
    let clients = op.clients().list().await.map_err(|e| e.to_string())?;
    let name = |client: &provider::Client| client.client_name.clone().unwrap_or_default();
    for client in &clients.configured {
        println!("{}\tconfigured\t{}", client.client_id, name(client));
    }
    for registration in &clients.registered {
        println!("{}\tregistered\t{}", registration.client.client_id, name(&registration.client));
    }
    Ok(())
}

async fn show(op: Provider, client_id: String) -> Result<(), String> {
    match provider::operator::show_client(&op, &client_id).await.map_err(|e| e.to_string())? {
        Some(client) => {
            println!("{}", serde_json::to_string_pretty(&client).unwrap_or_default());
            Ok(())
        }
        None => Err(format!("no client {client_id:?}")),
    }
}

async fn remove(op: Provider, client_id: String) -> Result<(), String> {
    match op.clients().remove(&client_id).await {
        Ok(true) => {
            println!("removed {client_id}");
            Ok(())
        }
        Ok(false) => Err(format!("no registered client {client_id:?}")),
        Err(e) => Err(e.to_string()),
    }
}
