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
}

impl Default for Timing {
    fn default() -> Self {
        // The suite's own scripts allow 240 s per phase.
        Self { module_timeout: Duration::from_secs(240), poll_every: Duration::from_secs(1) }
    }
}

/// Runs a plan: create it, then each module in turn, and judge the results against `expected`.
/// `progress` sees each result as it comes (a plan takes minutes).
pub async fn run(
    suite: &Suite,
    spec: &PlanSpec,
    config: &serde_json::Value,
    expected: &Expected,
    timing: Timing,
    mut progress: impl FnMut(&ModuleResult),
) -> Result<Report, SuiteError> {
    let plan = suite.create_plan(&spec.plan, &spec.variant, config).await?;
    let varying = report::varying_keys(plan.modules.iter().map(|m| &m.variant));
    let mut results = Vec::new();
    for module in &plan.modules {
        let label = report::variant_label(&module.variant, &varying);
        let started = suite.start_module(&module.name, &plan.id, &module.variant).await?;
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
