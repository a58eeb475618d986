//! The two metrics every taint eviction controller keeps: a counter of the pods it deleted and a
//! histogram of how late each deletion came. Each controller exposes them under its own names
//! ([`MetricNames`]); the registry itself is shared, so the oracles and scenario checks read
//! every controller the same way.

use taintsim_seam::sync::Mutex;

/// The names and help texts a controller exposes its [`Metrics`] under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricNames {
    /// The deletions counter, e.g. `device_taint_eviction_controller_pod_deletions_total`.
    pub deletions_total: &'static str,
    /// Its help text.
    pub deletions_total_help: &'static str,
    /// The latency histogram.
    pub deletion_duration: &'static str,
    /// Its help text.
    pub deletion_duration_help: &'static str,
}

/// The production histogram buckets of the taint eviction controllers, in seconds.
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

    /// The metrics in the Prometheus text exposition format, under `names`.
    pub fn render(&self, names: &MetricNames) -> String {
        let MetricNames {
            deletions_total: total,
            deletions_total_help: total_help,
            deletion_duration: duration,
            deletion_duration_help: duration_help,
        } = names;
        let m = self.snapshot();
        let mut out = format!(
            "# HELP {total} [ALPHA] {total_help}\n# TYPE {total} counter\n{total} {}\n",
            m.pod_deletions_total
        );
        out.push_str(&format!(
            "# HELP {duration} [ALPHA] {duration_help}\n# TYPE {duration} histogram\n"
        ));
        for (bound, count) in m.buckets.iter().zip(&m.bucket_counts) {
            out.push_str(&format!("{duration}_bucket{{le=\"{bound}\"}} {count}\n"));
        }
        out.push_str(&format!(
            "{duration}_bucket{{le=\"+Inf\"}} {c}\n{duration}_sum {}\n{duration}_count {c}\n",
            m.deletion_duration_sum,
            c = m.deletion_duration_count
        ));
        out
    }
}
