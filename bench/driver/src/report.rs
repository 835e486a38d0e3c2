//! The markdown report: each scenario on each server (the median of its runs), memory, and
//! the targets.

use crate::load::Measurement;
use crate::scenarios::{Scenario, TokenFormat};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Which server a figure is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Who {
    OursSqlite,
    OursMemory,
    Peer,
    Ceiling,
}

impl Who {
    /// Its label in the tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::OursSqlite => "ours (SQLite)",
            Self::OursMemory => "ours (memory)",
            Self::Peer => "peer (oidc-provider)",
            Self::Ceiling => "ceiling (bare Rocket)",
        }
    }
}

/// Everything one run of the benchmark found.
#[derive(Debug, Default)]
pub struct Results {
    /// The runs of each scenario on each server, in order.
    pub runs: BTreeMap<(Scenario, Who), Vec<Measurement>>,
    /// Resident memory, MiB: (at idle, after the runs).
    pub rss: BTreeMap<Who, (f64, f64)>,
    /// `openssl speed -multi N rsa2048`, signatures per second on all cores: one measurement
    /// per round, taken just before the round's RS256 runs.
    pub openssl_rsa2048: Vec<f64>,
    /// Resident memory of each server started afresh after issuing the same number of tokens.
    pub equal_work: Vec<(Who, crate::equal_work::Footprint)>,
    /// Header lines: the machine and the load.
    pub context: Vec<String>,
}

impl Results {
    /// The median of the `openssl speed` measurements, if any.
    pub fn openssl_rsa2048(&self) -> Option<f64> {
        (!self.openssl_rsa2048.is_empty()).then(|| median(self.openssl_rsa2048.clone()))
    }

    /// A scenario's runs on a server, summed up: requests and errors added, rates and latencies
    /// the median of the runs (a run disturbed by the machine's neighbours moves a mean, not a
    /// median).
    pub fn typical(&self, scenario: Scenario, who: Who) -> Option<Measurement> {
        let runs = self.runs.get(&(scenario, who)).filter(|r| !r.is_empty())?;
        let median = |value: fn(&Measurement) -> f64| median(runs.iter().map(value).collect());
        Some(Measurement {
            requests: runs.iter().map(|m| m.requests).sum(),
            rate: median(|m| m.rate),
            p50_ms: median(|m| m.p50_ms),
            p99_ms: median(|m| m.p99_ms),
            errors: runs.iter().map(|m| m.errors).sum(),
        })
    }

    fn ratio(&self, scenario: Scenario, who: Who, base: Who) -> Option<f64> {
        Some(self.typical(scenario, who)?.rate / self.typical(scenario, base)?.rate)
    }

    /// The whole report.
    pub fn markdown(&self, scenarios: &[Scenario]) -> String {
        let mut out = String::new();
        for line in &self.context {
            let _ = writeln!(out, "{line}  ");
        }
        out.push('\n');
        self.throughput_table(&mut out, scenarios);
        self.memory_table(&mut out);
        self.equal_work_table(&mut out);
        self.targets_table(&mut out, scenarios);
        out
    }

    fn throughput_table(&self, out: &mut String, scenarios: &[Scenario]) {
        out.push_str("| scenario | server | req/s | p50 ms | p99 ms | ours/peer | of ceiling | errors |\n");
        out.push_str("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for &scenario in scenarios {
            for who in [Who::OursSqlite, Who::OursMemory, Who::Peer, Who::Ceiling] {
                let Some(m) = self.typical(scenario, who) else { continue };
                let vs_peer = match who {
                    Who::OursSqlite | Who::OursMemory => percent_or_x(self.ratio(scenario, who, Who::Peer), true),
                    _ => String::new(),
                };
                let of_ceiling = match who {
                    Who::Ceiling => String::new(),
                    _ => percent_or_x(self.ratio(scenario, who, Who::Ceiling), false),
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {:.0} | {:.2} | {:.2} | {vs_peer} | {of_ceiling} | {} |",
                    scenario.label(),
                    who.label(),
                    m.rate,
                    m.p50_ms,
                    m.p99_ms,
                    m.errors
                );
            }
        }
        out.push('\n');
    }

    fn memory_table(&self, out: &mut String) {
        out.push_str("| resident memory (RSS) | at idle, MiB | after the runs, MiB | ours/peer after | tokens issued | KiB per token |\n");
        out.push_str("|---|---:|---:|---:|---:|---:|\n");
        let peer_after = self.rss.get(&Who::Peer).map(|r| r.1);
        for (who, (idle, after)) in &self.rss {
            let ratio = match (who, peer_after) {
                (Who::OursSqlite | Who::OursMemory, Some(peer)) => format!("{:.2}", after / peer),
                _ => String::new(),
            };
            let issued = self.tokens_issued(*who);
            let per_token = match issued {
                0 => String::new(),
                n => format!("{:.2}", (after - idle) * 1024.0 / n as f64),
            };
            let issued = if issued == 0 { String::new() } else { issued.to_string() };
            let _ = writeln!(out, "| {} | {idle:.1} | {after:.1} | {ratio} | {issued} | {per_token} |", who.label());
        }
        out.push('\n');
    }

    fn equal_work_table(&self, out: &mut String) {
        if self.equal_work.is_empty() {
            return;
        }
        out.push_str("| RSS at equal work (fresh start, then opaque tokens) | tokens issued | at idle, MiB | after, MiB | ours/peer after | KiB per token |\n");
        out.push_str("|---|---:|---:|---:|---:|---:|\n");
        let peer = self.equal_work_of(Who::Peer);
        for (who, f) in &self.equal_work {
            let ratio = match (who, peer) {
                (Who::OursSqlite | Who::OursMemory, Some(peer)) => format!("{:.2}", f.after_mib / peer.after_mib),
                _ => String::new(),
            };
            let per_token = (f.after_mib - f.idle_mib) * 1024.0 / f.issued.max(1) as f64;
            let _ = writeln!(
                out,
                "| {} | {} | {:.1} | {:.1} | {ratio} | {per_token:.2} |",
                who.label(),
                f.issued,
                f.idle_mib,
                f.after_mib
            );
        }
        out.push('\n');
    }

    fn equal_work_of(&self, who: Who) -> Option<crate::equal_work::Footprint> {
        self.equal_work.iter().find(|(w, _)| *w == who).map(|(_, f)| *f)
    }

    /// Access tokens a server issued in the measured runs (client credentials requests and code
    /// flows; the warm-up's are not counted): what a store that keeps them holds.
    fn tokens_issued(&self, who: Who) -> u64 {
        self.runs
            .iter()
            .filter(|((scenario, w), _)| {
                *w == who && matches!(scenario, Scenario::ClientCredentials(_) | Scenario::CodeFlow)
            })
            .flat_map(|(_, runs)| runs.iter().map(|m| m.requests))
            .sum()
    }

    /// The targets, each with what this run measured.
    pub fn targets(&self, scenarios: &[Scenario]) -> Vec<Target> {
        let mut targets = Vec::new();
        let ours = [Who::OursMemory, Who::OursSqlite];
        let mut of_ceiling = |scenario: Scenario, who: Who, needed: f64| {
            if let Some(ratio) = self.ratio(scenario, who, Who::Ceiling) {
                let name = format!("{}, {}: of the ceiling", scenario.label(), who.label());
                targets.push(Target { name, measured: ratio, needed, higher_is_better: true });
            }
        };
        for &scenario in scenarios {
            match scenario {
                Scenario::ClientCredentials(TokenFormat::Opaque) | Scenario::Introspection => {
                    of_ceiling(scenario, Who::OursMemory, 0.70);
                    of_ceiling(scenario, Who::OursSqlite, 0.40);
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
                    && let (Some(m), Some(openssl)) = (self.typical(scenario, who), self.openssl_rsa2048())
                {
                    let name = format!("{}, {}: of `openssl speed rsa2048`", scenario.label(), who.label());
                    targets.push(Target { name, measured: m.rate / openssl, needed: 0.75, higher_is_better: true });
                }
                if let (Some(m), Some(peer)) = (self.typical(scenario, who), self.typical(scenario, Who::Peer)) {
                    let name = format!("{}, {}: p99 / peer's p99", scenario.label(), who.label());
                    let measured = m.p99_ms / peer.p99_ms;
                    targets.push(Target { name, measured, needed: 1.0, higher_is_better: false });
                }
            }
        }
        if let Some((_, peer)) = self.rss.get(&Who::Peer) {
            for who in ours {
                if let Some((_, after)) = self.rss.get(&who) {
                    let name = format!("RSS after the runs, {}: / peer's", who.label());
                    targets.push(Target { name, measured: after / peer, needed: 0.25, higher_is_better: false });
                }
            }
        }
        if let Some(peer) = self.equal_work_of(Who::Peer) {
            for who in ours {
                if let Some(f) = self.equal_work_of(who) {
                    let name = format!("RSS at equal work, {}: / peer's", who.label());
                    let measured = f.after_mib / peer.after_mib;
                    targets.push(Target { name, measured, needed: 0.25, higher_is_better: false });
                }
            }
        }
        targets
    }

    fn targets_table(&self, out: &mut String, scenarios: &[Scenario]) {
        out.push_str("| target | measured | needed | met |\n|---|---:|---:|---|\n");
        for t in self.targets(scenarios) {
            let (measured, needed) = if t.higher_is_better {
                (format!("{:.1}%", t.measured * 100.0), format!("≥ {:.0}%", t.needed * 100.0))
            } else {
                (format!("{:.2}", t.measured), format!("{} {:.2}", if t.needed == 1.0 { "<" } else { "≤" }, t.needed))
            };
            let _ =
                writeln!(out, "| {} | {measured} | {needed} | {} |", t.name, if t.met() { "yes" } else { "**no**" });
        }
    }
}

/// One of the targets and this run's figure for it.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub measured: f64,
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

fn percent_or_x(ratio: Option<f64>, as_multiple: bool) -> String {
    match ratio {
        Some(r) if as_multiple => format!("{r:.1}x"),
        Some(r) => format!("{:.0}%", r * 100.0),
        None => String::new(),
    }
}

/// The median of some values (not empty).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) { (values[middle - 1] + values[middle]) / 2.0 } else { values[middle] }
}

#[cfg(test)]
mod tests {
    use super::{Results, Who, median};
    use crate::equal_work::Footprint;
    use crate::load::Measurement;
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

    /// Whether the target whose name starts with `name` is met; panics if the report lacks it.
    fn met(results: &Results, scenarios: &[Scenario], name: &str) -> bool {
        let targets = results.targets(scenarios);
        targets.iter().find(|t| t.name.starts_with(name)).unwrap_or_else(|| panic!("no target {name}")).met()
    }

    #[test]
    fn the_median_ignores_one_disturbed_run() {
        assert_eq!(median(vec![2400.0, 900.0, 2300.0]), 2300.0);
        assert_eq!(median(vec![2400.0, 900.0, 2300.0, 2200.0]), 2250.0);
        assert_eq!(median(vec![7.0]), 7.0);
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
            let mut results = with_runs(&[(RS256, Who::OursMemory, &[rate])]);
            results.openssl_rsa2048 = vec![2400.0, 1000.0, 2000.0];
            results
        };
        assert!(met(&at(1500.0), &[RS256], &name), "75% of the median, 2000");
        assert!(!met(&at(1499.0), &[RS256], &name));
        let unmeasured = with_runs(&[(RS256, Who::OursMemory, &[1500.0])]);
        assert!(unmeasured.targets(&[RS256]).iter().all(|t| !t.name.contains("openssl")));
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

    #[test]
    fn tokens_issued_count_client_credentials_and_code_flows_only() {
        let results = with_runs(&[
            (OPAQUE, Who::OursMemory, &[1000.0, 2000.0]),
            (Scenario::CodeFlow, Who::OursMemory, &[100.0]),
            (Scenario::Introspection, Who::OursMemory, &[3000.0]),
            (Scenario::Discovery, Who::OursMemory, &[9000.0]),
            (OPAQUE, Who::Peer, &[400.0]),
        ]);
        assert_eq!(results.tokens_issued(Who::OursMemory), (1000 + 2000 + 100) * 5);
    }
}
