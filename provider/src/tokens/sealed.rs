//! What a client receives signed, encrypted, or both, per its registered metadata
//! (OIDC Core §10): nested JWTs are signed first, then encrypted (`cty: JWT`).

use crate::Provider;
use crate::clients::{Client, encryption_key};
use crate::jose::encrypt::{self, DEFAULT_ENC, EncryptionKey};
use crate::jose::{self, SigningAlg};
use crate::keys::Keystore;
use serde::Serialize;

/// Signs `claims` as a JWS of type `typ` with our current key for `alg`. RSA signing runs on
/// the JOSE threads ([`jose::offload`]), the others inline.
pub(crate) async fn sign(
    op: &Provider,
    claims: &impl Serialize,
    typ: &'static str,
    alg: SigningAlg,
) -> Result<String, String> {
    let keys = op.keys();
    if !alg.is_costly() {
        return sign_with(&keys, claims, typ, alg);
    }
    // The JOSE threads need owned data.
    let claims = serde_json::to_value(claims).map_err(|e| e.to_string())?;
    jose::offload::run(move || sign_with(&keys, &claims, typ, alg)).await?
}

fn sign_with(keys: &Keystore, claims: &impl Serialize, typ: &str, alg: SigningAlg) -> Result<String, String> {
    let key = keys.signing_key(alg).ok_or_else(|| format!("no signing key for {alg}"))?;
    jose::sign(claims, typ, key.signer()).map_err(|e| e.to_string())
}

/// Encrypts `payload` to the client with `alg`/`enc` if it asked for encryption; `nested` says
/// the payload is a signed JWT.
pub(crate) async fn encrypt_for(
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
