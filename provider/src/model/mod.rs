//! The records the provider keeps, typed, and how each maps onto the storage contract.

#[cfg(feature = "ciba")]
mod backchannel;
mod device_code;
mod grant;
mod interaction;
mod session;
mod tokens;

#[cfg(feature = "ciba")]
pub(crate) use backchannel::{BackchannelRequest, BackchannelStatus, NotifyWith};
pub(crate) use device_code::{DeviceCode, DeviceStatus};
#[cfg(feature = "device-flow")]
pub(crate) use device_code::{display_user_code, new_user_code, normalize_user_code};
pub(crate) use grant::Grant;
pub use interaction::{ExternalAnswer, ExternalDecision, Interaction, InteractionResult, LoginResult, Prompt};
pub use session::Session;
pub(crate) use tokens::AuthorizationCode;
pub use tokens::RefreshToken;
pub use tokens::{AccessToken, RevokedAccessToken, TokenClaims};

use crate::security::sha256_b64url;
use crate::storage::{Adapter, Kind, Record, StorageError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// A typed record.
pub trait Model: Serialize + DeserializeOwned + Send + Sync {
    /// Its storage kind.
    const KIND: Kind;
    /// Whether the storage id is the SHA-256 of the value handed out (opaque tokens and codes).
    const HASHED: bool = false;

    /// The grant this record belongs to, if any.
    fn grant_id(&self) -> Option<&str> {
        None
    }
}

/// The storage id for a value: for hashed kinds its SHA-256, so a database leak leaks no token,
/// after a prefix of when it was issued, so that new records land next to each other in the
/// database's index (a random key would dirty a random index page per token, and every such
/// page costs a write at each commit and checkpoint).
pub(crate) fn storage_id<M: Model>(value: &str) -> String {
    if M::HASHED { format!("{}{}", issue_time_prefix(value), sha256_b64url(value)) } else { value.to_string() }
}

/// When a token value was issued, as it says itself: the first 8 characters of a
/// [`time_ordered_token`](crate::security::time_ordered_token), or a JWT's `iat` (the header of
/// a JWT is the same for every token, so its first characters say nothing). Empty for anything
/// else, which then simply finds nothing.
fn issue_time_prefix(value: &str) -> String {
    if let Some(payload) = value.split('.').nth(1) {
        return jwt_iat(payload).map(|iat| format!("{iat:011}.")).unwrap_or_default();
    }
    value.get(..8).unwrap_or_default().to_string()
}

/// The `iat` of a JWT's payload segment, read without building the whole claim set.
fn jwt_iat(payload: &str) -> Option<i64> {
    use base64::Engine as _;
    #[derive(serde::Deserialize)]
    struct IssuedAt {
        iat: i64,
    }
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice::<IssuedAt>(&json).ok().map(|claims| claims.iat)
}

/// Saves a model under `value` (hashed where the kind says so).
pub(crate) async fn save<M: Model>(store: &dyn Adapter, value: &str, model: &M, ttl: Duration) -> Result<(), StorageError> {
    save_keyed(store, value, model, None, None, ttl).await
}

/// Saves a model with its secondary keys (`uid` for sessions, `user_code` for device codes).
pub(crate) async fn save_keyed<M: Model>(
    store: &dyn Adapter,
    value: &str,
    model: &M,
    uid: Option<String>,
    user_code: Option<String>,
    ttl: Duration,
) -> Result<(), StorageError> {
    let payload = serde_json::to_string(model).map_err(|e| StorageError(e.to_string()))?;
    let grant_id = model.grant_id().map(String::from);
    let record = Record { payload, grant_id, uid, user_code, consumed_at: None };
    store.upsert(M::KIND, &storage_id::<M>(value), &record, Some(ttl)).await
}

/// A found model and whether it was consumed.
pub struct Found<M> {
    /// The model.
    pub model: M,
    /// When `consume` was called on it (milliseconds since the epoch).
    pub consumed_at: Option<i64>,
}

impl<M> Found<M> {
    /// Whether `consume` was called on it.
    pub(crate) fn consumed(&self) -> bool {
        self.consumed_at.is_some()
    }
}

/// Loads a model by the value handed out. A payload that no longer parses is treated as absent.
pub async fn find<M: Model>(store: &dyn Adapter, value: &str) -> Result<Option<Found<M>>, StorageError> {
    Ok(store.find(M::KIND, &storage_id::<M>(value)).await?.and_then(decode))
}

/// A token a client presented (to introspection or revocation), found by its value.
pub enum Presented {
    /// An access token.
    Access(Found<AccessToken>),
    /// A refresh token.
    Refresh(Found<RefreshToken>),
    /// A self-contained access token: a client credentials JWT, verified rather than found.
    SelfContained(AccessToken),
}

impl Presented {
    /// The authorization the token carries.
    pub(crate) fn claims(&self) -> &TokenClaims {
        match self {
            Presented::Access(found) => &found.model.claims,
            Presented::Refresh(found) => &found.model.claims,
            Presented::SelfContained(token) => &token.claims,
        }
    }
}

/// Looks a presented token up as an access token, then as a refresh token, or the other way
/// round when `hint` is `refresh_token` (RFC 7009 §2.1, RFC 7662 §2.1: the hint only orders).
pub(crate) async fn find_presented(
    store: &dyn Adapter,
    value: &str,
    hint: Option<&str>,
) -> Result<Option<Presented>, StorageError> {
    let refresh_first = hint == Some("refresh_token");
    for refresh in [refresh_first, !refresh_first] {
        let found = if refresh {
            find::<RefreshToken>(store, value).await?.map(Presented::Refresh)
        } else {
            find::<AccessToken>(store, value).await?.map(Presented::Access)
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

#[cfg(feature = "device-flow")]
/// Loads a model by its `user_code`.
pub(crate) async fn find_by_user_code<M: Model>(store: &dyn Adapter, code: &str) -> Result<Option<Found<M>>, StorageError> {
    Ok(store.find_by_user_code(M::KIND, code).await?.and_then(decode))
}

/// Loads a model by its secondary `uid`.
pub(crate) async fn find_by_uid<M: Model>(store: &dyn Adapter, uid: &str) -> Result<Option<Found<M>>, StorageError> {
    Ok(store.find_by_uid(M::KIND, uid).await?.and_then(decode))
}

/// What a read-modify-write decides about the model it read.
pub(crate) enum Decision<M, T> {
    /// Store this model in place of the one read, and answer `T`.
    Write(M, T),
    /// Leave the record as it is, and answer `T`.
    Leave(T),
}

/// How often [`update`] reads again after losing a race, before it gives up.
const UPDATE_ATTEMPTS: usize = 32;

/// A read-modify-write of a model, as a compare-and-set: `decide` sees the stored model and
/// whether it was consumed, and either writes a new one, stored only if the record is still
/// the one read (otherwise it is read again and `decide` runs again on what a concurrent request
/// wrote), or leaves it. `None` if there is no such record. The record keeps its secondary keys;
/// `ttl` gives the new one's lifetime.
pub(crate) async fn update<M: Model, T>(
    store: &dyn Adapter,
    value: &str,
    ttl: impl Fn(&M) -> Duration,
    mut decide: impl FnMut(Found<M>) -> Decision<M, T>,
) -> Result<Option<T>, StorageError> {
    let id = storage_id::<M>(value);
    for _ in 0..UPDATE_ATTEMPTS {
        let Some(read) = store.find(M::KIND, &id).await? else { return Ok(None) };
        let Some(found) = decode::<M>(read.clone()) else { return Ok(None) };
        let (model, answer) = match decide(found) {
            Decision::Leave(answer) => return Ok(Some(answer)),
            Decision::Write(model, answer) => (model, answer),
        };
        let payload = serde_json::to_string(&model).map_err(|e| StorageError(e.to_string()))?;
        let next = Record { payload, consumed_at: None, ..read.clone() };
        if store.replace_if(M::KIND, &id, &read.payload, &next, Some(ttl(&model))).await? {
            return Ok(Some(answer));
        }
    }
    // The value may be a credential: it is not named.
    Err(StorageError(format!("a {} changed by others {UPDATE_ATTEMPTS} times in a row", M::KIND.as_str())))
}

/// Consumes a model: `true` for exactly one caller.
pub(crate) async fn consume<M: Model>(store: &dyn Adapter, value: &str) -> Result<bool, StorageError> {
    store.consume(M::KIND, &storage_id::<M>(value)).await
}

/// Records that `client_id` used a JWT's `jti` (`mark` names the JWT's kind, scope and `jti`;
/// the storage id is its hash, as the client chose it) until `until` (Unix seconds, at most a
/// day away): `true` the first time, `false` for a replay (RFC 7519 §4.1.7). Every instance on
/// the storage sees it.
pub(crate) async fn first_use_of_jti(
    store: &dyn Adapter,
    mark: &str,
    client_id: &str,
    until: i64,
) -> Result<bool, StorageError> {
    let ttl = Duration::from_secs((until - crate::security::now()).clamp(1, 86_400) as u64);
    let record = Record::new(&serde_json::json!({ "client_id": client_id }));
    store.insert_new(Kind::ReplayDetection, &sha256_b64url(mark), &record, ttl).await
}

/// Removes a model.
pub(crate) async fn destroy<M: Model>(store: &dyn Adapter, value: &str) -> Result<(), StorageError> {
    store.destroy(M::KIND, &storage_id::<M>(value)).await
}

fn decode<M: Model>(record: Record) -> Option<Found<M>> {
    match serde_json::from_str(&record.payload) {
        Ok(model) => Some(Found { model, consumed_at: record.consumed_at }),
        Err(e) => {
            tracing::warn!(kind = M::KIND.as_str(), error = %e, "unreadable record ignored");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::{sha256_b64url, time_ordered_token};
    use proptest::prelude::*;

    proptest! {
        /// A token value and its storage id: the same value always finds the same record, two
        /// values never share one, and the id never holds the value's secret part: it is the
        /// value's issue-time prefix (for ours) and its SHA-256, whatever a client presents.
        #[test]
        fn a_token_value_maps_to_one_storage_id_that_hides_it(a in "\\PC{0,80}", b in "\\PC{0,80}") {
            let (id_a, id_b) = (storage_id::<AccessToken>(&a), storage_id::<AccessToken>(&b));
            prop_assert_eq!(&id_a, &storage_id::<AccessToken>(&a));
            prop_assert_eq!(a == b, id_a == id_b);
            prop_assert!(id_a.ends_with(&sha256_b64url(&a)));
            prop_assert!(id_a.len() <= 12 + 43, "a short prefix and the hash: {}", id_a);
        }

        /// The hash is base64url of 32 bytes, for any input: 43 characters of its alphabet.
        #[test]
        fn sha256_b64url_is_43_base64url_characters(value in "\\PC{0,200}") {
            let hash = sha256_b64url(&value);
            prop_assert_eq!(hash.len(), 43);
            prop_assert!(hash.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        }
    }

    #[test]
    fn our_token_values_keep_their_time_prefix_and_hide_the_rest() {
        for _ in 0..200 {
            let value = time_ordered_token();
            let id = storage_id::<RefreshToken>(&value);
            assert_eq!(id, format!("{}{}", &value[..8], sha256_b64url(&value)));
        }
    }

    #[test]
    fn hashed_ids_lead_with_the_issue_time_and_never_hold_the_value() {
        let opaque = crate::security::time_ordered_token();
        let id = storage_id::<AccessToken>(&opaque);
        assert!(id.starts_with(&opaque[..8]));
        assert!(!id.contains(&opaque[8..]), "the secret part is only hashed");
        assert_eq!(id, storage_id::<AccessToken>(&opaque), "the same value finds the same record");

        let claims = serde_json::json!({ "iat": 1_800_000_000, "sub": "x" });
        let jwt = crate::jose::sign(
            &claims,
            "at+jwt",
            &*crate::jose::SigningAlg::ES256.signer(&crate::jose::SigningAlg::ES256.generate().unwrap()).unwrap(),
        )
        .unwrap();
        assert!(storage_id::<AccessToken>(&jwt).starts_with("01800000000."));

        // Whatever a client presents gets an id, never a panic.
        for odd in ["", "é", "a.b", "a.b.c", "ab\u{0}cdefghij", "😀😀😀"] {
            let _ = storage_id::<AccessToken>(odd);
        }
    }
}
