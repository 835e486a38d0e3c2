//! JWT-secured authorization responses (JARM): the response's parameters as the claims of one
//! JWT, signed with the client's `authorization_signed_response_alg` and encrypted when it asked
//! (§2.1, §3), sent as the single `response` parameter in the mode's carrier (§2.3).

use crate::Provider;
use crate::protocol::AuthorizationResponse;
use crate::security::now;
use serde_json::{Map, Value};

/// `response` secured for its client: the same target, one `response` parameter.
pub(crate) async fn secure(op: &Provider, response: AuthorizationResponse) -> Result<AuthorizationResponse, String> {
    let target = response.target;
    let client = op.clients().find(&target.client_id).await.map_err(|e| e.to_string())?.ok_or("the client is gone")?;
    // §2.1: iss, aud and exp, beside the response's own parameters (state and iss among them).
    let mut claims: Map<String, Value> = response.params.into_iter().map(|(name, value)| (name, value.into())).collect();
    claims.insert("iss".into(), op.issuer().into());
    claims.insert("aud".into(), client.client_id.clone().into());
    claims.insert("exp".into(), (now() + op.config().jarm.response_lifetime as i64).into());
    let signed = super::sealed::sign(op, &claims, "JWT", client.authorization_alg().unwrap_or_else(|| op.keys().default_alg())).await?;
    let (alg, enc) = (&client.authorization_encrypted_response_alg, &client.authorization_encrypted_response_enc);
    let jwt = super::sealed::encrypt_for(op, &client, signed, alg.as_deref(), enc.as_deref(), true).await?;
    Ok(AuthorizationResponse { target, params: vec![("response".into(), jwt)] })
}
