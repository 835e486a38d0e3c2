//! The device authorization grant at the token endpoint (RFC 8628 §3.4–3.5).

use crate::Provider;
use crate::clients::Client;
use crate::model::{self, Decision, DeviceCode, DeviceStatus, Found, TokenClaims};
use crate::protocol::{ErrorCode, OAuthError, OAuthResult, grant_type};
use crate::sender::Binding;
use crate::security::{now, sha256_b64url};
use crate::storage::now_ms;
use crate::tokens::{self, Issue, TokenResponse};

/// Answers a device's poll: pending, slow down, denied, expired, or the tokens (once).
pub(super) async fn exchange(
    op: &Provider,
    client: &Client,
    device_code: &str,
    binding: &Binding,
) -> OAuthResult<TokenResponse> {
    let id = sha256_b64url(device_code);
    // A compare-and-set: a poll that records its time never overwrites an approval or a denial
    // made meanwhile; it reads the record again and answers from that.
    let polled_at = now_ms();
    let answer = model::update::<DeviceCode, _>(op.storage(), &id, DeviceCode::remaining, |found| {
        answer_poll(found, &client.client_id, polled_at)
    })
    .await?
    .ok_or_else(|| OAuthError::invalid_grant("the device code is invalid"))?;
    let claims = answer?;
    // Single use: of concurrent polls exactly one gets the tokens.
    if !model::consume::<DeviceCode>(op.storage(), &id).await? {
        return Err(OAuthError::invalid_grant("the device code has already been used"));
    }
    tokens::issue(op, Issue::of_approval(client, claims, binding, grant_type::DEVICE_CODE)?).await
}

/// What a poll at `polled_at` (ms) is answered, from the record as read: the approved claims,
/// or the error; a pending record notes the poll (RFC 8628 §3.5).
fn answer_poll(
    found: Found<DeviceCode>,
    client_id: &str,
    polled_at: i64,
) -> Decision<DeviceCode, OAuthResult<TokenClaims>> {
    let mut device = found.model;
    if device.client_id != client_id {
        return Decision::Leave(Err(OAuthError::invalid_grant("the device code was issued to another client")));
    }
    if found.consumed_at.is_some() {
        return Decision::Leave(Err(OAuthError::invalid_grant("the device code has already been used")));
    }
    if device.expires_at <= now() {
        return Decision::Leave(Err(OAuthError::new(ErrorCode::ExpiredToken, "the device code has expired")));
    }
    match device.status.clone() {
        DeviceStatus::Denied => {
            Decision::Leave(Err(OAuthError::new(ErrorCode::AccessDenied, "the user refused the device")))
        }
        DeviceStatus::Approved { claims } => Decision::Leave(Ok(*claims)),
        DeviceStatus::Pending => {
            let error = super::polling::pending(&mut device.last_poll_ms, &mut device.interval, polled_at);
            Decision::Write(device, Err(error))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_record_stored_with_whole_second_polls_reads_as_never_polled() {
        let stored = serde_json::json!({
            "id": "x", "client_id": "tv-app", "scopes": ["openid"], "user_code": "ABCDEFGH",
            "expires_at": 2_000_000_000, "interval": 5, "last_poll": 1_900_000_000, "status": "pending"
        });
        let device: crate::model::DeviceCode = serde_json::from_value(stored).unwrap();
        assert_eq!(device.last_poll_ms, None);
    }
}
