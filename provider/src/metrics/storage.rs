//! The storage backends' metrics: how many writes (or lookups) share one transaction or
//! statement, and how long it takes. The backends know no provider, so these families are the
//! process's; every provider's registry shows them.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::OnceLock;
use std::time::Duration;

/// A grouped storage operation.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct GroupLabels {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// `write` or `read`.
    pub operation: &'static str,
}

#[derive(Clone, Copy)]
struct Sizes;
impl MetricConstructor<Histogram> for Sizes {
    fn new_metric(&self) -> Histogram {
        // 1 to 256, the largest group (both backends' MAX_GROUP).
        Histogram::new(exponential_buckets(1.0, 2.0, 9))
    }
}

#[derive(Clone, Copy)]
struct Seconds;
impl MetricConstructor<Histogram> for Seconds {
    fn new_metric(&self) -> Histogram {
        super::latency_histogram()
    }
}

struct Groups {
    sizes: Family<GroupLabels, Histogram, Sizes>,
    seconds: Family<GroupLabels, Histogram, Seconds>,
}

fn groups() -> &'static Groups {
    static GROUPS: OnceLock<Groups> = OnceLock::new();
    GROUPS.get_or_init(|| Groups {
        sizes: Family::new_with_constructor(Sizes),
        seconds: Family::new_with_constructor(Seconds),
    })
}

/// Records one group: how many calls it held and how long it took.
pub(crate) fn group(backend: &'static str, operation: &'static str, size: usize, took: Duration) {
    let labels = GroupLabels { backend, operation };
    groups().sizes.get_or_create(&labels).observe(size as f64);
    groups().seconds.get_or_create(&labels).observe(took.as_secs_f64());
}

/// Adds the storage families to `registry`.
pub(super) fn register(registry: &mut Registry) {
    registry.register(
        "storage_group_size",
        "Calls sharing one storage transaction or statement",
        groups().sizes.clone(),
    );
    registry.register("storage_group_seconds", "Time one storage group took", groups().seconds.clone());
}
