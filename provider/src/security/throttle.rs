//! Throttling of guesses, per client address: logins, and user codes typed on the device page
//! (RFC 8628 §5.1: "it is recommended that the server rate-limit user code attempts").
//!
//! Each address has an allowance of `failures` attempts, refilled at one per `window / failures`:
//! a burst of `failures` wrong guesses, then one more each refill. An attempt is charged when it
//! starts, so guesses sent in parallel cannot all pass before the first is counted, and refunded
//! when it succeeds: a success costs nothing and gives nothing back (an attacker typing a code or
//! password of their own between guesses gains no allowance). An address over its allowance is
//! refused before its guess is checked, so the refusal tells it nothing and costs nothing more.
//!
//! The allowance is kept as a generic cell rate (GCRA): one instant per address, the time at
//! which its charges are paid off. The counters live in this process; behind a load balancer
//! each instance keeps its own.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries are swept of paid-off addresses whenever the map doubles past this size.
const SWEEP_FROM: usize = 1024;

/// Guesses of one kind, per client address.
#[derive(Debug)]
pub(crate) struct Throttle {
    /// What one attempt is charged: `window / failures` (`None`: no limit).
    cost: Option<Duration>,
    /// How far ahead of now the debt may reach before attempts are refused: `window - cost`.
    slack: Duration,
    /// Per address, when its charges are paid off.
    paid_off: Mutex<Ledger>,
    /// Counts refused attempts (the metrics' `op_throttled`).
    refused: prometheus_client::metrics::counter::Counter,
}

/// The instants per address, and the size at which they are next swept.
#[derive(Debug)]
struct Ledger {
    at: HashMap<Address, Instant>,
    sweep_at: usize,
}

/// Who is throttled: an IPv4 address, an IPv6 /64 (one host commonly holds a whole /64), or
/// every request whose address is unknown, together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Address {
    V4([u8; 4]),
    V6Prefix([u8; 8]),
    Unknown,
}

impl From<Option<IpAddr>> for Address {
    fn from(ip: Option<IpAddr>) -> Self {
        match ip.map(|ip| ip.to_canonical()) {
            Some(IpAddr::V4(v4)) => Self::V4(v4.octets()),
            Some(IpAddr::V6(v6)) => {
                let mut prefix = [0; 8];
                prefix.copy_from_slice(&v6.octets()[..8]);
                Self::V6Prefix(prefix)
            }
            None => Self::Unknown,
        }
    }
}

impl Throttle {
    /// Allows `failures` attempts that fail per address in a burst, then one per
    /// `window / failures`. Zero failures or a zero window: no limit.
    pub(crate) fn new(failures: u32, window: Duration) -> Self {
        let cost = (failures > 0 && !window.is_zero()).then(|| window / failures);
        let slack = cost.map_or(Duration::ZERO, |cost| window - cost);
        let paid_off = Mutex::new(Ledger { at: HashMap::new(), sweep_at: SWEEP_FROM });
        Self { cost, slack, paid_off, refused: Default::default() }
    }

    /// Counts each refused attempt on `refused`.
    pub(crate) fn counting(self, refused: prometheus_client::metrics::counter::Counter) -> Self {
        Self { refused, ..self }
    }

    /// Starts an attempt by `ip`, charging it to the address's allowance; `Err` holds how long
    /// the address must wait, and nothing is charged then.
    pub(crate) fn attempt(&self, ip: Option<IpAddr>) -> Result<(), Duration> {
        self.attempt_at(ip, Instant::now())
    }

    /// Gives back the charge of an attempt by `ip` that succeeded.
    pub(crate) fn refund(&self, ip: Option<IpAddr>) {
        self.refund_at(ip, Instant::now())
    }

    fn attempt_at(&self, ip: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        let Some(cost) = self.cost else { return Ok(()) };
        let mut ledger = self.paid_off.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let at = ledger.at.entry(Address::from(ip)).or_insert(now);
        let debt = at.saturating_duration_since(now);
        if let Some(wait) = debt.checked_sub(self.slack).filter(|wait| !wait.is_zero()) {
            self.refused.inc();
            return Err(wait);
        }
        *at = (*at).max(now) + cost;
        if ledger.at.len() >= ledger.sweep_at {
            ledger.at.retain(|_, at| *at > now);
            ledger.sweep_at = (ledger.at.len() * 2).max(SWEEP_FROM);
        }
        Ok(())
    }

    fn refund_at(&self, ip: Option<IpAddr>, now: Instant) {
        let Some(cost) = self.cost else { return };
        let mut ledger = self.paid_off.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let address = Address::from(ip);
        match ledger.at.get_mut(&address).and_then(|at| Some((at.checked_sub(cost)?, at))) {
            Some((refunded, at)) if refunded > now => *at = refunded,
            _ => {
                ledger.at.remove(&address);
            }
        }
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.paid_off.lock().map(|ledger| ledger.at.len()).unwrap_or_default()
    }
}

/// `Retry-After` in whole seconds, rounded up (RFC 9110 §10.2.3).
pub(crate) fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    /// An attempt at `now` that fails.
    fn fail(throttle: &Throttle, ip: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        throttle.attempt_at(ip, now)
    }

    #[test]
    fn a_burst_of_failures_then_one_per_refill() {
        let throttle = Throttle::new(5, Duration::from_secs(60));
        let start = Instant::now();
        let me = ip("192.0.2.1");
        for _ in 0..5 {
            assert_eq!(fail(&throttle, me, start), Ok(()));
        }
        assert_eq!(fail(&throttle, me, start), Err(Duration::from_secs(12)));
        assert_eq!(fail(&throttle, me, start + Duration::from_secs(11)), Err(Duration::from_secs(1)), "refused: free");
        let later = start + Duration::from_secs(12);
        assert_eq!(fail(&throttle, me, later), Ok(()));
        assert_eq!(fail(&throttle, me, later), Err(Duration::from_secs(12)));
        // Fully paid off after the window: a whole burst again.
        for _ in 0..5 {
            assert_eq!(fail(&throttle, me, later + Duration::from_secs(60)), Ok(()));
        }
    }

    #[test]
    fn attempts_are_charged_as_they_start_and_refunded_when_they_succeed() {
        let throttle = Throttle::new(2, Duration::from_secs(60));
        let now = Instant::now();
        let me = ip("192.0.2.1");
        // Two guesses in flight at once: a third cannot start before either is decided.
        assert_eq!(throttle.attempt_at(me, now), Ok(()));
        assert_eq!(throttle.attempt_at(me, now), Ok(()));
        assert!(throttle.attempt_at(me, now).is_err());
        // One of them succeeds: its charge comes back, and no more than that.
        throttle.refund_at(me, now);
        assert_eq!(throttle.attempt_at(me, now), Ok(()));
        assert!(throttle.attempt_at(me, now).is_err());
        // Successes alone never run out, and leave nothing tracked.
        let other = ip("192.0.2.2");
        for _ in 0..10 {
            assert_eq!(throttle.attempt_at(other, now), Ok(()));
            throttle.refund_at(other, now);
        }
        assert_eq!(throttle.tracked(), 1);
    }

    #[test]
    fn addresses_are_counted_apart_and_ipv6_by_its_64_prefix() {
        let throttle = Throttle::new(1, Duration::from_secs(60));
        let now = Instant::now();
        let _ = fail(&throttle, ip("192.0.2.1"), now);
        assert!(fail(&throttle, ip("192.0.2.1"), now).is_err());
        assert!(fail(&throttle, ip("::ffff:192.0.2.1"), now).is_err(), "IPv4-mapped is the same host");
        assert_eq!(fail(&throttle, ip("192.0.2.2"), now), Ok(()));
        let _ = fail(&throttle, ip("2001:db8:1:2::1"), now);
        assert!(fail(&throttle, ip("2001:db8:1:2:ffff::9"), now).is_err());
        assert_eq!(fail(&throttle, ip("2001:db8:1:3::1"), now), Ok(()));
        let _ = fail(&throttle, None, now);
        assert!(fail(&throttle, None, now).is_err());
    }

    #[test]
    fn zero_failures_or_window_is_no_limit() {
        for throttle in [Throttle::new(0, Duration::from_secs(60)), Throttle::new(5, Duration::ZERO)] {
            let now = Instant::now();
            for _ in 0..100 {
                assert_eq!(fail(&throttle, ip("192.0.2.1"), now), Ok(()));
            }
            assert_eq!(throttle.tracked(), 0);
        }
    }

    #[test]
    fn paid_off_addresses_are_swept() {
        let throttle = Throttle::new(5, Duration::from_secs(60));
        let start = Instant::now();
        for n in 0..SWEEP_FROM as u32 - 1 {
            let _ = fail(&throttle, Some(IpAddr::from(n.to_be_bytes())), start);
        }
        assert_eq!(throttle.tracked(), SWEEP_FROM - 1);
        // Once their debts are paid off, the next failure that fills the ledger sweeps them.
        let _ = fail(&throttle, ip("198.51.100.1"), start + Duration::from_secs(13));
        assert_eq!(throttle.tracked(), 1);
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_seconds(Duration::from_secs(12)), 12);
        assert_eq!(retry_after_seconds(Duration::from_millis(11_001)), 12);
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
    }
}
