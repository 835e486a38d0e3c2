//! Periodic deletion of expired records: a plain task, which the web layer starts at liftoff
//! (or a host application starts itself) and drops at shutdown.

use super::Adapter;
use std::sync::Arc;
use std::time::Duration;

/// Runs `purge_expired` every `interval`, forever: stop it by dropping (or aborting) it.
pub(crate) async fn purge_periodically(storage: Arc<dyn Adapter>, interval: Duration) {
    loop {
        tokio::time::sleep(interval).await;
        match storage.purge_expired().await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(records = n, "purged expired records"),
            Err(e) => tracing::warn!(error = %e, "purging expired records failed"),
        }
    }
}
