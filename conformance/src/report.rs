//! Results: one per module, judged against the expected-results file; a table, JSON and JUnit XML.

use crate::plan::Expected;
use crate::suite::Started;
use serde::Serialize;

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
    /// From the suite's `result` field.
    pub fn from_result(result: &str) -> Self {
        match result {
            "PASSED" => Self::Passed,
            "WARNING" => Self::Warning,
            "REVIEW" => Self::Review,
            "SKIPPED" => Self::Skipped,
            "FAILED" => Self::Failed("the suite reported FAILED".into()),
            other => Self::Failed(format!("unknown result {other}")),
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

/// One module's result and whether it is acceptable.
#[derive(Debug, Clone, Serialize)]
pub struct ModuleResult {
    /// The module.
    pub module: String,
    /// The test instance id.
    pub id: String,
    /// Where the suite shows it.
    pub url: Option<String>,
    /// What the suite said.
    pub outcome: Outcome,
    /// Whether it is acceptable: passed, skipped, under review, or a warning the expected-results
    /// file lists with its reason.
    pub ok: bool,
    /// The listed reason, for an expected warning or review.
    pub reason: Option<String>,
    /// What the module's log says went wrong: the `msg` of each FAILURE and WARNING entry.
    pub findings: Vec<String>,
    /// The module's whole log, written to its own file rather than into the report.
    #[serde(skip)]
    pub log: Vec<serde_json::Value>,
}

impl ModuleResult {
    /// Judges an outcome against the expected results.
    pub fn judge(module: &str, started: Started, outcome: Outcome, expected: &Expected) -> Self {
        let reason = expected.reason(module).map(String::from);
        let ok = match &outcome {
            Outcome::Passed | Outcome::Skipped | Outcome::Review => true,
            Outcome::Warning => reason.is_some(),
            Outcome::Failed(_) => false,
        };
        Self {
            module: module.to_string(),
            id: started.id,
            url: started.url,
            outcome,
            ok,
            reason,
            findings: Vec::new(),
            log: Vec::new(),
        }
    }

    /// Keeps the module's log and picks out its failures and warnings.
    pub fn with_log(mut self, log: Vec<serde_json::Value>) -> Self {
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
}

/// A plan's results.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The plan name.
    pub plan: String,
    /// The plan id in the suite.
    pub plan_id: String,
    /// Per module.
    pub results: Vec<ModuleResult>,
}

impl Report {
    /// Whether every module is acceptable.
    pub fn ok(&self) -> bool {
        self.results.iter().all(|r| r.ok)
    }

    /// A plain-text table.
    pub fn table(&self) -> String {
        let width = self.results.iter().map(|r| r.module.len()).max().unwrap_or(6).max(6);
        let mut out = format!("{:width$}  {:8}  {}\n", "module", "result", "note");
        for r in &self.results {
            let note = match (&r.outcome, &r.reason, r.ok) {
                (Outcome::Failed(why), _, _) => match r.findings.first() {
                    Some(first) => format!("{why}; {first}"),
                    None => why.clone(),
                },
                (_, Some(reason), _) => format!("expected: {reason}"),
                (Outcome::Warning, None, false) => "unexpected warning (list it with its reason to accept it)".into(),
                _ => String::new(),
            };
            out.push_str(&format!("{:width$}  {:8}  {note}\n", r.module, r.outcome.label()));
        }
        let failed = self.results.iter().filter(|r| !r.ok).count();
        out.push_str(&format!("{}: {} passed, {} failed\n", "conformance", self.results.len() - failed, failed));
        out
    }

    /// Writes `report.json`, `junit.xml` and each module's log (`logs/<module>.json`) to `dir`.
    pub fn write_to(&self, dir: &std::path::Path) -> std::io::Result<()> {
        let logs = dir.join("logs");
        std::fs::create_dir_all(&logs)?;
        std::fs::write(dir.join("report.json"), serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?)?;
        std::fs::write(dir.join("junit.xml"), self.junit())?;
        for r in &self.results {
            let log = serde_json::to_vec_pretty(&r.log).map_err(std::io::Error::other)?;
            std::fs::write(logs.join(format!("{}.json", r.module)), log)?;
        }
        Ok(())
    }

    /// JUnit XML, one test case per module.
    pub fn junit(&self) -> String {
        let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
        let failures = self.results.iter().filter(|r| !r.ok).count();
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">\n",
            esc(&self.plan),
            self.results.len()
        );
        for r in &self.results {
            xml.push_str(&format!("  <testcase classname=\"{}\" name=\"{}\">", esc(&self.plan), esc(&r.module)));
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
