//! Layered configuration loading with figment.

use super::{Config, ConfigError, validate};
use figment::Figment;
use figment::providers::{Data, Env, Format, Serialized, Toml};
use std::path::{Path, PathBuf};

/// Profiles compiled into the binary, so `--profile NAME` works outside the repository.
const EMBEDDED_PROFILES: &[(&str, &str)] = &[
    #[cfg(feature = "basic")]
    ("basic", include_str!("../../../profiles/basic.toml")),
    #[cfg(feature = "implicit")]
    ("implicit", include_str!("../../../profiles/implicit.toml")),
    #[cfg(feature = "hybrid")]
    ("hybrid", include_str!("../../../profiles/hybrid.toml")),
    #[cfg(feature = "config")]
    ("config", include_str!("../../../profiles/config.toml")),
    #[cfg(feature = "dynamic")]
    ("dynamic", include_str!("../../../profiles/dynamic.toml")),
    #[cfg(feature = "formpost")]
    ("formpost", include_str!("../../../profiles/formpost.toml")),
    #[cfg(feature = "3rdparty-init")]
    ("3rdparty-init", include_str!("../../../profiles/3rdparty-init.toml")),
    #[cfg(feature = "rp-logout")]
    ("rp-logout", include_str!("../../../profiles/rp-logout.toml")),
    #[cfg(feature = "backchannel-logout")]
    ("backchannel-logout", include_str!("../../../profiles/backchannel-logout.toml")),
    #[cfg(feature = "frontchannel-logout")]
    ("frontchannel-logout", include_str!("../../../profiles/frontchannel-logout.toml")),
    #[cfg(feature = "fapi1-advanced")]
    ("fapi1-advanced", include_str!("../../../profiles/fapi1-advanced.toml")),
    #[cfg(feature = "fapi2-security-profile")]
    ("fapi2-security-profile", include_str!("../../../profiles/fapi2-security-profile.toml")),
    #[cfg(feature = "fapi2-message-signing")]
    ("fapi2-message-signing", include_str!("../../../profiles/fapi2-message-signing.toml")),
    #[cfg(feature = "ciba")]
    ("ciba", include_str!("../../../profiles/ciba.toml")),
    #[cfg(feature = "fapi-ciba")]
    ("fapi-ciba", include_str!("../../../profiles/fapi-ciba.toml")),
];

/// Spec-family features compiled into this build; profiles name what they need in `requires`.
pub const COMPILED_FEATURES: &[&str] = &[
    #[cfg(feature = "jar")]
    "jar",
    #[cfg(feature = "device-flow")]
    "device-flow",
    #[cfg(feature = "registration")]
    "registration",
    #[cfg(feature = "logout")]
    "logout",
    #[cfg(feature = "par")]
    "par",
    #[cfg(feature = "dpop")]
    "dpop",
    #[cfg(feature = "jarm")]
    "jarm",
    #[cfg(feature = "mtls")]
    "mtls",
    #[cfg(feature = "rar")]
    "rar",
    #[cfg(feature = "attestation")]
    "attestation",
    #[cfg(feature = "ciba")]
    "ciba",
];

/// The default profile: the first compiled in (Basic in a default build).
pub fn default_profile() -> &'static str {
    EMBEDDED_PROFILES.first().map(|(name, _)| *name).unwrap_or("basic")
}

/// Where configuration comes from, besides the defaults and `OP_*` environment variables.
#[derive(Debug, Default, Clone)]
pub struct ConfigSources {
    /// A profile name (embedded) or a path to a profile TOML file.
    pub profile: Option<String>,
    /// A config TOML file.
    pub config_file: Option<PathBuf>,
    /// Values given on the command line, highest precedence.
    pub overrides: figment::value::Dict,
    /// Whether to read `OP_*` environment variables (off in tests, so the host cannot leak in).
    pub environment: bool,
}

/// Loads, merges and validates the configuration.
pub fn load(sources: &ConfigSources) -> Result<Config, Vec<ConfigError>> {
    let profile = sources.profile.as_deref().unwrap_or(default_profile());
    let mut figment = Figment::from(Serialized::defaults(Config::default()))
        .merge(profile_provider(profile)?)
        .merge(Serialized::default("profile", profile_name(profile)));
    if let Some(file) = &sources.config_file {
        if !file.is_file() {
            return Err(vec![ConfigError::new("--config", format!("{} is not a file", file.display()))]);
        }
        figment = figment.merge(Toml::file_exact(file));
    }
    if sources.environment {
        // Only variables that name a setting: `OP_` is a common prefix (a password manager's
        // CLI sets `OP_SESSION_*`), and the others are reported by `unrecognised_environment`.
        let settings = setting_names();
        figment = figment.merge(
            Env::prefixed(ENV_PREFIX)
                .split("__")
                .filter(move |key| env_key(key.as_str(), &settings) == EnvKey::Setting),
        );
    }
    figment = figment.merge(Serialized::globals(&sources.overrides));
    let config: Config = figment.extract().map_err(|errors| {
        errors
            .into_iter()
            .map(|e| {
                // A file that does not parse has no key to name: name the file.
                let source = e.metadata.as_ref().and_then(|m| m.source.as_ref()).map(|s| s.to_string());
                let key = match (e.path.is_empty(), source) {
                    (false, _) => e.path.join("."),
                    (true, Some(source)) => source,
                    (true, None) => "(root)".to_string(),
                };
                ConfigError::new(key, e.kind.to_string())
            })
            .collect::<Vec<_>>()
    })?;
    validate(&config)?;
    Ok(config)
}

/// The prefix of the environment variables that set configuration keys.
const ENV_PREFIX: &str = "OP_";

/// Variables the command line reads itself (`--config`, `--profile`), not configuration keys.
const COMMAND_LINE_VARIABLES: &[&str] = &["config", "profile"];

/// The top-level configuration keys.
fn setting_names() -> Vec<String> {
    match serde_json::to_value(Config::default()) {
        Ok(serde_json::Value::Object(keys)) => keys.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// What an `OP_` variable is, by its key without the prefix (`TTL__ACCESS_TOKEN`, or
/// `ttl.access_token` as figment passes it on).
#[derive(Debug, PartialEq, Eq)]
enum EnvKey {
    /// It sets a configuration key.
    Setting,
    /// The command line reads it (`OP_CONFIG`, `OP_PROFILE`).
    CommandLine,
    /// It sets nothing: a typo, or another tool's variable.
    Unrecognised,
}

fn env_key(key: &str, settings: &[String]) -> EnvKey {
    let key = key.to_ascii_lowercase();
    let top = key.split("__").next().unwrap_or_default().split('.').next().unwrap_or_default();
    if COMMAND_LINE_VARIABLES.contains(&top) {
        EnvKey::CommandLine
    } else if settings.iter().any(|name| name == top) {
        EnvKey::Setting
    } else {
        EnvKey::Unrecognised
    }
}

/// The `OP_*` environment variables that set nothing, which the configuration ignores: the
/// caller warns of them by name (a typo, or another tool's variable).
pub fn unrecognised_environment() -> Vec<String> {
    let settings = setting_names();
    let mut names: Vec<String> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| name.strip_prefix(ENV_PREFIX).is_some_and(|key| env_key(key, &settings) == EnvKey::Unrecognised))
        .collect();
    names.sort();
    names
}

fn profile_provider(profile: &str) -> Result<Data<Toml>, Vec<ConfigError>> {
    if let Some((_, text)) = EMBEDDED_PROFILES.iter().find(|(name, _)| *name == profile) {
        return Ok(Toml::string(text));
    }
    let path = Path::new(profile);
    if path.is_file() {
        return Ok(Toml::file_exact(path));
    }
    let known: Vec<&str> = embedded_profiles().collect();
    Err(vec![ConfigError::new(
        "profile",
        format!("unknown profile {profile:?}; compiled in: {}; or give a path to a TOML file", known.join(", ")),
    )])
}

fn profile_name(profile: &str) -> String {
    Path::new(profile).file_stem().and_then(|s| s.to_str()).unwrap_or(profile).to_string()
}

/// The names of the profiles compiled into this binary.
pub fn embedded_profiles() -> impl Iterator<Item = &'static str> {
    EMBEDDED_PROFILES.iter().map(|(name, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> ConfigSources {
        ConfigSources::default()
    }

    #[test]
    fn defaults_and_basic_profile_load() {
        let config = load(&sources()).unwrap();
        assert_eq!(config.profile, default_profile());
        assert_eq!(config.ttl.authorization_code, 60);
    }

    #[test]
    fn overrides_win_over_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("op.toml");
        std::fs::write(&file, "port = 4000\nissuer = \"https://op.example\"\n").unwrap();
        let mut src = sources();
        src.config_file = Some(file);
        src.overrides.insert("port".into(), 5000.into());
        let config = load(&src).unwrap();
        assert_eq!(config.port, 5000);
        assert_eq!(config.issuer, "https://op.example");
    }

    #[test]
    fn a_type_error_names_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("op.toml");
        std::fs::write(&file, "[ttl]\naccess_token = \"soon\"\n").unwrap();
        let mut src = sources();
        src.config_file = Some(file);
        let errors = load(&src).unwrap_err();
        assert_eq!(errors[0].key, "ttl.access_token", "{errors:?}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("op.toml");
        std::fs::write(&file, "isuer = \"https://typo.example\"\n").unwrap();
        let mut src = sources();
        src.config_file = Some(file);
        let errors = load(&src).unwrap_err();
        assert!(errors[0].message.contains("isuer"), "{errors:?}");
    }

    #[test]
    fn a_file_that_does_not_parse_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("op.toml");
        std::fs::write(&file, "[ttl\naccess_token = 5\n").unwrap();
        let errors = load(&ConfigSources { config_file: Some(file.clone()), ..sources() }).unwrap_err();
        assert!(errors[0].key.contains("op.toml"), "{errors:?}");
    }

    #[test]
    fn environment_keys_that_name_a_setting() {
        let settings = setting_names();
        for key in ["issuer", "ttl__access_token", "ttl.access_token", "TLS__CERT", "log__level"] {
            assert_eq!(env_key(key, &settings), EnvKey::Setting, "{key}");
        }
        for key in ["CONFIG", "profile"] {
            assert_eq!(env_key(key, &settings), EnvKey::CommandLine, "{key}");
        }
        for key in ["session_my_vault", "service_account_token", ""] {
            assert_eq!(env_key(key, &settings), EnvKey::Unrecognised, "{key}");
        }
    }

    #[test]
    fn every_embedded_profile_loads() {
        for name in embedded_profiles() {
            let config = load(&ConfigSources { profile: Some(name.into()), ..sources() }).unwrap();
            assert_eq!(config.profile, name);
        }
    }

    #[test]
    fn a_profile_s_cipher_list_meets_the_deployment_s_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let profile = dir.path().join("strict.toml");
        let suites = "[\"TLS_AES_128_GCM_SHA256\", \"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"]";
        std::fs::write(&profile, format!("[tls]\nciphers = {suites}\n")).unwrap();
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/tls");
        let file = dir.path().join("op.toml");
        let deployment = format!(
            "issuer = \"https://op.example\"\n[tls]\ncert = {:?}\nkey = {:?}\n",
            fixtures.join("server.pem"),
            fixtures.join("server.key")
        );
        std::fs::write(&file, deployment).unwrap();
        let src = ConfigSources { profile: Some(profile.display().to_string()), config_file: Some(file), ..sources() };
        let tls = load(&src).unwrap().tls.unwrap();
        assert!(tls.files().is_some(), "the deployment's files");
        assert_eq!(tls.ciphers.unwrap(), ["TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]);
    }

    #[test]
    fn unknown_profile_is_named() {
        let mut src = sources();
        src.profile = Some("nope".into());
        let errors = load(&src).unwrap_err();
        assert_eq!(errors[0].key, "profile");
    }
}
