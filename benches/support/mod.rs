//! What the benchmarks share: loading bundled scenarios, recording the timings criterion
//! measures (criterion does not hand them back), and printing each benchmark's ratio against
//! a baseline measured in the same process, because these machines are noisy.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use taintsim_scenario::format::Scenario;
use taintsim_scenario::load;

/// The bundled scenario `scenarios/<name>`.
pub fn scenario(name: &str) -> Scenario {
    let path = scenarios_dir().join(name);
    load::load_file(&path, &taintsim::controllers())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `scenarios/` folder of the workspace.
pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Timings of a criterion benchmark run with `iter_custom`: every batch's iteration count and
/// its time, so the benchmark can compute its own mean after criterion is done.
#[derive(Clone, Default)]
pub struct Samples(Arc<Mutex<Vec<(u64, Duration)>>>);

impl Samples {
    /// Records a batch of `iters` iterations that took `took`; returns `took` for criterion.
    pub fn record(&self, iters: u64, took: Duration) -> Duration {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((iters, took));
        took
    }

    /// The mean time per iteration over every recorded batch (warm-up included), or `None`
    /// if nothing was recorded.
    pub fn mean(&self) -> Option<Duration> {
        let batches = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let iters: u64 = batches.iter().map(|(n, _)| n).sum();
        let total: Duration = batches.iter().map(|(_, t)| *t).sum();
        (iters > 0).then(|| total / u32::try_from(iters).unwrap_or(u32::MAX))
    }

    /// Iterations recorded.
    pub fn iterations(&self) -> u64 {
        let batches = self.0.lock().unwrap_or_else(|p| p.into_inner());
        batches.iter().map(|(n, _)| n).sum()
    }
}

/// A duration for humans: `12.3 µs`, `4.56 ms`, `1.23 s`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else if s >= 1e-6 {
        format!("{:.2} µs", s * 1e6)
    } else {
        format!("{:.0} ns", s * 1e9)
    }
}

/// Prints one result line, `RESULT <bench>: <text>`, easy to grep from criterion's output.
pub fn result(bench: &str, text: impl std::fmt::Display) {
    println!("RESULT {bench}: {text}");
}

/// Prints the target verdict, `TARGET <bench>: met|MISSED ...`.
pub fn target(bench: &str, met: bool, text: impl std::fmt::Display) {
    let verdict = if met { "met" } else { "MISSED" };
    println!("TARGET {bench}: {verdict}: {text}");
}
