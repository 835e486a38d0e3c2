//! From a `postgres://` URL to a pool of connections: TLS as the URL asks, always verified, and a
//! statement timeout on every connection.

use super::super::{StorageError, StorageOptions};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::config::SslMode;

/// How long a connection attempt, or a wait for a pooled connection, may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether and how the connection is encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tls {
    /// `sslmode` unset, `disable` or `prefer`: plain TCP (or a Unix socket).
    Off,
    /// `sslmode=require`, `verify-ca` or `verify-full`: TLS, the server's certificate verified
    /// for its host name against the system's roots, or the CAs of `sslrootcert`.
    Verified { root_cert: Option<String> },
}

/// A URL taken apart: the settings tokio-postgres reads, and the TLS ones read here.
struct Parsed {
    config: tokio_postgres::Config,
    tls: Tls,
}

/// Reads `sslmode` and `sslrootcert` here (tokio-postgres knows neither `verify-full` nor
/// `sslrootcert`), and leaves the rest to tokio-postgres.
fn parse(url: &str) -> Result<Parsed, StorageError> {
    let mut parsed = url::Url::parse(url).map_err(|e| StorageError(format!("the PostgreSQL URL: {e}")))?;
    let (mut mode, mut root_cert) = (None, None);
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter_map(|(key, value)| match &*key {
            "sslmode" => {
                mode = Some(value.into_owned());
                None
            }
            "sslrootcert" => {
                root_cert = Some(value.into_owned());
                None
            }
            _ => Some((key.into_owned(), value.into_owned())),
        })
        .collect();
    parsed.set_query(None);
    if !kept.is_empty() {
        // Percent-encoded, not form-encoded: tokio-postgres reads no `+` as a space.
        let encode =
            |text: &str| percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string();
        let query: Vec<String> = kept.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
        parsed.set_query(Some(&query.join("&")));
    }
    let tls = match mode.as_deref() {
        None | Some("disable" | "prefer") => Tls::Off,
        Some("require" | "verify-ca" | "verify-full") => Tls::Verified { root_cert },
        Some(other) => return Err(StorageError(format!("the PostgreSQL URL: unknown sslmode {other:?}"))),
    };
    // Its errors name the setting, never the password.
    let mut config = tokio_postgres::Config::from_str(parsed.as_str())
        .map_err(|e| StorageError(format!("the PostgreSQL URL: {e}")))?;
    config.ssl_mode(if tls == Tls::Off { SslMode::Disable } else { SslMode::Require });
    Ok(Parsed { config, tls })
}

/// The rustls client configuration for a verified connection.
fn client_config(root_cert: Option<&str>) -> Result<rustls::ClientConfig, StorageError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StorageError(format!("TLS to PostgreSQL: {e}")))?;
    let config = match root_cert {
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| StorageError(format!("sslrootcert {path}: {e}")))?;
            for cert in certs {
                roots.add(cert).map_err(|e| StorageError(format!("sslrootcert {path}: {e}")))?;
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        None => {
            use rustls_platform_verifier::BuilderVerifierExt;
            builder
                .with_platform_verifier()
                .map_err(|e| StorageError(format!("TLS to PostgreSQL: {e}")))?
                .with_no_client_auth()
        }
    };
    Ok(config)
}

/// A pool of at most `options.pool_size` connections to the database at `url`, each with
/// `statement_timeout` set, so a stuck query fails its request instead of holding a connection.
pub(super) fn pool(url: &str, options: &StorageOptions) -> Result<Pool, StorageError> {
    let Parsed { mut config, tls } = parse(url)?;
    let timeout_ms = options.statement_timeout.as_millis();
    let session = match config.get_options() {
        Some(theirs) => format!("{theirs} -c statement_timeout={timeout_ms}"),
        None => format!("-c statement_timeout={timeout_ms}"),
    };
    config.options(session);
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("provider");
    }
    let recycling = ManagerConfig { recycling_method: RecyclingMethod::Fast };
    let manager = match tls {
        Tls::Off => Manager::from_config(config, tokio_postgres::NoTls, recycling),
        Tls::Verified { root_cert } => {
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new(client_config(root_cert.as_deref())?);
            Manager::from_config(config, tls, recycling)
        }
    };
    Pool::builder(manager)
        .max_size(options.pool_size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(CONNECT_TIMEOUT))
        .create_timeout(Some(CONNECT_TIMEOUT))
        .build()
        .map_err(|e| StorageError(format!("the PostgreSQL pool: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_follows_sslmode_and_is_always_verified() {
        let plain = parse("postgres://op:pw@db.example/op").unwrap();
        assert_eq!(plain.tls, Tls::Off);
        assert_eq!(plain.config.get_ssl_mode(), SslMode::Disable);
        assert_eq!(plain.config.get_dbname(), Some("op"));
        let require =
            parse("postgres://op@db.example/op?sslmode=require&application_name=x&options=-c%20a%3Db").unwrap();
        assert_eq!(require.config.get_options(), Some("-c a=b"));
        assert_eq!(require.tls, Tls::Verified { root_cert: None });
        assert_eq!(require.config.get_ssl_mode(), SslMode::Require);
        assert_eq!(require.config.get_application_name(), Some("x"));
        let own_ca = parse("postgresql://op@db.example/op?sslmode=verify-full&sslrootcert=/etc/ca.pem").unwrap();
        assert_eq!(own_ca.tls, Tls::Verified { root_cert: Some("/etc/ca.pem".into()) });
        assert!(parse("postgres://db.example/op?sslmode=sometimes").is_err());
    }

    #[test]
    fn a_bad_url_is_reported_without_its_password() {
        let err = parse("postgres://op:hunter2@db.example/op?nonsense=1").err().unwrap();
        assert!(!err.0.contains("hunter2"), "{}", err.0);
        assert!(err.0.starts_with("the PostgreSQL URL"), "{}", err.0);
    }

    #[test]
    fn a_root_certificate_file_is_read_and_a_missing_one_reported() {
        let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/tls/ca.pem");
        assert!(client_config(Some(ca)).is_ok());
        assert!(client_config(Some("/nonexistent/ca.pem")).unwrap_err().0.contains("/nonexistent/ca.pem"));
    }
}
