//! The controller's two metrics (upstream `pkg/controller/tainteviction/metrics`, subsystem
//! `taint_eviction_controller`), with their exact names and help texts. The registry is the
//! shared [`taintsim_plugin::Metrics`].

use taintsim_plugin::MetricNames;

use crate::behavior::LatencyMetric;

/// `taint_eviction_controller_pod_deletions_total`.
pub const POD_DELETIONS_TOTAL: &str = "taint_eviction_controller_pod_deletions_total";
/// Help text of [`POD_DELETIONS_TOTAL`].
pub const POD_DELETIONS_TOTAL_HELP: &str =
    "Total number of Pods deleted by TaintEvictionController since its start.";
/// `taint_eviction_controller_pod_deletion_duration_seconds`.
pub const POD_DELETION_DURATION_SECONDS: &str =
    "taint_eviction_controller_pod_deletion_duration_seconds";
/// Help text of [`POD_DELETION_DURATION_SECONDS`].
pub const POD_DELETION_DURATION_SECONDS_HELP: &str = "Latency, in seconds, between the time when a taint effect has been activated for the Pod and its deletion via TaintEvictionController.";

/// The names the node controller exposes its metrics under.
pub const NAMES: MetricNames = MetricNames {
    deletions_total: POD_DELETIONS_TOTAL,
    deletions_total_help: POD_DELETIONS_TOTAL_HELP,
    deletion_duration: POD_DELETION_DURATION_SECONDS,
    deletion_duration_help: POD_DELETION_DURATION_SECONDS_HELP,
};

/// The value the latency histogram observes for a deletion `nanos` nanoseconds after
/// `fireAt`: upstream's `float64(time.Since(fireAt) * time.Second)` (a wrapping product of two
/// Go Durations), or seconds.
pub fn observed_latency(nanos: i64, metric: LatencyMetric) -> f64 {
    match metric {
        LatencyMetric::NsTimesSecond => nanos.wrapping_mul(1_000_000_000) as f64,
        LatencyMetric::Seconds => nanos as f64 / 1e9,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_should_be_1e9_times_too_large_and_wrap_after_9_2_seconds() {
        assert_eq!(observed_latency(1_000_000_000, LatencyMetric::Seconds), 1.0);
        assert_eq!(
            observed_latency(1_000_000_000, LatencyMetric::NsTimesSecond),
            1e18
        );
        assert!(observed_latency(10_000_000_000, LatencyMetric::NsTimesSecond) < 0.0);
    }
}
