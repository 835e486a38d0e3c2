//! The device authorization grant at the token endpoint (RFC 8628 §3.4–3.5).

use crate::Provider;
use crate::clients::Client;
use crate::model::{self, Decision, DeviceCode, DeviceStatus, Found, TokenClaims};
use crate::protocol::{ErrorCode, OAuthError, OAuthResult};
use crate::sender::Binding;
use crate::security::{now, sha256_b64url};
use crate::storage::now_ms;
use crate::tokens::{self, Issue, TokenResponse, access_token};

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
    let audience = access_token::audience(&claims, &[])?;
    let refresh = claims.has_scope("offline_access") && client.allows_grant("refresh_token");
    tokens::issue(op, Issue { client, claims, nonce: None, refresh, audience, binding, access_claims: None }).await
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
            // RFC 8628 §3.5: polling faster than the interval gets `slow_down` and a 5 seconds
            // longer interval; otherwise `authorization_pending`.
            let too_fast = polled_too_fast(device.last_poll_ms, device.interval, polled_at);
            if too_fast {
                device.interval += 5;
            }
            device.last_poll_ms = Some(polled_at);
            let error = if too_fast {
                OAuthError::new(ErrorCode::SlowDown, format!("poll at most every {} seconds", device.interval))
            } else {
                OAuthError::new(ErrorCode::AuthorizationPending, "the user has not finished yet")
            };
            Decision::Write(device, Err(error))
        }
    }
}

/// Whether a poll at `now_ms` comes sooner than `interval` seconds after the last one, to the
/// millisecond: in whole seconds, two polls a moment apart across a second's boundary would pass.
fn polled_too_fast(last_poll_ms: Option<i64>, interval: u64, now_ms: i64) -> bool {
    last_poll_ms.is_some_and(|last| now_ms - last < interval as i64 * 1000)
}

#[cfg(test)]
mod tests {
    use super::polled_too_fast;

    #[test]
    fn the_interval_is_measured_to_the_millisecond() {
        assert!(!polled_too_fast(None, 5, 1_000), "a first poll is never too fast");
        assert!(polled_too_fast(Some(10_999), 1, 11_001), "2 ms apart, across a second's boundary");
        assert!(polled_too_fast(Some(10_000), 5, 14_999));
        assert!(!polled_too_fast(Some(10_000), 5, 15_000), "exactly the interval is allowed");
    }

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
