//! The seeds of one search on several threads, with the answer one thread gives.
//!
//! Workers take seed positions in ascending order from one counter, each running whole
//! schedules on its own simulator. Without stop-on-failure every seed runs and the counts
//! simply add up. With it, the lowest failing position found so far is shared: no worker
//! starts a position above it, and every position below it was taken before it (positions
//! are handed out in order) and so runs to its end. When the workers are done, the lowest
//! failing position is the one the sequential loop stops at, every position below it passed,
//! and [`ExplorePart::stopped_at`] counts exactly those: the runs past it are dropped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use super::{ExploreOptions, ExplorePart};
use crate::jobs::{Batch, run_workers};
use crate::shard::SeedList;
use crate::{Observed, Progress, RunError, RunResult};
use taintsim_scenario::format::Scenario;

/// [`super::explore_part`] on `jobs` threads; `run` runs one seed.
pub(super) fn explore_seeds(
    scenario: &Scenario,
    options: &ExploreOptions,
    seeds: SeedList,
    jobs: usize,
    run: &(dyn Fn(u64) -> Result<RunResult, RunError> + Sync),
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<ExplorePart, RunError> {
    let next = AtomicU64::new(0);
    // The lowest position that failed (with stop-on-failure) or could not run.
    let stop = AtomicU64::new(u64::MAX);
    let parts = Mutex::new(Vec::new());
    let error: Mutex<Option<(u64, RunError)>> = Mutex::new(None);
    let worker = |send: &dyn Fn((u64, u64))| {
        let mut batch = Batch::new(send);
        let mut part = ExplorePart::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= seeds.len() || i > stop.load(Ordering::Relaxed) {
                break;
            }
            let seed = seeds.get(i);
            match run(seed) {
                Ok(result) => {
                    let failed = !result.observed.is_pass();
                    part.add(seed, result, &scenario.expect);
                    if failed && options.stop_on_failure {
                        stop.fetch_min(i, Ordering::Relaxed);
                    }
                    batch.add(failed);
                }
                Err(e) => {
                    stop.fetch_min(i, Ordering::Relaxed);
                    let mut error = error.lock().unwrap_or_else(PoisonError::into_inner);
                    if error.as_ref().is_none_or(|(s, _)| seed < *s) {
                        *error = Some((seed, e));
                    }
                    break;
                }
            }
        }
        parts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(part);
    };
    let (mut schedules, mut failures) = (0, 0);
    run_workers(jobs, &worker, &mut |(done, failed)| {
        schedules += done;
        failures += failed;
        on_progress(&Progress {
            schedules,
            failures,
            total: seeds.len(),
        });
    });
    let mut total = ExplorePart::new();
    for part in parts.into_inner().unwrap_or_else(PoisonError::into_inner) {
        total.absorb(part);
    }
    let first_failure = total.first_failure.as_ref().map(|f| f.seed);
    if let Some((seed, e)) = error.into_inner().unwrap_or_else(PoisonError::into_inner) {
        // The sequential loop meets the error unless it stopped at a failure first.
        let stopped_before = options.stop_on_failure && first_failure.is_some_and(|f| f < seed);
        if !stopped_before {
            return Err(e);
        }
    }
    Ok(if options.stop_on_failure {
        total.stopped_at(&seeds, &scenario.expect)
    } else {
        total
    })
}

impl ExplorePart {
    /// With stop-on-failure, what the sequential loop over `seeds` counts: the seeds up to and
    /// including the first failure, all of which but the last passed. `self` must hold every
    /// run up to its first failure (runs past it are dropped). Unchanged without a failure.
    pub(crate) fn stopped_at(
        self,
        seeds: &SeedList,
        expect: &taintsim_scenario::format::Expectation,
    ) -> ExplorePart {
        let Some(first) = self.first_failure else {
            return self;
        };
        let schedules = seeds.count_up_to(first.seed);
        let mut part = ExplorePart::new();
        part.schedules = schedules;
        if schedules > 1 {
            part.outcomes.insert(Observed::Pass.short(), schedules - 1);
        }
        part.add_failure(first, expect);
        part
    }

    fn add_failure(
        &mut self,
        failure: crate::Failure,
        expect: &taintsim_scenario::format::Expectation,
    ) {
        let observed = &failure.result.observed;
        *self.outcomes.entry(observed.short()).or_default() += 1;
        self.failures += 1;
        if observed.matches(expect) {
            self.found = true;
        } else {
            self.unexpected = true;
        }
        self.first_failure = Some(failure);
    }
}
