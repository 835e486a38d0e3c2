//! Resident memory after the same work. In the timed runs a faster server issues more tokens, and
//! a store that keeps them holds more; here every server is started afresh, alone on the
//! machine, and issues the same number of opaque client credentials tokens, however long that
//! takes it.

use crate::report::Who;
use crate::servers::{Paths, Server, Store};
use crate::session;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// What one server's memory was after the same work.
#[derive(Debug, Clone, Copy)]
pub struct Footprint {
    /// RSS at idle after starting, MiB.
    pub idle_mib: f64,
    /// RSS after the tokens, MiB.
    pub after_mib: f64,
    /// Tokens it issued (the requests that succeeded).
    pub issued: u64,
}

/// Starts each server in turn (ours on SQLite, ours on memory, the peer), has it issue `tokens`
/// opaque tokens, and reads its RSS before and after. The timed runs' servers must be stopped:
/// these use the same ports.
pub async fn measure(
    paths: &Paths,
    with_peer: bool,
    tokens: u64,
    concurrency: usize,
) -> Result<Vec<(Who, Footprint)>, String> {
    let mut servers = vec![(Who::OursSqlite, 8101), (Who::OursMemory, 8102)];
    if with_peer {
        servers.push((Who::Peer, 8200));
    }
    let mut footprints = Vec::new();
    for (who, port) in servers {
        let mut server = match who {
            Who::Peer => Server::peer(paths, port)?,
            Who::OursSqlite => Server::provider(paths, &Store::Sqlite, port)?,
            _ => Server::provider(paths, &Store::Memory, port)?,
        };
        let browser = session::browser();
        server.ready(&browser, "/.well-known/openid-configuration").await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle_mib = server.rss_mib();
        let endpoints = session::Endpoints::discover(&browser, &server.base).await?;
        let (issued, errors) = issue(&browser, &endpoints.token, tokens, concurrency).await;
        if errors > 0 {
            return Err(format!("{}: {errors} errors while issuing tokens", who.label()));
        }
        let after_mib = server.rss_mib();
        eprintln!("equal work: {} issued {issued} tokens: {idle_mib:.1} -> {after_mib:.1} MiB", who.label());
        footprints.push((who, Footprint { idle_mib, after_mib, issued }));
    }
    Ok(footprints)
}

/// Issues `tokens` opaque client credentials tokens from `concurrency` tasks (wrk cannot stop
/// at a count before its duration ends). Returns the tokens issued and the failed requests.
async fn issue(http: &reqwest::Client, token_endpoint: &str, tokens: u64, concurrency: usize) -> (u64, u64) {
    let (started, issued, errors) =
        (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (http, url) = (http.clone(), token_endpoint.to_string());
        let (started, issued, errors) = (started.clone(), issued.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            while started.fetch_add(1, Ordering::Relaxed) < tokens {
                let sent = session::opaque_token_request(&http, &url).send().await;
                let ok = match sent {
                    Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if ok { &issued } else { &errors }.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    (issued.load(Ordering::Relaxed), errors.load(Ordering::Relaxed))
}
