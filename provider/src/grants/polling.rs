//! What the polled grants share (the device code, RFC 8628 §3.5, and CIBA, CIBA Core §11): a
//! request still waiting for its user is answered `authorization_pending`, or `slow_down` with an
//! interval 5 seconds longer when the client polls sooner than its interval allows.

use crate::protocol::{ErrorCode, OAuthError};

/// A pending request's answer to a poll at `polled_at` (Unix ms): notes the poll in
/// `last_poll_ms`, and lengthens `interval` when the poll came too soon.
pub(super) fn pending(last_poll_ms: &mut Option<i64>, interval: &mut u64, polled_at: i64) -> OAuthError {
    let too_fast = polled_too_fast(*last_poll_ms, *interval, polled_at);
    *last_poll_ms = Some(polled_at);
    if too_fast {
        *interval += 5;
        OAuthError::new(ErrorCode::SlowDown, format!("poll at most every {interval} seconds"))
    } else {
        OAuthError::new(ErrorCode::AuthorizationPending, "the user has not decided yet")
    }
}

/// Whether a poll at `now_ms` comes sooner than `interval` seconds after the last one, to the
/// millisecond: in whole seconds, two polls a moment apart across a second's boundary would pass.
fn polled_too_fast(last_poll_ms: Option<i64>, interval: u64, now_ms: i64) -> bool {
    last_poll_ms.is_some_and(|last| now_ms - last < interval as i64 * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_measured_to_the_millisecond() {
        assert!(!polled_too_fast(None, 5, 1_000), "a first poll is never too fast");
        assert!(polled_too_fast(Some(10_999), 1, 11_001), "2 ms apart, across a second's boundary");
        assert!(polled_too_fast(Some(10_000), 5, 14_999));
        assert!(!polled_too_fast(Some(10_000), 5, 15_000), "exactly the interval is allowed");
    }

    #[test]
    fn slow_down_adds_five_seconds_and_notes_the_poll() {
        let (mut last, mut interval) = (None, 5);
        assert_eq!(pending(&mut last, &mut interval, 1_000).code, ErrorCode::AuthorizationPending);
        assert_eq!((last, interval), (Some(1_000), 5));
        assert_eq!(pending(&mut last, &mut interval, 2_000).code, ErrorCode::SlowDown);
        assert_eq!((last, interval), (Some(2_000), 10));
    }
}
