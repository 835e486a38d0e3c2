//! `conformance-runner`: runs a profile's OpenID conformance plan against a provider.

use clap::Parser;
use conformance::{Report, Suite, Timing, containers, plan, run};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Runs a profile's conformance suite plan against the provider and reports the results.
///
/// With `--suite`, it drives a suite already running (and a provider you started, at
/// `--issuer`). Without it, where a Docker engine exists, it starts the suite with testcontainers
/// and the provider from `--provider` with the plan's profile, over HTTPS. Without either, it
/// reports that it skipped, and why.
#[derive(Parser)]
#[command(name = "conformance-runner", version, about)]
struct Cli {
    /// The plan to run (a file conformance/plans/<name>.toml; usually the profile's name).
    #[arg(long)]
    profile: String,
    /// The provider's issuer, as the suite reaches it (with --suite).
    #[arg(long, env = "OP_ISSUER")]
    issuer: Option<String>,
    /// The suite's base URL. Without it the suite is started with testcontainers, if a Docker
    /// engine answers; otherwise the run is skipped.
    #[arg(long, env = "CONFORMANCE_SERVER")]
    suite: Option<String>,
    /// The suite's API token (not needed in its dev mode).
    #[arg(long, env = "CONFORMANCE_TOKEN")]
    token: Option<String>,
    /// Do not verify the suite's TLS certificate (its own scripts do the same in dev mode).
    #[arg(long)]
    insecure: bool,
    /// The provider binary to start when the suite is started here (build it with the
    /// profile's feature, or the default features).
    #[arg(long, default_value = "target/release/provider")]
    provider: PathBuf,
    /// The suite release whose prebuilt images to start.
    #[arg(long, default_value = containers::SUITE_TAG)]
    suite_tag: String,
    /// The repository root (for the fixtures the started provider uses).
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Where the plans and expected results are.
    #[arg(long, default_value = "conformance")]
    dir: PathBuf,
    /// Where to write report.json, junit.xml and the modules' logs.
    #[arg(long, default_value = "target/conformance")]
    out: PathBuf,
    /// A shell command run before starting a module that waits to be started by hand:
    /// `oidcc-server-rotate-keys` asks for the provider's signing keys to be rotated first
    /// (`provider keys rotate --keys FILE` on the keys file the provider serves).
    #[arg(long)]
    manual_start_command: Option<String>,
    /// Seconds to wait after that command, for the provider to pick the change up (its
    /// `keys.reload_interval`).
    #[arg(long, default_value_t = 3)]
    manual_start_settle: u64,
    /// Seconds a module may take to finish.
    #[arg(long, default_value_t = 240)]
    module_timeout: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run_plan(&cli).await {
        Ok(Some(report)) if report.ok() => ExitCode::SUCCESS,
        Ok(Some(_)) => ExitCode::FAILURE,
        Ok(None) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("conformance: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs the plan; `None` if it was skipped.
async fn run_plan(cli: &Cli) -> Result<Option<Report>, String> {
    // The suite and provider started here, kept alive for the run.
    let mut started = None;
    let (suite_url, issuer, insecure) = match &cli.suite {
        Some(url) => {
            let issuer = cli.issuer.clone().ok_or("--issuer is needed with --suite")?;
            (url.clone(), issuer, cli.insecure)
        }
        None => {
            if let Err(why) = containers::docker_available() {
                println!("conformance: skipped: no --suite URL, and {why}");
                return Ok(None);
            }
            (containers::SUITE_URL.to_string(), containers::PROVIDER_ISSUER.to_string(), true)
        }
    };
    let (spec, config, expected) = plan::load(&cli.dir, &cli.profile, &issuer)?;
    let profile = spec.profile.clone().unwrap_or_else(|| cli.profile.clone());
    if cli.suite.is_none() {
        println!("conformance: starting the suite ({}) and the provider ({profile})", cli.suite_tag);
        let suite = containers::start_suite(&cli.suite_tag).await?;
        let provider = containers::start_provider(&cli.provider, &cli.root, &profile, &spec.provider_env).await?;
        started = Some((suite, provider));
    } else {
        // The provider is the caller's: say what this plan expects it to run with.
        let env: Vec<String> = spec.provider_env.iter().map(|(name, value)| format!("{name}={value}")).collect();
        println!("conformance: the provider at {issuer} should run the {profile} profile {}", env.join(" "));
    }
    let suite = Suite::new(&suite_url, cli.token.clone(), insecure).map_err(|e| e.to_string())?;
    let timing = Timing { module_timeout: Duration::from_secs(cli.module_timeout), ..Timing::default() };
    let progress = |r: &conformance::ModuleResult| eprintln!("{}: {}", r.key(), r.outcome.label());
    let manual = conformance::ManualStart {
        command: cli.manual_start_command.clone(),
        settle: Duration::from_secs(cli.manual_start_settle),
    };
    let report = run(&suite, &spec, &config, &expected, timing, &manual, progress).await.map_err(|e| e.to_string())?;
    drop(started);
    print!("{}", report.table());
    let out = cli.out.join(&cli.profile);
    report.write_to(&out).map_err(|e| format!("cannot write the reports to {}: {e}", out.display()))?;
    Ok(Some(report))
}
