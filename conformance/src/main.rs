//! `conformance-runner`: runs a profile's OpenID conformance plan against a provider.

use clap::Parser;
use conformance::{Suite, Timing, plan, run};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Runs a profile's conformance suite plan against the provider and reports the results.
#[derive(Parser)]
#[command(name = "conformance-runner", version, about)]
struct Cli {
    /// The profile whose plan to run (a file conformance/plans/<profile>.toml).
    #[arg(long)]
    profile: String,
    /// The provider's issuer, as the suite reaches it.
    #[arg(long, env = "OP_ISSUER")]
    issuer: String,
    /// The suite's base URL. Without it, and without a Docker engine, the run is skipped.
    #[arg(long, env = "CONFORMANCE_SERVER")]
    suite: Option<String>,
    /// The suite's API token (not needed in its dev mode).
    #[arg(long, env = "CONFORMANCE_TOKEN")]
    token: Option<String>,
    /// Do not verify the suite's TLS certificate (its own scripts do the same in dev mode).
    #[arg(long)]
    insecure: bool,
    /// Where the plans and expected results are.
    #[arg(long, default_value = "conformance")]
    dir: PathBuf,
    /// Where to write report.json and junit.xml.
    #[arg(long, default_value = "target/conformance")]
    out: PathBuf,
    /// Seconds a module may take to finish.
    #[arg(long, default_value_t = 240)]
    module_timeout: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(suite_url) = cli.suite.clone() else {
        let why = if std::path::Path::new("/var/run/docker.sock").exists() {
            "no --suite URL; starting the suite with testcontainers is not built yet"
        } else {
            "no --suite URL and no Docker engine to start the suite"
        };
        println!("conformance: skipped: {why}");
        return ExitCode::SUCCESS;
    };
    let (spec, config, expected) = match plan::load(&cli.dir, &cli.profile, &cli.issuer) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let suite = match Suite::new(&suite_url, cli.token.clone(), cli.insecure) {
        Ok(suite) => suite,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let timing = Timing { module_timeout: Duration::from_secs(cli.module_timeout), ..Timing::default() };
    let report = match run(&suite, &spec, &config, &expected, timing).await {
        Ok(report) => report,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    print!("{}", report.table());
    let out = cli.out.join(&cli.profile);
    let written = std::fs::create_dir_all(&out)
        .and_then(|_| std::fs::write(out.join("report.json"), serde_json::to_vec_pretty(&report).unwrap_or_default()))
        .and_then(|_| std::fs::write(out.join("junit.xml"), report.junit()));
    if let Err(e) = written {
        eprintln!("cannot write the reports to {}: {e}", out.display());
        return ExitCode::from(2);
    }
    if report.ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
