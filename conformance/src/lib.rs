//! Drives the OpenID Foundation conformance suite's REST API: creates a plan with its variants
//! and configuration, runs each module to completion (bounded waits), and reports the results.

pub mod containers;
pub mod plan;
pub mod report;
pub mod suite;

pub use plan::{Expected, PlanSpec};
pub use report::{Counts, ModuleResult, Outcome, Report};
pub use suite::{Suite, SuiteError};

use std::time::Duration;

/// How long to wait, and how often to look.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// The longest a module may take to finish.
    pub module_timeout: Duration,
    /// Pause between state checks.
    pub poll_every: Duration,
    /// How long a module may stay CONFIGURED before it is taken to wait for a start by hand.
    pub manual_start_after: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        // The suite's own scripts allow 240 s per phase.
        Self {
            module_timeout: Duration::from_secs(240),
            poll_every: Duration::from_secs(1),
            manual_start_after: Duration::from_secs(10),
        }
    }
}

/// What to do for a module that waits to be started by hand (`oidcc-server-rotate-keys` asks
/// for the provider's signing keys to be rotated first): a shell command, then a pause while the
/// provider picks the change up. Without one, the module is started as it is, as the suite's
/// own scripts do, and fails if it needed the action.
#[derive(Debug, Clone, Default)]
pub struct ManualStart {
    /// Run with `sh -c` before the module is started.
    pub command: Option<String>,
    /// Waited after the command.
    pub settle: Duration,
}

/// Runs a plan: create it, then each module in turn, and judge the results against `expected`.
/// `progress` sees each result as it comes (a plan takes minutes).
pub async fn run(
    suite: &Suite,
    spec: &PlanSpec,
    config: &serde_json::Value,
    expected: &Expected,
    timing: Timing,
    manual: &ManualStart,
    mut progress: impl FnMut(&ModuleResult),
) -> Result<Report, SuiteError> {
    let plan = suite.create_plan(&spec.plan, &spec.variant, config).await?;
    let varying = report::varying_keys(plan.modules.iter().map(|m| &m.variant));
    let mut results = Vec::new();
    for module in &plan.modules {
        let label = report::variant_label(&module.variant, &varying);
        let started = suite.start_module(&module.name, &plan.id, &module.variant).await?;
        if suite.waits_for_start(&started, timing).await? {
            if let Some(command) = &manual.command {
                eprintln!("{}: waits to be started by hand; running: {command}", module.name);
                let status = tokio::process::Command::new("sh").arg("-c").arg(command).status().await;
                if !status.as_ref().is_ok_and(|s| s.success()) {
                    eprintln!("{}: the command failed ({status:?}); starting the module anyway", module.name);
                }
                tokio::time::sleep(manual.settle).await;
            }
            suite.start(&started).await?;
        }
        let outcome = suite.wait_for_result(&started, timing).await?;
        // A log the suite cannot give is noted, not fatal: the result stands on its own.
        let log = suite.log(&started.id).await.unwrap_or_else(|e| vec![serde_json::json!({"msg": e.to_string()})]);
        let result =
            ModuleResult::judge(&module.name, &module.variant, label, started, outcome, expected).with_log(log);
        progress(&result);
        results.push(result);
    }
    Ok(Report { plan: spec.plan.clone(), variant: spec.variant.clone(), plan_id: plan.id, results })
}
