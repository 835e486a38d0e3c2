//! `provider storage`: the schema's migrations, and copying every record between backends.

use super::{Settings, load_or_report};
use clap::Subcommand;
use provider::storage::{self, StorageOptions, StorageUrl, Upgrade, schema};
use std::process::ExitCode;

#[derive(Subcommand)]
pub(crate) enum StorageCommand {
    /// Bring the storage's schema to this provider's version (serve refuses an older one unless
    /// storage_migrate is set, and always a newer one). Run it once per deployment, before the
    /// new version's instances start.
    Migrate(Settings),
    /// Copy every live record (clients, sessions, grants, codes, tokens, queued notifications,
    /// the pairwise salt) from one storage to another, e.g. from sqlite:PATH to postgres://…,
    /// keeping expiry and consumption. Stop the providers first; the target gets the schema if
    /// it is empty.
    Copy {
        /// The storage to copy from (sqlite:PATH or postgres://…).
        from: String,
        /// The storage to copy to (sqlite:PATH or postgres://…).
        to: String,
    },
}

pub(crate) fn run(command: StorageCommand) -> ExitCode {
    let outcome = tokio::runtime::Runtime::new().map_err(|e| e.to_string()).and_then(|runtime| {
        runtime.block_on(async move {
            match command {
                StorageCommand::Migrate(settings) => migrate(settings).await,
                StorageCommand::Copy { from, to } => copy(&from, &to).await,
            }
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

/// The schema versions a storage URL's backend knows, or why it has none.
fn migrations_of(url: &str) -> Result<&'static [schema::Migration], String> {
    match StorageUrl::parse(url)? {
        StorageUrl::Sqlite(_) => Ok(schema::SQLITE),
        StorageUrl::Postgres(_) => Ok(schema::POSTGRES),
        StorageUrl::Memory => Err("memory: has no schema, and nothing to copy".into()),
    }
}

async fn migrate(settings: Settings) -> Result<(), String> {
    let config = load_or_report(&settings).ok_or("the configuration is invalid")?;
    let latest = migrations_of(&config.storage)?.last().map_or(0, |m| m.version);
    let options = StorageOptions { upgrade: Upgrade::Apply, ..config.storage_options() };
    storage::open(&config.storage, &options).await.map_err(|e| e.to_string())?;
    println!("{}: schema at version {latest}", config.storage_shown());
    Ok(())
}

async fn copy(from: &str, to: &str) -> Result<(), String> {
    migrations_of(from)?;
    migrations_of(to)?;
    let options = StorageOptions::default();
    let source = storage::open(from, &options).await.map_err(|e| format!("from: {e}"))?;
    let target = storage::open(to, &options).await.map_err(|e| format!("to: {e}"))?;
    let copied = storage::copy(&*source, &*target).await.map_err(|e| e.to_string())?;
    for (kind, count) in copied.iter().filter(|(_, count)| *count > 0) {
        println!("{}\t{count}", kind.as_str());
    }
    println!("copied {} records", copied.iter().map(|(_, count)| count).sum::<usize>());
    Ok(())
}
