//! The suite's REST API (`api/plan`, `api/runner`, `api/info`, `api/log`).

use crate::Timing;
use crate::report::Outcome;
use serde::Deserialize;
use serde_json::Value;
use std::time::Instant;

/// A failure talking to the suite.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// The suite could not be reached or answered badly.
    #[error("conformance suite: {0}")]
    Http(String),
}

/// A created plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Its id.
    pub id: String,
    /// Its modules, in order.
    pub modules: Vec<PlanModule>,
}

/// A module of a plan.
#[derive(Debug, Clone)]
pub struct PlanModule {
    /// The test module name.
    pub name: String,
    /// Its variant, as the plan gave it.
    pub variant: Value,
}

/// A started module instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Started {
    /// The test instance id.
    pub id: String,
    /// Where the suite shows it.
    pub url: Option<String>,
}

/// A client of one suite.
pub struct Suite {
    base: url::Url,
    token: Option<String>,
    http: reqwest::Client,
}

impl Suite {
    /// A client for the suite at `base` (e.g. `https://localhost.emobix.co.uk:8443/`), with an API
    /// token unless the suite runs in dev mode. The suite's certificate is self-signed, so it is
    /// not verified when `insecure` (the suite's own scripts do the same in dev mode).
    pub fn new(base: &str, token: Option<String>, insecure: bool) -> Result<Self, SuiteError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut base = url::Url::parse(base).map_err(|e| SuiteError::Http(format!("{base}: {e}")))?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = reqwest::Client::builder()
            .danger_accept_invalid_certs(insecure)
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .map_err(|e| SuiteError::Http(e.to_string()))?;
        Ok(Self { base, token, http })
    }

    fn url(&self, path: &str) -> url::Url {
        self.base.join(path).unwrap_or_else(|_| self.base.clone())
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, SuiteError> {
        let request = match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        let response = request.send().await.map_err(|e| SuiteError::Http(e.to_string()))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| SuiteError::Http(e.to_string()))?;
        if !status.is_success() {
            return Err(SuiteError::Http(format!("{status}: {body}")));
        }
        serde_json::from_str(&body).map_err(|e| SuiteError::Http(format!("not JSON ({e}): {body}")))
    }

    /// `POST api/plan?planName=&variant=` with the configuration as body.
    pub async fn create_plan(&self, name: &str, variant: &Value, config: &Value) -> Result<Plan, SuiteError> {
        let mut url = self.url("api/plan");
        url.query_pairs_mut().append_pair("planName", name).append_pair("variant", &variant.to_string());
        let body = self.send(self.http.post(url).json(config)).await?;
        #[derive(Deserialize)]
        struct Created {
            id: String,
            #[serde(default)]
            modules: Vec<Module>,
        }
        #[derive(Deserialize)]
        struct Module {
            #[serde(rename = "testModule")]
            test_module: String,
            #[serde(default)]
            variant: Value,
        }
        let created: Created = serde_json::from_value(body).map_err(|e| SuiteError::Http(format!("plan: {e}")))?;
        let modules =
            created.modules.into_iter().map(|m| PlanModule { name: m.test_module, variant: m.variant }).collect();
        Ok(Plan { id: created.id, modules })
    }

    /// `POST api/runner?test=&plan=&variant=`.
    pub async fn start_module(&self, module: &str, plan: &str, variant: &Value) -> Result<Started, SuiteError> {
        let mut url = self.url("api/runner");
        url.query_pairs_mut().append_pair("test", module).append_pair("plan", plan);
        if !variant.is_null() {
            url.query_pairs_mut().append_pair("variant", &variant.to_string());
        }
        let body = self.send(self.http.post(url)).await?;
        let id = body["id"].as_str().ok_or_else(|| SuiteError::Http(format!("no module id in {body}")))?;
        Ok(Started { id: id.to_string(), url: body["url"].as_str().map(String::from) })
    }

    /// The module's log (`api/log/<id>`): the suite's entries, each a JSON object with `src`,
    /// `msg` and, for a checked condition, `result` (SUCCESS, FAILURE, WARNING, REVIEW, INFO).
    pub async fn log(&self, id: &str) -> Result<Vec<Value>, SuiteError> {
        match self.send(self.http.get(self.url(&format!("api/log/{id}")))).await? {
            Value::Array(entries) => Ok(entries),
            other => Err(SuiteError::Http(format!("api/log/{id} is not a list: {other}"))),
        }
    }

    /// Whether the module waits to be started by hand: it stays CONFIGURED (a module that starts
    /// itself leaves that state at once). Such a module asks for something done to the provider
    /// first (`oidcc-server-rotate-keys`: rotate its signing keys).
    pub async fn waits_for_start(&self, started: &Started, timing: Timing) -> Result<bool, SuiteError> {
        let deadline = Instant::now() + timing.manual_start_after;
        loop {
            let info = self.send(self.http.get(self.url(&format!("api/info/{}", started.id)))).await?;
            match info["status"].as_str().unwrap_or_default() {
                "CONFIGURED" if Instant::now() >= deadline => return Ok(true),
                "CONFIGURED" | "CREATED" => tokio::time::sleep(timing.poll_every).await,
                _ => return Ok(false),
            }
        }
    }

    /// `POST api/runner/<id>`: starts a module that waits to be started by hand.
    pub async fn start(&self, started: &Started) -> Result<(), SuiteError> {
        self.send(self.http.post(self.url(&format!("api/runner/{}", started.id)))).await.map(|_| ())
    }

    /// Polls `api/info/<id>` until the module has FINISHED (or was INTERRUPTED), or time runs out.
    pub async fn wait_for_result(&self, started: &Started, timing: Timing) -> Result<Outcome, SuiteError> {
        let deadline = Instant::now() + timing.module_timeout;
        loop {
            let info = self.send(self.http.get(self.url(&format!("api/info/{}", started.id)))).await?;
            // An INTERRUPTED module has a result too (FAILED, when a check ended it): the result
            // is what it achieved, the status only how it stopped.
            match info["status"].as_str().unwrap_or_default() {
                "FINISHED" | "INTERRUPTED" => return Ok(Outcome::from_result(info["result"].as_str())),
                _ if Instant::now() >= deadline => {
                    return Ok(Outcome::Failed(format!(
                        "did not finish within {} s (last status {})",
                        timing.module_timeout.as_secs(),
                        info["status"]
                    )));
                }
                _ => tokio::time::sleep(timing.poll_every).await,
            }
        }
    }
}
