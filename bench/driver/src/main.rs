//! The HTTP load benchmark (`bench/run.sh` builds everything and runs this). It starts the Rust
//! provider (SQLite and memory storage), the npm oidc-provider peer and a bare Rocket ceiling on
//! loopback, signs a user in on each, and measures every scenario on every server in turn,
//! round after round (A, B, A, B), then prints one markdown report with the targets.

mod equal_work;
mod load;
mod report;
mod scenarios;
mod servers;
mod session;
mod targets;

use clap::Parser;
use load::{Load, Measurement};
use report::{Results, Who};
use scenarios::{ALL, Scenario, TokenFormat, Tokens};
use servers::{Paths, Server, Store};
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Duration;

/// Measures the provider against the npm oidc-provider peer and a bare Rocket ceiling.
#[derive(Parser)]
struct Cli {
    /// Seconds each run lasts at most.
    #[arg(long, default_value_t = 5)]
    duration: u64,
    /// Requests (or code flows) each run makes at most.
    #[arg(long, default_value_t = 1_000_000)]
    max_requests: u64,
    /// Open connections (wrk) and concurrent code flows.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// wrk threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Rounds over all servers: each scenario is measured this many times per server, alternating.
    #[arg(long, default_value_t = 4)]
    rounds: usize,
    /// Only these scenarios (discovery, jwks, cc-opaque, cc-es256, cc-rs256, introspection,
    /// userinfo, code-flow), comma-separated.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Tokens each server issues from a fresh start before its memory is read at equal work
    /// (0: skip that phase).
    #[arg(long, default_value_t = 50_000)]
    equal_work_tokens: u64,
    /// Also measure the provider on this PostgreSQL database (`bench/run.sh` starts a throwaway
    /// server and passes it).
    #[arg(long, env = "OP_BENCH_POSTGRES_URL")]
    postgres: Option<String>,
    /// Leave the peer out (a quicker run while working on the provider).
    #[arg(long)]
    no_peer: bool,
    /// The Node.js that runs the peer. `bench/run.sh` passes the LTS release pinned in
    /// `bench/peer/package.json`, the runtime the peer's authors support.
    #[arg(long, default_value = "node")]
    peer_node: PathBuf,
    /// The repository root.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// The release target folder holding `provider` and `bench-ceiling`.
    #[arg(long, default_value = "target/release")]
    target: PathBuf,
    /// Also write the report to this file.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// One server under load, with what the runs need from it.
struct Subject {
    who: Who,
    server: Server,
    endpoints: Option<session::Endpoints>,
    browser: reqwest::Client,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli).await {
        Ok(report) => {
            println!("{report}");
            if let Some(path) = &cli.out
                && let Err(e) = std::fs::write(path, &report)
            {
                eprintln!("{}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: &Cli) -> Result<String, String> {
    let scenarios: Vec<Scenario> =
        ALL.into_iter().filter(|s| cli.only.is_empty() || cli.only.iter().any(|o| o == s.key())).collect();
    let load = Load {
        connections: cli.connections,
        threads: cli.threads,
        duration: Duration::from_secs(cli.duration),
        max_requests: cli.max_requests,
    };
    let paths = Paths {
        root: cli.root.clone(),
        provider: cli.target.join("provider"),
        ceiling: cli.target.join("bench-ceiling"),
        node: cli.peer_node.clone(),
    };
    let script = cli.root.join("bench/wrk/request.lua");
    let mut results = Results::default();
    let load_before = load_average();

    eprintln!("starting the servers");
    let mut subjects = start(&paths, !cli.no_peer, cli.postgres.as_deref()).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle: Vec<f64> = subjects.iter().map(|s| s.server.rss_mib()).collect();
    let mut tokens = Vec::new();
    for subject in &mut subjects {
        tokens.push(prepare(subject).await?);
    }

    eprintln!("warming up");
    let warm_up = Load { duration: Duration::from_secs(1), ..load };
    for &scenario in &scenarios {
        for (subject, tokens) in subjects.iter().zip(&tokens) {
            measure(subject, scenario, tokens, &script, warm_up).await?;
        }
    }
    for round in 1..=cli.rounds {
        for &scenario in &scenarios {
            if scenario == Scenario::ClientCredentials(TokenFormat::JwtRs256) {
                // What the cores can sign, measured in the same round as the servers' RS256 runs:
                // the machine's neighbours move it as much as they move those.
                results.openssl_rsa2048.extend(tokio::task::spawn_blocking(openssl_rsa2048).await.ok().flatten());
            }
            for (subject, tokens) in subjects.iter().zip(&tokens) {
                let Some(m) = measure(subject, scenario, tokens, &script, load).await? else { continue };
                eprintln!(
                    "round {round}: {} on {}: {:.0}/s, p99 {:.2} ms, {} errors",
                    scenario.key(),
                    subject.who.label(),
                    m.rate,
                    m.p99_ms,
                    m.errors
                );
                results.runs.entry((scenario, subject.who)).or_default().push(m);
            }
        }
    }
    for (subject, idle) in subjects.iter().zip(idle) {
        results.rss.insert(subject.who, (idle, subject.server.rss_mib()));
    }
    drop(subjects);
    if cli.equal_work_tokens > 0 {
        eprintln!("memory at equal work: {} tokens each, from a fresh start", cli.equal_work_tokens);
        results.equal_work = equal_work::measure(&paths, !cli.no_peer, cli.equal_work_tokens, cli.connections).await?;
    }
    results.context = vec![
        "## HTTP load benchmark".into(),
        format!(
            "Machine: {} cores; load average {} before, {} after.",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            load_before,
            load_average()
        ),
        format!(
            "Load: wrk with {} threads and {} connections (code flows: {} concurrent); runs of at most {} s and \
             {} requests; {} alternating rounds, figures are the medians of the rounds.",
            load.threads, load.connections, load.connections, cli.duration, load.max_requests, cli.rounds
        ),
        match results.openssl_rsa2048() {
            Some(n) => format!(
                "`openssl speed -multi N rsa2048`: {n:.0} signatures/s on all cores (median of the rounds: {}).",
                results.openssl_rsa2048.iter().map(|n| format!("{n:.0}")).collect::<Vec<_>>().join(", ")
            ),
            None => "`openssl speed` was not available.".into(),
        },
    ];
    if !cli.no_peer {
        results.context.push(format!("Peer: {}.", servers::peer_version(&paths)));
    }
    Ok(results.markdown(&scenarios))
}

/// Starts every server and waits for each to answer.
async fn start(paths: &Paths, with_peer: bool, postgres: Option<&str>) -> Result<Vec<Subject>, String> {
    let mut servers = vec![
        (Who::OursSqlite, Server::provider(paths, &Store::Sqlite, 8101)?),
        (Who::OursMemory, Server::provider(paths, &Store::Memory, 8102)?),
    ];
    if let Some(url) = postgres {
        servers.push((Who::OursPostgres, Server::provider(paths, &Store::Postgres(url.into()), 8103)?));
    }
    if with_peer {
        servers.push((Who::Peer, Server::peer(paths, 8200)?));
    }
    servers.push((Who::Ceiling, Server::ceiling(paths, 8300)?));
    let mut subjects = Vec::new();
    for (who, mut server) in servers {
        let browser = session::browser();
        let ready = if who == Who::Ceiling { "/get" } else { "/.well-known/openid-configuration" };
        server.ready(&browser, ready).await?;
        subjects.push(Subject { who, server, endpoints: None, browser });
    }
    Ok(subjects)
}

/// Signs alice in and issues the tokens the runs present.
async fn prepare(subject: &mut Subject) -> Result<Tokens, String> {
    if subject.who == Who::Ceiling {
        return Ok(Tokens { opaque: "x".repeat(43), userinfo: String::new() });
    }
    let endpoints = session::Endpoints::discover(&subject.browser, &subject.server.base).await?;
    let userinfo =
        session::sign_in(&subject.browser, &endpoints).await.map_err(|e| format!("{}: {e}", subject.who.label()))?;
    let answer: serde_json::Value = session::opaque_token_request(&subject.browser, &endpoints.token)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let opaque = answer["access_token"].as_str().ok_or_else(|| format!("no client_credentials token: {answer}"))?;
    subject.endpoints = Some(endpoints);
    Ok(Tokens { opaque: opaque.into(), userinfo })
}

/// One run of a scenario on a server (`None` where the scenario does not apply to it).
async fn measure(
    subject: &Subject,
    scenario: Scenario,
    tokens: &Tokens,
    script: &std::path::Path,
    load: Load,
) -> Result<Option<Measurement>, String> {
    if scenario == Scenario::CodeFlow {
        return Ok(match &subject.endpoints {
            Some(endpoints) => Some(load::code_flows(&subject.browser, endpoints, load).await),
            None => None,
        });
    }
    let request = match &subject.endpoints {
        Some(endpoints) => scenario.request(endpoints, tokens),
        None => scenario.ceiling_request(&subject.server.base, tokens),
    };
    let Some(request) = request else { return Ok(None) };
    let script = script.to_path_buf();
    tokio::task::spawn_blocking(move || load::wrk(&script, &request, load).map(Some))
        .await
        .map_err(|e| e.to_string())?
}

/// Signatures per second `openssl speed` makes with RSA-2048 on all cores.
fn openssl_rsa2048() -> Option<f64> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).to_string();
    let output = Command::new("openssl").args(["speed", "-seconds", "3", "-multi", &cores, "rsa2048"]).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    // "rsa 2048 bits 0.000688s 0.000018s   1453.1  54630.8": sign/s is the sixth field.
    let line = text.lines().rev().find(|l| l.starts_with("rsa 2048 bits"))?;
    line.split_whitespace().nth(5)?.parse().ok()
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
