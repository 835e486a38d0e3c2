//! The load: wrk (Debian's package) for the single-request scenarios, and concurrent code flows
//! driven from here for the flow scenario. Every run is bounded in time and in requests.

use crate::session::{self, Endpoints};
use reqwest::{Client, header};
use serde::Deserialize;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// How hard and how long to push.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Open connections (wrk) or concurrent flows.
    pub connections: usize,
    /// wrk threads.
    pub threads: usize,
    /// How long a run lasts at most.
    pub duration: Duration,
    /// How many requests (or flows) a run makes at most.
    pub max_requests: u64,
}

/// What one run measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Measurement {
    /// Completed requests (or flows).
    pub requests: u64,
    /// Requests (or flows) per second.
    pub rate: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// Error answers and failed connections: a run with any is not a valid measurement.
    pub errors: u64,
}

/// One request, as wrk repeats it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: &'static str,
    pub url: String,
    pub body: Option<String>,
    pub authorization: Option<String>,
}

#[derive(Deserialize)]
struct WrkLine {
    requests: u64,
    duration_us: u64,
    status_errors: u64,
    socket_errors: u64,
    p50_us: u64,
    p99_us: u64,
}

/// Runs wrk with `bench/wrk/request.lua`.
pub fn wrk(script: &Path, request: &Request, load: Load) -> Result<Measurement, String> {
    let per_thread = load.max_requests.div_ceil(load.threads as u64);
    let output = Command::new("wrk")
        .arg(format!("--threads={}", load.threads))
        .arg(format!("--connections={}", load.connections))
        .arg(format!("--duration={}s", load.duration.as_secs().max(1)))
        .arg("--timeout=10s")
        .arg(format!("--script={}", script.display()))
        .arg(&request.url)
        .env("BENCH_METHOD", request.method)
        .env("BENCH_BODY", request.body.as_deref().unwrap_or_default())
        .env("BENCH_AUTHORIZATION", request.authorization.as_deref().unwrap_or_default())
        .env("BENCH_REQUESTS_PER_THREAD", per_thread.to_string())
        .output()
        .map_err(|e| format!("wrk: {e} (install Debian's wrk package)"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("BENCH "))
        .ok_or_else(|| format!("wrk printed no result: {stdout}{}", String::from_utf8_lossy(&output.stderr)))?;
    let w: WrkLine = serde_json::from_str(line).map_err(|e| format!("wrk result {line}: {e}"))?;
    let seconds = w.duration_us as f64 / 1e6;
    Ok(Measurement {
        requests: w.requests,
        rate: w.requests as f64 / seconds.max(1e-9),
        p50_ms: w.p50_us as f64 / 1e3,
        p99_ms: w.p99_us as f64 / 1e3,
        errors: w.status_errors + w.socket_errors,
    })
}

/// Runs full code flows with PKCE (authorize with the session, read the code off the redirect,
/// exchange it) from `load.connections` concurrent tasks sharing the signed-in browser.
pub async fn code_flows(http: &Client, endpoints: &Endpoints, load: Load) -> Measurement {
    let started = Instant::now();
    let deadline = started + load.duration;
    let per_task = load.max_requests.div_ceil(load.connections as u64);
    let tasks: Vec<_> = (0..load.connections)
        .map(|_| {
            let (http, endpoints) = (http.clone(), endpoints.clone());
            tokio::spawn(async move {
                let (mut latencies, mut errors) = (Vec::new(), 0u64);
                while Instant::now() < deadline && (latencies.len() as u64) < per_task {
                    let began = Instant::now();
                    match one_flow(&http, &endpoints).await {
                        Ok(()) => latencies.push(began.elapsed()),
                        Err(e) => {
                            // The first failure says why; the count says how often.
                            if errors == 0 {
                                eprintln!("code flow failed: {e}");
                            }
                            errors += 1;
                        }
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for task in tasks {
        let (l, e) = task.await.unwrap_or_default();
        latencies.extend(l);
        errors += e;
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let percentile = |p: f64| {
        let index = ((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        latencies.get(index).map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    Measurement {
        requests: latencies.len() as u64,
        rate: latencies.len() as f64 / seconds,
        p50_ms: percentile(0.50),
        p99_ms: percentile(0.99),
        errors,
    }
}

async fn one_flow(http: &Client, endpoints: &Endpoints) -> Result<(), String> {
    let (verifier, challenge) = session::pkce();
    let response =
        http.get(session::authorization_url(endpoints, &challenge)).send().await.map_err(|e| e.to_string())?;
    let location = response.headers().get(header::LOCATION).and_then(|l| l.to_str().ok()).unwrap_or_default();
    let base = response.url().clone();
    let target = base.join(location).map_err(|e| e.to_string())?;
    let code = session::code_from(target.as_str()).ok_or_else(|| format!("no code in {location:?}"))?;
    session::redeem(http, endpoints, &code, &verifier).await.map(drop)
}
