//! Periodic deletion of expired records, as a Rocket fairing: it starts at liftoff and stops with
//! the server.

use super::Adapter;
use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Orbit, Rocket};
use std::sync::Arc;
use std::time::Duration;

/// Runs `purge_expired` every `interval` while the server is up.
pub struct Purger {
    storage: Arc<dyn Adapter>,
    interval: Duration,
}

impl Purger {
    /// A purger for `storage`.
    pub fn new(storage: Arc<dyn Adapter>, interval: Duration) -> Self {
        Self { storage, interval }
    }
}

#[rocket::async_trait]
impl Fairing for Purger {
    fn info(&self) -> Info {
        Info { name: "expired record purger", kind: Kind::Liftoff }
    }

    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        let (storage, interval, mut shutdown) = (self.storage.clone(), self.interval, rocket.shutdown());
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut shutdown => break,
                    _ = tokio::time::sleep(interval) => {}
                }
                match storage.purge_expired().await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(records = n, "purged expired records"),
                    Err(e) => tracing::warn!(error = %e, "purging expired records failed"),
                }
            }
        });
    }
}
