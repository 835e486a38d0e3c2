//! The targets: what one run of the benchmark measured against each, judged on the
//! medians of the rounds, with the range of the rounds' own ratios beside it (the machine moves
//! single rounds far more than it moves medians).

use crate::report::{Results, Who};
use crate::scenarios::{Scenario, TokenFormat};
use std::fmt::Write;

/// One of the targets and this run's figure for it.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    /// The ratio of the medians.
    pub measured: f64,
    /// The lowest and highest ratio of one round's figures, for throughput targets.
    pub rounds: Option<(f64, f64)>,
    pub needed: f64,
    /// Ratios of throughput must reach `needed`; latency and memory ratios must stay under it.
    pub higher_is_better: bool,
}

impl Target {
    /// Whether this run meets it (p99 must be strictly below the peer's).
    pub fn met(&self) -> bool {
        if self.higher_is_better {
            self.measured >= self.needed
        } else if self.needed == 1.0 {
            self.measured < 1.0
        } else {
            self.measured <= self.needed
        }
    }
}

/// The targets, each with what this run measured.
pub fn of(results: &Results, scenarios: &[Scenario]) -> Vec<Target> {
    let mut targets = Vec::new();
    let ours = [Who::OursMemory, Who::OursSqlite];
    let mut of_ceiling = |scenario: Scenario, who: Who, needed: f64| {
        if let Some(ratio) = results.ratio(scenario, who, Who::Ceiling) {
            let name = format!("{}, {}: of the ceiling", scenario.label(), who.label());
            let rounds = range(&results.rates(scenario, who), &results.rates(scenario, Who::Ceiling));
            targets.push(Target { name, measured: ratio, rounds, needed, higher_is_better: true });
        }
    };
    for &scenario in scenarios {
        match scenario {
            Scenario::ClientCredentials(TokenFormat::Opaque) | Scenario::Introspection => {
                of_ceiling(scenario, Who::OursMemory, 0.70);
                of_ceiling(scenario, Who::OursSqlite, 0.40);
                of_ceiling(scenario, Who::OursPostgres, 0.40);
            }
            Scenario::ClientCredentials(TokenFormat::JwtEs256) => {
                ours.iter().for_each(|&w| of_ceiling(scenario, w, 0.60))
            }
            Scenario::Discovery | Scenario::Jwks => ours.iter().for_each(|&w| of_ceiling(scenario, w, 0.80)),
            _ => {}
        }
    }
    for &scenario in scenarios {
        for who in ours {
            if scenario == Scenario::ClientCredentials(TokenFormat::JwtRs256)
                && let (Some(m), Some(openssl)) = (results.typical(scenario, who), results.openssl_rsa2048())
            {
                let name = format!("{}, {}: of `openssl speed rsa2048`", scenario.label(), who.label());
                let rounds = range(&results.rates(scenario, who), &results.openssl_rsa2048);
                targets.push(Target { name, measured: m.rate / openssl, rounds, needed: 0.75, higher_is_better: true });
            }
            if let (Some(m), Some(peer)) = (results.typical(scenario, who), results.typical(scenario, Who::Peer)) {
                let name = format!("{}, {}: p99 / peer's p99", scenario.label(), who.label());
                let measured = m.p99_ms / peer.p99_ms;
                targets.push(Target { name, measured, rounds: None, needed: 1.0, higher_is_better: false });
            }
        }
    }
    // PostgreSQL: the scale-out backend's targets are on the two storage-bound scenarios only.
    for &scenario in scenarios {
        if matches!(scenario, Scenario::ClientCredentials(TokenFormat::Opaque) | Scenario::Introspection)
            && let (Some(m), Some(peer)) =
                (results.typical(scenario, Who::OursPostgres), results.typical(scenario, Who::Peer))
        {
            let name = format!("{}, {}: p99 / peer's p99", scenario.label(), Who::OursPostgres.label());
            let measured = m.p99_ms / peer.p99_ms;
            targets.push(Target { name, measured, rounds: None, needed: 1.0, higher_is_better: false });
        }
    }
    if let Some((_, peer)) = results.rss.get(&Who::Peer) {
        for who in ours {
            if let Some((_, after)) = results.rss.get(&who) {
                let name = format!("RSS after the runs, {}: / peer's", who.label());
                targets.push(Target {
                    name,
                    measured: after / peer,
                    rounds: None,
                    needed: 0.25,
                    higher_is_better: false,
                });
            }
        }
    }
    if let Some(peer) = results.equal_work_of(Who::Peer) {
        for who in ours {
            if let Some(f) = results.equal_work_of(who) {
                let name = format!("RSS at equal work, {}: / peer's", who.label());
                let measured = f.after_mib / peer.after_mib;
                targets.push(Target { name, measured, rounds: None, needed: 0.25, higher_is_better: false });
            }
        }
    }
    targets
}

/// The lowest and highest ratio of `ours` to `base` within a round: the two lists hold one
/// figure per round, in the order of the rounds.
fn range(ours: &[f64], base: &[f64]) -> Option<(f64, f64)> {
    let ratios: Vec<f64> = ours.iter().zip(base).map(|(ours, base)| ours / base).collect();
    let lowest = ratios.iter().copied().reduce(f64::min)?;
    Some((lowest, ratios.iter().copied().fold(lowest, f64::max)))
}

/// The targets as a markdown table.
pub fn table(results: &Results, scenarios: &[Scenario]) -> String {
    let mut out = String::from("| target | measured | rounds, lowest to highest | needed | met |\n");
    out.push_str("|---|---:|---:|---:|---|\n");
    for t in of(results, scenarios) {
        let percent = |ratio: f64| format!("{:.1}%", ratio * 100.0);
        let (measured, needed) = if t.higher_is_better {
            (percent(t.measured), format!("≥ {:.0}%", t.needed * 100.0))
        } else {
            (format!("{:.2}", t.measured), format!("{} {:.2}", if t.needed == 1.0 { "<" } else { "≤" }, t.needed))
        };
        let rounds = t.rounds.map(|(low, high)| format!("{} to {}", percent(low), percent(high))).unwrap_or_default();
        let met = if t.met() { "yes" } else { "**no**" };
        let _ = writeln!(out, "| {} | {measured} | {rounds} | {needed} | {met} |", t.name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{of, range, table};
    use crate::equal_work::Footprint;
    use crate::load::Measurement;
    use crate::report::{Results, Who};
    use crate::scenarios::{Scenario, TokenFormat};

    const OPAQUE: Scenario = Scenario::ClientCredentials(TokenFormat::Opaque);
    const ES256: Scenario = Scenario::ClientCredentials(TokenFormat::JwtEs256);
    const RS256: Scenario = Scenario::ClientCredentials(TokenFormat::JwtRs256);

    fn run(rate: f64, p99_ms: f64) -> Measurement {
        Measurement { requests: rate as u64 * 5, rate, p50_ms: p99_ms / 4.0, p99_ms, errors: 0 }
    }

    /// Results where each server ran `scenario` once per rate given.
    fn with_runs(runs: &[(Scenario, Who, &[f64])]) -> Results {
        let mut results = Results::default();
        for &(scenario, who, rates) in runs {
            results.runs.insert((scenario, who), rates.iter().map(|&r| run(r, 5.0)).collect());
        }
        results
    }

    /// The target whose name starts with `name`; panics if the report lacks it.
    fn target(results: &Results, scenarios: &[Scenario], name: &str) -> super::Target {
        of(results, scenarios)
            .into_iter()
            .find(|t| t.name.starts_with(name))
            .unwrap_or_else(|| panic!("no target {name}"))
    }

    fn met(results: &Results, scenarios: &[Scenario], name: &str) -> bool {
        target(results, scenarios, name).met()
    }

    #[test]
    fn opaque_tokens_need_70_percent_of_the_ceiling_in_memory_and_40_with_sqlite() {
        let name = |who: Who| format!("client_credentials, opaque, {}: of the ceiling", who.label());
        let results = with_runs(&[
            (OPAQUE, Who::Ceiling, &[1000.0, 900.0, 1100.0]),
            (OPAQUE, Who::OursMemory, &[700.0, 100.0, 800.0]),
            (OPAQUE, Who::OursSqlite, &[399.0]),
        ]);
        assert!(met(&results, &[OPAQUE], &name(Who::OursMemory)), "700 of 1000 (medians) is 70%");
        assert!(!met(&results, &[OPAQUE], &name(Who::OursSqlite)), "399 of 1000 is under 40%");
    }

    #[test]
    fn the_rounds_range_pairs_each_round_with_the_same_rounds_base() {
        let results = with_runs(&[
            (OPAQUE, Who::Ceiling, &[1000.0, 900.0, 1100.0]),
            (OPAQUE, Who::OursMemory, &[700.0, 100.0, 880.0]),
        ]);
        let name = format!("client_credentials, opaque, {}: of the ceiling", Who::OursMemory.label());
        let (low, high) = target(&results, &[OPAQUE], &name).rounds.unwrap();
        assert!((low - 100.0 / 900.0).abs() < 1e-9 && (high - 0.8).abs() < 1e-9, "{low} {high}");
        assert_eq!(range(&[1.0], &[]), None, "no round of the base, no range");
        assert!(table(&results, &[OPAQUE]).contains("| 70.0% | 11.1% to 80.0% | ≥ 70% | yes |"));
    }

    #[test]
    fn es256_needs_60_percent_of_the_ceiling() {
        let name = format!("client_credentials, JWT ES256, {}: of the ceiling", Who::OursMemory.label());
        let at = |rate: f64| with_runs(&[(ES256, Who::Ceiling, &[1000.0]), (ES256, Who::OursMemory, &[rate])]);
        assert!(met(&at(600.0), &[ES256], &name));
        assert!(!met(&at(599.0), &[ES256], &name));
    }

    #[test]
    fn rs256_is_measured_against_the_median_of_openssl_speed() {
        let name = format!("client_credentials, JWT RS256, {}: of `openssl speed", Who::OursMemory.label());
        let at = |rate: f64| {
            let mut results = with_runs(&[(RS256, Who::OursMemory, &[rate, rate, rate])]);
            results.openssl_rsa2048 = vec![2400.0, 1000.0, 2000.0];
            results
        };
        assert!(met(&at(1500.0), &[RS256], &name), "75% of the median, 2000");
        assert!(!met(&at(1499.0), &[RS256], &name));
        assert_eq!(target(&at(1500.0), &[RS256], &name).rounds, Some((0.625, 1.5)), "each round's own openssl");
        let unmeasured = with_runs(&[(RS256, Who::OursMemory, &[1500.0])]);
        assert!(of(&unmeasured, &[RS256]).iter().all(|t| !t.name.contains("openssl")));
    }

    #[test]
    fn p99_must_be_strictly_below_the_peers() {
        let mut results = Results::default();
        results.runs.insert((OPAQUE, Who::Peer), vec![run(100.0, 40.0)]);
        results.runs.insert((OPAQUE, Who::OursMemory), vec![run(700.0, 40.0)]);
        results.runs.insert((OPAQUE, Who::OursSqlite), vec![run(400.0, 39.9)]);
        let p99 = |who: Who| format!("client_credentials, opaque, {}: p99 / peer's p99", who.label());
        assert!(!met(&results, &[OPAQUE], &p99(Who::OursMemory)), "equal is not below");
        assert!(met(&results, &[OPAQUE], &p99(Who::OursSqlite)));
    }

    #[test]
    fn memory_may_be_at_most_a_quarter_of_the_peers_after_the_runs_and_at_equal_work() {
        let mut results = Results::default();
        results.rss.insert(Who::Peer, (80.0, 300.0));
        results.rss.insert(Who::OursSqlite, (20.0, 75.0));
        results.rss.insert(Who::OursMemory, (20.0, 75.1));
        let footprint = |after_mib: f64| Footprint { idle_mib: 20.0, after_mib, issued: 50_000 };
        results.equal_work =
            vec![(Who::Peer, footprint(200.0)), (Who::OursSqlite, footprint(50.0)), (Who::OursMemory, footprint(50.1))];
        assert!(met(&results, &[], "RSS after the runs, ours (SQLite)"));
        assert!(!met(&results, &[], "RSS after the runs, ours (memory)"));
        assert!(met(&results, &[], "RSS at equal work, ours (SQLite)"));
        assert!(!met(&results, &[], "RSS at equal work, ours (memory)"));
    }
}
