//! The controller's two metrics (upstream `pkg/controller/devicetainteviction/metrics`), with
//! their exact names and help texts. The registry is the shared
//! [`taintsim_plugin::Metrics`].

use taintsim_plugin::MetricNames;

pub use taintsim_plugin::metrics::{DEFAULT_BUCKETS, Metrics, MetricsSnapshot};

/// `device_taint_eviction_controller_pod_deletions_total`.
pub const POD_DELETIONS_TOTAL: &str = "device_taint_eviction_controller_pod_deletions_total";
/// Help text of [`POD_DELETIONS_TOTAL`].
pub const POD_DELETIONS_TOTAL_HELP: &str =
    "Total number of Pods deleted by DeviceTaintEvictionController since its start.";
/// `device_taint_eviction_controller_pod_deletion_duration_seconds`.
pub const POD_DELETION_DURATION_SECONDS: &str =
    "device_taint_eviction_controller_pod_deletion_duration_seconds";
/// Help text of [`POD_DELETION_DURATION_SECONDS`].
pub const POD_DELETION_DURATION_SECONDS_HELP: &str = "Latency, in seconds, between the time when a device taint effect has been activated and a Pod's deletion via DeviceTaintEvictionController.";

/// The names the device controller exposes its metrics under.
pub const NAMES: MetricNames = MetricNames {
    deletions_total: POD_DELETIONS_TOTAL,
    deletions_total_help: POD_DELETIONS_TOTAL_HELP,
    deletion_duration: POD_DELETION_DURATION_SECONDS,
    deletion_duration_help: POD_DELETION_DURATION_SECONDS_HELP,
};
