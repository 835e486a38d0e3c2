//! Key rotation: `provider keys rotate` puts a new key per algorithm at the front of the JWKS
//! file (the first key of an algorithm signs) and keeps older keys published until every token
//! signed with them has expired; [`Reloader`] makes a running provider pick the file up.

use super::{KeyError, Keystore, generate_jwk};
use crate::jose::SigningAlg;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

/// A private member recording when a key was made; never published.
pub(super) const CREATED: &str = "x-created-at";

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// `kid`s of the new signing keys.
    pub added: Vec<String>,
    /// `kid`s of keys dropped because everything they signed has expired.
    pub removed: Vec<String>,
}

/// Adds a new key for each of `algs` in front of the file's keys, and drops keys superseded more
/// than `retire_after` ago. Writes the file atomically (a temporary file, then a rename).
pub fn rotate(path: &Path, algs: &[SigningAlg], retire_after: Duration) -> Result<Rotation, KeyError> {
    let file_err = |message: String| KeyError::File { path: path.display().to_string(), message };
    let text = std::fs::read_to_string(path).map_err(|e| file_err(e.to_string()))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| file_err(e.to_string()))?;
    let old: Vec<Value> = doc["keys"].as_array().cloned().ok_or_else(|| file_err("no keys array".into()))?;
    let now = unix_now();
    let mut fresh = Vec::new();
    for alg in algs {
        let mut jwk = generate_jwk(alg.as_str()).map_err(|e| file_err(e.to_string()))?;
        jwk.insert(CREATED.into(), now.into());
        fresh.push(Value::Object(jwk));
    }
    let added = fresh.iter().map(|k| k["kid"].as_str().unwrap_or_default().to_string()).collect();
    let mut keys = fresh;
    let mut removed = Vec::new();
    for key in old {
        // A key is superseded when a newer key of its alg exists; it retires once the newest
        // such successor is older than the longest token lifetime.
        let superseded_at = keys.iter().filter(|k| k["alg"] == key["alg"]).filter_map(|k| k[CREATED].as_u64()).min();
        match superseded_at {
            Some(at) if now.saturating_sub(at) > retire_after.as_secs() => {
                // The published kid is the thumbprint, whatever the file says.
                removed.push(key.as_object().and_then(|k| super::thumbprint(k).ok()).unwrap_or_default());
            }
            _ => keys.push(key),
        }
    }
    let text =
        serde_json::to_string_pretty(&serde_json::json!({ "keys": keys })).map_err(|e| file_err(e.to_string()))?;
    let temp = path.with_extension("json.tmp");
    let _ = std::fs::remove_file(&temp);
    super::write_private(&temp, &text).map_err(|e| file_err(e.to_string()))?;
    std::fs::rename(&temp, path).map_err(|e| file_err(e.to_string()))?;
    Ok(Rotation { added, removed })
}

pub(super) fn unix_now() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

/// The key store of a running provider, replaced whole when the file changes.
pub(crate) type SharedKeystore = Arc<RwLock<Arc<Keystore>>>;

/// Re-reads the keys file at `path` when its modification time changes, checking every
/// `interval`, forever: stop it by dropping (or aborting) it. A file that does not load leaves
/// the current keys in place. The file's state is taken when this is called, not when the task
/// first runs, so a change made in between is still seen.
pub(crate) fn reload_on_change(
    keys: SharedKeystore,
    path: PathBuf,
    algs: Vec<SigningAlg>,
    interval: Duration,
    reloaded: impl Fn(&Keystore) + Send + 'static,
) -> impl std::future::Future<Output = ()> + Send {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let mut seen = modified(&path);
    async move {
        loop {
            tokio::time::sleep(interval).await;
            let now = modified(&path);
            if now == seen {
                continue;
            }
            let (p, a) = (path.clone(), algs.clone());
            match tokio::task::spawn_blocking(move || Keystore::load_or_generate(&p, false, &a)).await {
                Ok(Ok(store)) => {
                    reloaded(&store);
                    if let Ok(mut current) = keys.write() {
                        *current = Arc::new(store);
                    }
                    seen = now;
                    tracing::info!(path = %path.display(), "signing keys reloaded");
                }
                // Keep serving with the keys we have; try again at the next change.
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "the changed keys file is not usable; keeping the current keys")
                }
                Err(e) => tracing::warn!(error = %e, "reloading keys failed"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_adds_in_front_and_retires_only_long_superseded_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwks.json");
        let algs = [SigningAlg::ES256];
        let first = Keystore::load_or_generate(&path, true, &algs).unwrap();
        let first_kid = first.signing_key(SigningAlg::ES256).unwrap().kid.clone();

        let rotation = rotate(&path, &algs, Duration::from_secs(3600)).unwrap();
        assert!(rotation.removed.is_empty(), "the old key still verifies recent tokens");
        let second = Keystore::load_or_generate(&path, false, &algs).unwrap();
        assert_eq!(second.signing_key(SigningAlg::ES256).unwrap().kid, rotation.added[0], "the new key signs");
        assert!(second.jwks_json().contains(&first_kid), "the old key stays published");
        assert!(!second.jwks_json().contains(CREATED), "bookkeeping is private");

        // With no retention, the next rotation drops both predecessors' superseded keys.
        let third = rotate(&path, &algs, Duration::ZERO).unwrap();
        std::thread::sleep(Duration::from_millis(1100));
        let fourth = rotate(&path, &algs, Duration::ZERO).unwrap();
        assert!(third.removed.contains(&first_kid) || fourth.removed.contains(&first_kid));
        let store = Keystore::load_or_generate(&path, false, &algs).unwrap();
        assert!(!store.jwks_json().contains(&first_kid));
        assert!(store.jwks_json().contains(&fourth.added[0]));
    }
}
