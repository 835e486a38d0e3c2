//! What a client receives signed, encrypted, or both, per its registered metadata
//! (OIDC Core §10): nested JWTs are signed first, then encrypted (`cty: JWT`).

use crate::Provider;
use crate::clients::{Client, encryption_key};
use crate::jose::encrypt::{self, DEFAULT_ENC, EncryptionKey};
use crate::jose::{self, SigningAlg};
use serde::Serialize;

/// Signs `claims` with our key for `alg`.
pub fn sign(op: &Provider, claims: &impl Serialize, alg: SigningAlg) -> Result<String, String> {
    let keys = op.keys();
    let key = keys.signing_key(alg).ok_or_else(|| format!("no signing key for {alg}"))?;
    jose::sign(claims, "JWT", key.signer()).map_err(|e| e.to_string())
}

/// Encrypts `payload` to the client with `alg`/`enc` if it asked for encryption; `nested` says
/// the payload is a signed JWT.
pub async fn encrypt_for(
    op: &Provider,
    client: &Client,
    payload: String,
    alg: Option<&str>,
    enc: Option<&str>,
    nested: bool,
) -> Result<String, String> {
    let Some(alg) = alg else { return Ok(payload) };
    let enc = enc.unwrap_or(DEFAULT_ENC);
    let cty = nested.then_some("JWT");
    let sealed = if encrypt::is_symmetric(alg) {
        let secret = client.client_secret.as_deref().ok_or("the client has no secret")?;
        encrypt::encrypt(&payload, alg, enc, EncryptionKey::Secret(secret), cty)
    } else {
        let key = encryption_key(op, client, alg).await?;
        encrypt::encrypt(&payload, alg, enc, EncryptionKey::Public(&key), cty)
    };
    sealed.map_err(|e| e.to_string())
}
