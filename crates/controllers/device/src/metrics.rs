//! The controller's two metrics (spec §7), with their exact names, help texts and buckets.

use taintsim_seam::sync::Mutex;

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
/// The production histogram buckets, in seconds.
pub const DEFAULT_BUCKETS: [f64; 12] = [
    0.005, 0.025, 0.1, 0.5, 1.0, 2.5, 10.0, 30.0, 60.0, 120.0, 180.0, 240.0,
];

/// A snapshot of the metrics, comparable in tests.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MetricsSnapshot {
    /// Value of the deletions counter.
    pub pod_deletions_total: u64,
    /// Number of histogram observations.
    pub deletion_duration_count: u64,
    /// Sum of the observed durations, in seconds.
    pub deletion_duration_sum: f64,
    /// Upper bounds of the buckets.
    pub buckets: Vec<f64>,
    /// Cumulative count per bucket, as Prometheus exposes it.
    pub bucket_counts: Vec<u64>,
}

/// An isolated metrics registry, like upstream's `metrics.New(buckets...)`.
#[derive(Debug)]
pub struct Metrics {
    inner: Mutex<MetricsSnapshot>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new(&DEFAULT_BUCKETS)
    }
}

impl Metrics {
    /// A registry with the given histogram buckets (upper bounds, ascending).
    pub fn new(buckets: &[f64]) -> Self {
        Self {
            inner: Mutex::new(MetricsSnapshot {
                pod_deletions_total: 0,
                deletion_duration_count: 0,
                deletion_duration_sum: 0.0,
                buckets: buckets.to_vec(),
                bucket_counts: vec![0; buckets.len()],
            }),
        }
    }

    /// Records one successful deletion that took `seconds` since the eviction time.
    pub fn observe_deletion(&self, seconds: f64) {
        let mut m = self.inner.lock();
        m.pod_deletions_total += 1;
        m.deletion_duration_count += 1;
        m.deletion_duration_sum += seconds;
        let MetricsSnapshot {
            buckets,
            bucket_counts,
            ..
        } = &mut *m;
        for (bound, count) in buckets.iter().zip(bucket_counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
    }

    /// The current values.
    pub fn snapshot(&self) -> MetricsSnapshot {
        self.inner.lock().clone()
    }

    /// The metrics in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let m = self.snapshot();
        let mut out = format!(
            "# HELP {POD_DELETIONS_TOTAL} [ALPHA] {POD_DELETIONS_TOTAL_HELP}\n# TYPE {POD_DELETIONS_TOTAL} counter\n{POD_DELETIONS_TOTAL} {}\n",
            m.pod_deletions_total
        );
        out.push_str(&format!(
            "# HELP {POD_DELETION_DURATION_SECONDS} [ALPHA] {POD_DELETION_DURATION_SECONDS_HELP}\n# TYPE {POD_DELETION_DURATION_SECONDS} histogram\n"
        ));
        for (bound, count) in m.buckets.iter().zip(&m.bucket_counts) {
            out.push_str(&format!(
                "{POD_DELETION_DURATION_SECONDS}_bucket{{le=\"{bound}\"}} {count}\n"
            ));
        }
        out.push_str(&format!(
            "{POD_DELETION_DURATION_SECONDS}_bucket{{le=\"+Inf\"}} {c}\n{POD_DELETION_DURATION_SECONDS}_sum {}\n{POD_DELETION_DURATION_SECONDS}_count {c}\n",
            m.deletion_duration_sum,
            c = m.deletion_duration_count
        ));
        out
    }
}
