//! Shared set-up for the provider's in-process tests.

#[allow(dead_code)] // each test binary uses what it needs
pub mod local;

use provider::Provider;
use provider::config::{Config, ConfigSources, load};
use std::path::PathBuf;

/// The repository's fixtures folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// Settings as a configuration file's sections would give them: `("registration", "enabled",
/// true)` is `[registration] enabled = true`.
#[allow(dead_code)] // each test binary uses what it needs
pub fn sections(settings: &[(&str, &str, figment::value::Value)]) -> figment::value::Dict {
    let mut overrides = figment::value::Dict::new();
    for (section, key, value) in settings {
        let table = overrides.entry(section.to_string()).or_insert_with(|| figment::value::Dict::new().into());
        if let figment::value::Value::Dict(_, table) = table {
            table.insert(key.to_string(), value.clone());
        }
    }
    overrides
}

/// A provider on memory storage with the fixture clients, users and keys.
#[allow(dead_code)] // each test binary uses what it needs
pub async fn provider(issuer: &str) -> Provider {
    provider_on(issuer, "memory:").await
}

/// A provider on `storage` with the fixture clients, users and keys.
pub async fn provider_on(issuer: &str, storage: &str) -> Provider {
    provider_with(issuer, storage, figment::value::Dict::new()).await
}

/// The same, with more settings (`overrides` as a configuration file would give them).
pub async fn provider_with(issuer: &str, storage: &str, overrides: figment::value::Dict) -> Provider {
    provider_from(issuer, storage, None, overrides).await
}

/// A provider on memory storage with the fixture configuration file too (its resource servers).
#[allow(dead_code)]
pub async fn provider_with_resource_servers(issuer: &str) -> Provider {
    provider_from(issuer, "memory:", Some(fixtures().join("provider.toml")), figment::value::Dict::new()).await
}

async fn provider_from(
    issuer: &str,
    storage: &str,
    config_file: Option<PathBuf>,
    overrides: figment::value::Dict,
) -> Provider {
    Provider::new(fixture_config(issuer, storage, config_file, overrides)).await.expect("provider")
}

/// The configuration the helpers above build a provider from, for tests that build it themselves.
pub fn fixture_config(
    issuer: &str,
    storage: &str,
    config_file: Option<PathBuf>,
    mut overrides: figment::value::Dict,
) -> Config {
    overrides.insert("issuer".into(), issuer.into());
    overrides.insert("storage".into(), storage.into());
    overrides.insert("clients_file".into(), fixtures().join("clients.json").display().to_string().into());
    overrides.insert("users_file".into(), fixtures().join("users.json").display().to_string().into());
    let mut keys = figment::value::Dict::new();
    keys.insert("file".into(), fixtures().join("keys/jwks.json").display().to_string().into());
    keys.insert("generate".into(), false.into());
    overrides.insert("keys".into(), keys.into());
    load(&ConfigSources { overrides, config_file, ..Default::default() }).expect("fixture config")
}
