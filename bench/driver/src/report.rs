//! The markdown report: each scenario on each server (the median of its runs), memory, and
//! the issue's [targets](crate::targets).

use crate::load::Measurement;
use crate::scenarios::Scenario;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Which server a figure is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Who {
    OursSqlite,
    OursMemory,
    OursPostgres,
    Peer,
    Ceiling,
}

impl Who {
    /// Its label in the tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::OursSqlite => "ours (SQLite)",
            Self::OursMemory => "ours (memory)",
            Self::OursPostgres => "ours (PostgreSQL)",
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

    /// The ratio of two servers' median rates in a scenario.
    pub fn ratio(&self, scenario: Scenario, who: Who, base: Who) -> Option<f64> {
        Some(self.typical(scenario, who)?.rate / self.typical(scenario, base)?.rate)
    }

    /// A scenario's rate on a server in each round, in the order of the rounds.
    pub fn rates(&self, scenario: Scenario, who: Who) -> Vec<f64> {
        self.runs.get(&(scenario, who)).map(|runs| runs.iter().map(|m| m.rate).collect()).unwrap_or_default()
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
        out.push_str(&crate::targets::table(self, scenarios));
        out
    }

    fn throughput_table(&self, out: &mut String, scenarios: &[Scenario]) {
        out.push_str("| scenario | server | req/s | p50 ms | p99 ms | ours/peer | of ceiling | errors |\n");
        out.push_str("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for &scenario in scenarios {
            for who in [Who::OursSqlite, Who::OursMemory, Who::OursPostgres, Who::Peer, Who::Ceiling] {
                let Some(m) = self.typical(scenario, who) else { continue };
                let vs_peer = match who {
                    Who::OursSqlite | Who::OursMemory | Who::OursPostgres => {
                        percent_or_x(self.ratio(scenario, who, Who::Peer), true)
                    }
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
                (Who::OursSqlite | Who::OursMemory | Who::OursPostgres, Some(peer)) => format!("{:.2}", after / peer),
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

    /// What `who` held at equal work, if it was measured.
    pub fn equal_work_of(&self, who: Who) -> Option<crate::equal_work::Footprint> {
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
    use crate::load::Measurement;
    use crate::scenarios::{Scenario, TokenFormat};

    const OPAQUE: Scenario = Scenario::ClientCredentials(TokenFormat::Opaque);

    /// Results where each server ran `scenario` once per rate given.
    fn with_runs(runs: &[(Scenario, Who, &[f64])]) -> Results {
        let mut results = Results::default();
        for &(scenario, who, rates) in runs {
            let run = |rate: f64| Measurement { requests: rate as u64 * 5, rate, p50_ms: 1.0, p99_ms: 5.0, errors: 0 };
            results.runs.insert((scenario, who), rates.iter().map(|&r| run(r)).collect());
        }
        results
    }

    #[test]
    fn the_median_ignores_one_disturbed_run() {
        assert_eq!(median(vec![2400.0, 900.0, 2300.0]), 2300.0);
        assert_eq!(median(vec![2400.0, 900.0, 2300.0, 2200.0]), 2250.0);
        assert_eq!(median(vec![7.0]), 7.0);
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
