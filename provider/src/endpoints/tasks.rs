//! Starts the provider's background tasks with the server and stops them with it.

use crate::Provider;
use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Orbit, Rocket};

/// A fairing that runs [`Provider::background_tasks`] from liftoff until shutdown.
pub(crate) struct BackgroundTasks(pub Provider);

#[rocket::async_trait]
impl Fairing for BackgroundTasks {
    fn info(&self) -> Info {
        Info { name: "provider background tasks", kind: Kind::Liftoff }
    }

    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        let (tasks, shutdown) = (self.0.background_tasks(), rocket.shutdown());
        tokio::spawn(async move {
            tokio::select! {
                _ = shutdown => {}
                _ = tasks => {}
            }
        });
    }
}
