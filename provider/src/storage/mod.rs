//! Storage: the adapter contract every backend fulfils, and the backends.
//!
//! The contract follows node-oidc-provider's adapter: records are JSON payloads kept under
//! `(kind, id)` with an optional lifetime, a grant id, a session `uid` and a device `user_code`.
//! Expired records are never returned. `consume` is atomic: of any number of concurrent callers,
//! exactly one wins, and later `find`s see the record as consumed. `replace_if` is the
//! compare-and-set every read-modify-write of a record goes through.
//! Callers store opaque tokens under their SHA-256 (see `model`), never under the value itself.

mod copy;
mod memory;
mod postgres;
mod purge;
pub mod schema;
mod sqlite;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;

pub use copy::copy;
pub use memory::MemoryAdapter;
pub use postgres::PostgresAdapter;
pub(crate) use purge::purge_periodically;
pub use schema::Upgrade;
pub use sqlite::SqliteAdapter;

use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

/// The kinds of record the provider keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A browser session (found by `uid`).
    Session,
    /// A login / consent interaction in progress.
    Interaction,
    /// What an account has consented to for a client.
    Grant,
    /// An authorization code (keyed by hash).
    AuthorizationCode,
    /// An access token (keyed by hash).
    AccessToken,
    /// A refresh token (keyed by hash).
    RefreshToken,
    /// A device code (found by `user_code`).
    DeviceCode,
    /// A seen `jti` of a client assertion or request object, kept until it expires.
    ReplayDetection,
    /// The `jti` of a revoked self-contained access token, kept until the token expires.
    RevokedAccessToken,
    /// A value the provider makes once and keeps (the pairwise salt), shared by all instances.
    ProviderSecret,
    /// A client registered at run time (RFC 7591), kept until removed.
    Client,
    /// An initial access token for registration (RFC 7591 §3), minted by an operator (keyed by
    /// hash).
    InitialAccessToken,
    /// A logout the end-user has yet to confirm (RP-Initiated Logout 1.0 §2).
    LogoutRequest,
    /// A pushed authorization request (RFC 9126), found by its `request_uri`.
    PushedAuthorizationRequest,
    /// A logout token on its way to a client's `backchannel_logout_uri`, until delivered or
    /// given up (Back-Channel Logout 1.0 §2.5).
    LogoutNotification,
    /// A backchannel authentication request (CIBA Core §7), found by the hash of its
    /// `auth_req_id`.
    BackchannelAuthenticationRequest,
    /// A CIBA ping or push on its way to a client's notification endpoint (CIBA Core §10.2,
    /// §10.3), until delivered or given up.
    CibaNotification,
    /// An account a login app vouched for, with the claims it passed (`[login_app]`), kept as
    /// long as its sessions and tokens may need them.
    ExternalAccount,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 18] = [
        Self::Session,
        Self::Interaction,
        Self::Grant,
        Self::AuthorizationCode,
        Self::AccessToken,
        Self::RefreshToken,
        Self::DeviceCode,
        Self::ReplayDetection,
        Self::RevokedAccessToken,
        Self::ProviderSecret,
        Self::Client,
        Self::InitialAccessToken,
        Self::LogoutRequest,
        Self::PushedAuthorizationRequest,
        Self::LogoutNotification,
        Self::BackchannelAuthenticationRequest,
        Self::CibaNotification,
        Self::ExternalAccount,
    ];

    /// The stable name used as the storage discriminator.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Session => "Session",
            Self::Interaction => "Interaction",
            Self::Grant => "Grant",
            Self::AuthorizationCode => "AuthorizationCode",
            Self::AccessToken => "AccessToken",
            Self::RefreshToken => "RefreshToken",
            Self::DeviceCode => "DeviceCode",
            Self::ReplayDetection => "ReplayDetection",
            Self::RevokedAccessToken => "RevokedAccessToken",
            Self::ProviderSecret => "ProviderSecret",
            Self::Client => "Client",
            Self::InitialAccessToken => "InitialAccessToken",
            Self::LogoutRequest => "LogoutRequest",
            Self::PushedAuthorizationRequest => "PushedAuthorizationRequest",
            Self::LogoutNotification => "LogoutNotification",
            Self::BackchannelAuthenticationRequest => "BackchannelAuthenticationRequest",
            Self::CibaNotification => "CibaNotification",
            Self::ExternalAccount => "ExternalAccount",
        }
    }
}

/// A stored record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The model's data, as JSON text: kept as the backends store it, so a write serialises
    /// once and memory holds the compact form.
    pub payload: String,
    /// The grant this record belongs to (revoked together).
    pub grant_id: Option<String>,
    /// A session's lookup key.
    pub uid: Option<String>,
    /// A device code's user code.
    pub user_code: Option<String>,
    /// When `consume` was called, in milliseconds since the epoch (`None` after an upsert).
    pub consumed_at: Option<i64>,
}

impl Record {
    /// A record with only a payload.
    pub fn new(payload: &serde_json::Value) -> Self {
        Self { payload: payload.to_string(), grant_id: None, uid: None, user_code: None, consumed_at: None }
    }

    /// The payload parsed (`Null` if it does not parse).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.payload).unwrap_or_default()
    }

    /// Whether the record has been consumed.
    pub fn consumed(&self) -> bool {
        self.consumed_at.is_some()
    }
}

/// A record as it is kept, with its id and expiry: what `provider storage copy` moves.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// The record's id within its kind.
    pub id: String,
    /// The record, with its consumption.
    pub record: Record,
    /// When it expires, in milliseconds since the epoch (`None`: never).
    pub expires_at: Option<i64>,
}

/// A backend failure. Callers answer it with `server_error` and log it.
#[derive(Debug, thiserror::Error)]
#[error("storage: {0}")]
pub struct StorageError(pub String);

// A storage failure is the server's, never the caller's: logged, and answered as `server_error`
// without its detail (RFC 6749 §5.2, §4.1.2.1).
impl From<StorageError> for crate::protocol::OAuthError {
    fn from(err: StorageError) -> Self {
        Self::server_error(err)
    }
}

impl From<StorageError> for crate::protocol::AuthorizationError {
    fn from(err: StorageError) -> Self {
        Self::server_error(err)
    }
}

/// The storage contract.
#[async_trait]
pub trait Adapter: Send + Sync + 'static {
    /// Inserts or replaces a record; `ttl` of `None` keeps it until destroyed. Returns once durable.
    async fn upsert(&self, kind: Kind, id: &str, record: &Record, ttl: Option<Duration>) -> Result<(), StorageError>;
    /// Inserts a record only if no live record has this id: `true` for exactly one of any number of
    /// concurrent callers (replay detection: a `jti` seen once may not be seen again).
    async fn insert_new(&self, kind: Kind, id: &str, record: &Record, ttl: Duration) -> Result<bool, StorageError>;
    /// Replaces a live, unconsumed record only if its payload is still `expected`, the one the
    /// caller read: a compare-and-set, so a read-modify-write never overwrites a concurrent
    /// change. `true` if it was replaced; `false` if the record changed, was consumed, expired
    /// or is gone (read it again and decide again).
    async fn replace_if(
        &self,
        kind: Kind,
        id: &str,
        expected: &str,
        record: &Record,
        ttl: Option<Duration>,
    ) -> Result<bool, StorageError>;
    /// The unexpired record, consumed or not.
    async fn find(&self, kind: Kind, id: &str) -> Result<Option<Record>, StorageError>;
    /// The unexpired record of `kind` whose `uid` matches.
    async fn find_by_uid(&self, kind: Kind, uid: &str) -> Result<Option<Record>, StorageError>;
    /// The unexpired record of `kind` whose `user_code` matches.
    async fn find_by_user_code(&self, kind: Kind, user_code: &str) -> Result<Option<Record>, StorageError>;
    /// Marks the record consumed. `true` for exactly one caller; `false` if it was already
    /// consumed, expired or absent.
    async fn consume(&self, kind: Kind, id: &str) -> Result<bool, StorageError>;
    /// Every live record of `kind`, consumed or not, in no particular order: for operators
    /// (`provider clients list`), never on a request's path, as it reads the whole kind.
    async fn list(&self, kind: Kind) -> Result<Vec<Record>, StorageError>;
    /// Removes the record.
    async fn destroy(&self, kind: Kind, id: &str) -> Result<(), StorageError>;
    /// Removes every record, of every kind, that belongs to the grant.
    async fn revoke_by_grant_id(&self, grant_id: &str) -> Result<(), StorageError>;
    /// Whether the backend can keep what it acknowledges now (for readiness checks). The SQLite
    /// backend is not once its file was deleted or replaced.
    async fn ready(&self) -> Result<(), StorageError> {
        Ok(())
    }
    /// Deletes expired records, returning how many. Lookups ignore them regardless; this only
    /// reclaims space, and runs periodically (see [`Provider::background_tasks`](crate::Provider::background_tasks)).
    async fn purge_expired(&self) -> Result<u64, StorageError>;
    /// Up to `limit` live records of `kind` whose ids sort after `after` (`""` for the first
    /// page), in id order, as kept: for `provider storage copy`, never on a request's path.
    /// Backends that cannot be copied from (memory) refuse.
    async fn export(&self, kind: Kind, after: &str, limit: usize) -> Result<Vec<Exported>, StorageError> {
        let _ = (kind, after, limit);
        Err(StorageError("this storage cannot be copied".into()))
    }
    /// Writes exported records as they were kept (consumed ones stay consumed), replacing any
    /// with the same id, all or none.
    async fn import(&self, kind: Kind, records: &[Exported]) -> Result<(), StorageError> {
        let _ = (kind, records);
        Err(StorageError("this storage cannot be copied to".into()))
    }
}

/// How a backend is opened: what `serve` and the operator commands pass from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageOptions {
    /// Whether an older schema is migrated at open (an empty database always gets the schema).
    pub upgrade: Upgrade,
    /// PostgreSQL: the most connections one instance holds.
    pub pool_size: usize,
    /// PostgreSQL: how long one statement may run before the server cancels it.
    pub statement_timeout: Duration,
}

impl Default for StorageOptions {
    fn default() -> Self {
        Self { upgrade: Upgrade::Refuse, pool_size: 16, statement_timeout: Duration::from_secs(5) }
    }
}

/// A parsed `storage` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageUrl {
    /// `memory:`
    Memory,
    /// `sqlite:PATH` or `sqlite://PATH`
    Sqlite(std::path::PathBuf),
    /// `postgres://…` or `postgresql://…`, kept whole (it may hold a password: never log it;
    /// `Config::storage_shown` redacts it).
    Postgres(PostgresUrl),
}

/// A PostgreSQL URL, whose `Debug` hides it: it may hold a password.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl(pub String);

impl std::fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostgresUrl(..)")
    }
}

impl StorageUrl {
    /// Parses `memory:`, `sqlite:PATH` or a `postgres://` URL.
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(PostgresUrl(url.to_string())));
        }
        if url == "memory:" || url == "memory" {
            return Ok(Self::Memory);
        }
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if path.is_empty() || path.starts_with(":memory:") {
                return Err("sqlite needs a file path (use memory: for a throwaway store)".into());
            }
            return Ok(Self::Sqlite(path.into()));
        }
        // Name only the scheme: the rest of a URL may hold a password.
        let scheme = url.split(':').next().unwrap_or_default();
        Err(format!("unsupported storage scheme {scheme:?}; expected sqlite:PATH, postgres://… or memory:"))
    }
}

/// The provider secret `name`: made at first use and kept forever, the same for every instance
/// sharing the storage (the first writer wins). Making one is logged at WARN, naming `storage`:
/// it changes what depends on it (a new pairwise salt, new pairwise subjects), so an operator
/// should know.
pub async fn provider_secret(store: &dyn Adapter, name: &str, storage: &str) -> Result<String, StorageError> {
    let fresh = Record::new(&serde_json::json!({ "value": crate::security::random_token() }));
    // Effectively forever; insert_new needs a lifetime.
    let forever = Duration::from_secs(100 * 365 * 24 * 3600);
    if store.insert_new(Kind::ProviderSecret, name, &fresh, forever).await? {
        tracing::warn!(secret = name, %storage, "made a new provider secret and stored it");
    }
    let stored =
        store.find(Kind::ProviderSecret, name).await?.ok_or_else(|| StorageError(format!("secret {name} vanished")))?;
    stored.json()["value"]
        .as_str()
        .map(String::from)
        .ok_or_else(|| StorageError(format!("secret {name} is unreadable")))
}

/// Opens the backend named by a `storage` setting.
pub async fn open(url: &str, options: &StorageOptions) -> Result<Arc<dyn Adapter>, StorageError> {
    match StorageUrl::parse(url).map_err(StorageError)? {
        StorageUrl::Memory => Ok(Arc::new(MemoryAdapter::default())),
        StorageUrl::Sqlite(path) => Ok(Arc::new(SqliteAdapter::open(&path, options.upgrade).await?)),
        StorageUrl::Postgres(PostgresUrl(url)) => Ok(Arc::new(PostgresAdapter::open(&url, options).await?)),
    }
}

/// Milliseconds since the Unix epoch (expiry and consumption are kept at this precision).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

pub(crate) fn expires_at(ttl: Option<Duration>) -> Option<i64> {
    ttl.map(|ttl| now_ms().saturating_add(ttl.as_millis() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_provider_secret_is_made_once_and_kept() {
        let store = MemoryAdapter::default();
        let first = provider_secret(&store, "salt", "memory:").await.unwrap();
        assert_eq!(first.len(), 43);
        assert_eq!(provider_secret(&store, "salt", "memory:").await.unwrap(), first);
        assert_ne!(provider_secret(&store, "other", "memory:").await.unwrap(), first);
    }

    #[test]
    fn storage_urls() {
        assert_eq!(StorageUrl::parse("memory:"), Ok(StorageUrl::Memory));
        assert_eq!(StorageUrl::parse("sqlite:data/op.db"), Ok(StorageUrl::Sqlite("data/op.db".into())));
        assert_eq!(StorageUrl::parse("sqlite:///tmp/op.db"), Ok(StorageUrl::Sqlite("/tmp/op.db".into())));
        assert!(StorageUrl::parse("sqlite:").is_err());
        assert!(StorageUrl::parse("redis://x").is_err());
        let url = "postgres://op:hunter2@db/op";
        assert_eq!(StorageUrl::parse(url), Ok(StorageUrl::Postgres(PostgresUrl(url.into()))));
        assert!(!format!("{:?}", StorageUrl::parse(url)).contains("hunter2"));
        assert!(StorageUrl::parse("postgresql://db/op").is_ok());
    }
}
