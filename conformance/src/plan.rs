//! What to run for a profile: the plan, its variants and configuration, and the results that are
//! expected to be less than PASSED, each with its reason.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// A plan to run for a profile (`conformance/plans/<profile>.toml`).
#[derive(Debug, Clone, Deserialize)]
pub struct PlanSpec {
    /// The suite's plan name.
    pub plan: String,
    /// The variant selections, as the suite's JSON.
    #[serde(default = "empty_object")]
    pub variant: Value,
    /// The plan configuration file (JSON), relative to the spec.
    pub config: String,
    /// The provider profile the plan tests, when it is not the spec's own name (the three
    /// form post plans share the `formpost` profile).
    #[serde(default)]
    pub profile: Option<String>,
    /// `OP_*` variables the provider runs with, for what the profile leaves off: the
    /// `dynamic_client` variants of the static-client plans need registration enabled.
    #[serde(default)]
    pub provider_env: BTreeMap<String, String>,
    /// Values for `{NAME}` placeholders in the configuration, so that one configuration serves
    /// several variants (the FAPI plans' client ids, alias and scope).
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// The expected-results file in `expected/`, when the spec shares one with the other
    /// variants of its plan (default: `<profile>.toml`).
    #[serde(default)]
    pub expected: Option<String>,
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

/// Results other than PASSED that are acceptable, each with its reason
/// (`conformance/expected/<profile>.toml`). A module is named alone (every variant) or with its
/// variant as the report shows it (`oidcc-server[response_type=id_token token]`):
///
/// ```toml
/// [review]
/// oidcc-prompt-login = "the suite asks for a screenshot of the login page shown again"
/// [warning]
/// oidcc-ensure-post-request-succeeds = "why this warning is acceptable"
/// ```
///
/// REVIEW is listed like WARNING: a REVIEW needs a person to look, so only the modules that
/// always ask for a screenshot belong here.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    #[serde(default)]
    review: BTreeMap<String, String>,
    #[serde(default)]
    warning: BTreeMap<String, String>,
}

impl Expected {
    /// The reason `module` (in `variant`, as `ModuleResult::key` spells it) may end in REVIEW.
    pub fn review(&self, module: &str, key: &str) -> Option<&str> {
        Self::find(&self.review, module, key)
    }

    /// The reason `module` (in `variant`) may end in WARNING.
    pub fn warning(&self, module: &str, key: &str) -> Option<&str> {
        Self::find(&self.warning, module, key)
    }

    fn find<'a>(reasons: &'a BTreeMap<String, String>, module: &str, key: &str) -> Option<&'a str> {
        reasons.get(key).or_else(|| reasons.get(module)).map(String::as_str)
    }
}

/// Loads a profile's plan spec, its configuration (with `{ISSUER}` and the spec's `vars`
/// replaced) and expected results.
pub fn load(dir: &Path, profile: &str, issuer: &str) -> Result<(PlanSpec, Value, Expected), String> {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let spec_path = dir.join("plans").join(format!("{profile}.toml"));
    let spec: PlanSpec = toml::from_str(&read(&spec_path)?).map_err(|e| format!("{}: {e}", spec_path.display()))?;
    let config_path = dir.join("plans").join(&spec.config);
    let mut config_text = read(&config_path)?.replace("{ISSUER}", issuer);
    for (name, value) in &spec.vars {
        config_text = config_text.replace(&format!("{{{name}}}"), value);
    }
    let config = serde_json::from_str(&config_text).map_err(|e| format!("{}: {e}", config_path.display()))?;
    let expected_name = spec.expected.clone().unwrap_or_else(|| format!("{profile}.toml"));
    let expected_path = dir.join("expected").join(expected_name);
    let expected = if expected_path.exists() {
        toml::from_str(&read(&expected_path)?).map_err(|e| format!("{}: {e}", expected_path.display()))?
    } else {
        Expected::default()
    };
    Ok((spec, config, expected))
}
