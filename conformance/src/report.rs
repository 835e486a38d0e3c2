//! Results: one per module and variant, judged against the expected-results file; a table, JSON
//! and JUnit XML.

use crate::plan::Expected;
use crate::suite::Started;
use serde::Serialize;
use serde_json::Value;

/// What the suite said about a module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", content = "detail", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    /// All conditions passed.
    Passed,
    /// Passed with warnings.
    Warning,
    /// Needs a person to look (a screenshot placeholder).
    Review,
    /// Not applicable to this configuration.
    Skipped,
    /// A failure, with why.
    Failed(String),
}

impl Outcome {
    /// From the suite's `result` field (`None` when the suite gave none).
    pub fn from_result(result: Option<&str>) -> Self {
        match result {
            Some("PASSED") => Self::Passed,
            Some("WARNING") => Self::Warning,
            Some("REVIEW") => Self::Review,
            Some("SKIPPED") => Self::Skipped,
            Some("FAILED") => Self::Failed("the suite reported FAILED".into()),
            Some(other) => Self::Failed(format!("unknown result {other}")),
            None => Self::Failed("the suite gave no result".into()),
        }
    }

    /// The label in tables.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Passed => "PASSED",
            Self::Warning => "WARNING",
            Self::Review => "REVIEW",
            Self::Skipped => "SKIPPED",
            Self::Failed(_) => "FAILED",
        }
    }
}

/// The variant keys whose values differ between a plan's modules: what tells apart the runs of
/// one module (`response_type` in the implicit plan), in the order the plan first shows them.
pub fn varying_keys<'a>(variants: impl IntoIterator<Item = &'a Value> + Clone) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for variant in variants.clone() {
        for key in variant.as_object().into_iter().flat_map(|o| o.keys()) {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
    }
    keys.retain(|key| {
        let mut values = variants.clone().into_iter().map(|v| v.get(key));
        let first = values.next().flatten();
        values.any(|v| v != first)
    });
    keys
}

/// A variant as `key=value` pairs of the `keys` named (`response_type=id_token token`).
pub fn variant_label(variant: &Value, keys: &[String]) -> String {
    keys.iter()
        .filter_map(|k| {
            let v = variant.get(k)?;
            Some(format!("{k}={}", v.as_str().map(String::from).unwrap_or_else(|| v.to_string())))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// One module's result and whether it is acceptable.
#[derive(Debug, Clone, Serialize)]
pub struct ModuleResult {
    /// The module.
    pub module: String,
    /// The module's variant, as the plan listed it.
    pub variant: Value,
    /// The part of the variant that tells this run from the plan's other runs of the module
    /// (`response_type=id_token`), or empty.
    pub label: String,
    /// The test instance id.
    pub id: String,
    /// Where the suite shows it.
    pub url: Option<String>,
    /// What the suite said.
    pub outcome: Outcome,
    /// Whether it is acceptable: passed, skipped, or a review or warning the expected-results
    /// file lists with its reason.
    pub ok: bool,
    /// The listed reason, for an expected warning or review.
    pub reason: Option<String>,
    /// What the module's log says went wrong: the `msg` of each FAILURE and WARNING entry.
    pub findings: Vec<String>,
    /// The module's whole log, written to its own file rather than into the report.
    #[serde(skip)]
    pub log: Vec<Value>,
}

impl ModuleResult {
    /// Judges an outcome against the expected results; `label` is the distinguishing part of
    /// the variant (see [`varying_keys`]).
    pub fn judge(
        module: &str,
        variant: &Value,
        label: String,
        started: Started,
        outcome: Outcome,
        expected: &Expected,
    ) -> Self {
        let key = key_of(module, &label);
        let reason = match &outcome {
            Outcome::Review => expected.review(module, &key),
            Outcome::Warning => expected.warning(module, &key),
            _ => None,
        };
        let ok = match &outcome {
            Outcome::Passed | Outcome::Skipped => true,
            Outcome::Review | Outcome::Warning => reason.is_some(),
            Outcome::Failed(_) => false,
        };
        Self {
            module: module.to_string(),
            variant: variant.clone(),
            label,
            id: started.id,
            url: started.url,
            outcome,
            ok,
            reason: reason.map(String::from),
            findings: Vec::new(),
            log: Vec::new(),
        }
    }

    /// The module with its variant, unique within a plan: `oidcc-server[response_type=id_token]`,
    /// or the module alone when it has no variant of its own.
    pub fn key(&self) -> String {
        key_of(&self.module, &self.label)
    }

    /// Keeps the module's log and picks out its failures and warnings.
    pub fn with_log(mut self, log: Vec<Value>) -> Self {
        self.findings = log
            .iter()
            .filter(|entry| matches!(entry["result"].as_str(), Some("FAILURE" | "WARNING")))
            .map(|entry| {
                let src = entry["src"].as_str().unwrap_or("?");
                format!(
                    "{}: {src}: {}",
                    entry["result"].as_str().unwrap_or_default(),
                    entry["msg"].as_str().unwrap_or("")
                )
            })
            .collect();
        self.log = log;
        self
    }

    /// The file name of its log: the key, with what a file name should not hold replaced.
    fn log_file(&self) -> String {
        let safe: String = self
            .key()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || "-_=.,".contains(c) { c } else { '_' })
            .collect();
        format!("{}.json", safe.trim_end_matches('_'))
    }
}

fn key_of(module: &str, label: &str) -> String {
    if label.is_empty() { module.to_string() } else { format!("{module}[{label}]") }
}

/// A plan's results.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The plan name.
    pub plan: String,
    /// The plan's variant, as the spec chose it.
    pub variant: Value,
    /// The plan id in the suite.
    pub plan_id: String,
    /// Per module and variant.
    pub results: Vec<ModuleResult>,
}

/// How many modules ended each way, and how many of them are not acceptable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// PASSED.
    pub passed: usize,
    /// WARNING (listed or not).
    pub warning: usize,
    /// REVIEW (listed or not).
    pub review: usize,
    /// SKIPPED.
    pub skipped: usize,
    /// FAILED, or not finished.
    pub failed: usize,
    /// Not acceptable: FAILED, or a WARNING or REVIEW the expected-results file does not list.
    pub unexpected: usize,
}

impl Counts {
    fn of<'a>(results: impl Iterator<Item = &'a ModuleResult>) -> Self {
        let mut counts = Self::default();
        for r in results {
            match r.outcome {
                Outcome::Passed => counts.passed += 1,
                Outcome::Warning => counts.warning += 1,
                Outcome::Review => counts.review += 1,
                Outcome::Skipped => counts.skipped += 1,
                Outcome::Failed(_) => counts.failed += 1,
            }
            counts.unexpected += usize::from(!r.ok);
        }
        counts
    }

    fn modules(&self) -> usize {
        self.passed + self.warning + self.review + self.skipped + self.failed
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} modules: {} passed, {} warning, {} review, {} skipped, {} failed; {} not as expected",
            self.modules(),
            self.passed,
            self.warning,
            self.review,
            self.skipped,
            self.failed,
            self.unexpected
        )
    }
}

impl Report {
    /// Whether every module is acceptable.
    pub fn ok(&self) -> bool {
        self.results.iter().all(|r| r.ok)
    }

    /// The counts over the whole plan.
    pub fn counts(&self) -> Counts {
        Counts::of(self.results.iter())
    }

    /// The counts for each of the modules' variants, in the order the plan first lists them.
    pub fn counts_by_variant(&self) -> Vec<(String, Counts)> {
        let mut labels: Vec<&str> = Vec::new();
        for r in &self.results {
            if !labels.contains(&r.label.as_str()) {
                labels.push(&r.label);
            }
        }
        labels
            .into_iter()
            .map(|label| (label.to_string(), Counts::of(self.results.iter().filter(|r| r.label == label))))
            .collect()
    }

    /// A plain-text table: a row per module and variant, then the counts per variant and in all.
    pub fn table(&self) -> String {
        let width = self.results.iter().map(|r| r.module.len()).max().unwrap_or(6).max(6);
        let vwidth = self.results.iter().map(|r| r.label.len()).max().unwrap_or(0).max(7);
        let mut out = format!("{:width$}  {:vwidth$}  {:8}  {}\n", "module", "variant", "result", "note");
        for r in &self.results {
            let note = match (&r.outcome, &r.reason) {
                (Outcome::Failed(why), _) => match r.findings.first() {
                    Some(first) => format!("{why}; {first}"),
                    None => why.clone(),
                },
                (_, Some(reason)) => format!("expected: {reason}"),
                (Outcome::Warning | Outcome::Review, None) => {
                    let first = r.findings.first().map(|f| format!("; {f}")).unwrap_or_default();
                    format!("not expected (list it with its reason to accept it){first}")
                }
                _ => String::new(),
            };
            let label = if r.label.is_empty() { "-" } else { &r.label };
            out.push_str(&format!("{:width$}  {label:vwidth$}  {:8}  {note}\n", r.module, r.outcome.label()));
        }
        let by_variant = self.counts_by_variant();
        if by_variant.len() > 1 {
            for (label, counts) in by_variant {
                out.push_str(&format!("{}[{label}]: {counts}\n", self.plan));
            }
        }
        out.push_str(&format!("conformance: {}: {}\n", self.plan, self.counts()));
        out
    }

    /// Writes `report.json`, `junit.xml` and each module's log (`logs/<module>[<variant>].json`)
    /// to `dir`.
    pub fn write_to(&self, dir: &std::path::Path) -> std::io::Result<()> {
        let logs = dir.join("logs");
        std::fs::create_dir_all(&logs)?;
        let json = serde_json::json!({
            "plan": self.plan,
            "variant": self.variant,
            "plan_id": self.plan_id,
            "counts": self.counts(),
            "counts_by_variant": self.counts_by_variant()
                .into_iter()
                .map(|(label, counts)| (label, serde_json::json!(counts)))
                .collect::<serde_json::Map<_, _>>(),
            "results": self.results,
        });
        std::fs::write(dir.join("report.json"), serde_json::to_vec_pretty(&json).map_err(std::io::Error::other)?)?;
        std::fs::write(dir.join("junit.xml"), self.junit())?;
        for r in &self.results {
            let log = serde_json::to_vec_pretty(&r.log).map_err(std::io::Error::other)?;
            std::fs::write(logs.join(r.log_file()), log)?;
        }
        Ok(())
    }

    /// JUnit XML, one test case per module and variant.
    pub fn junit(&self) -> String {
        let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
        let failures = self.results.iter().filter(|r| !r.ok).count();
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">\n",
            esc(&self.plan),
            self.results.len()
        );
        for r in &self.results {
            xml.push_str(&format!("  <testcase classname=\"{}\" name=\"{}\">", esc(&self.plan), esc(&r.key())));
            match (&r.outcome, r.ok) {
                (Outcome::Skipped, _) => xml.push_str("<skipped/>"),
                (outcome, false) => {
                    let message = match outcome {
                        Outcome::Failed(why) => why.clone(),
                        other => format!("unexpected {}", other.label()),
                    };
                    let details = r.findings.join("\n");
                    xml.push_str(&format!("<failure message=\"{}\">{}</failure>", esc(&message), esc(&details)));
                }
                _ => {}
            }
            xml.push_str("</testcase>\n");
        }
        xml.push_str("</testsuite>\n");
        xml
    }
}
