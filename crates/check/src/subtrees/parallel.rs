//! The subtrees of a split exhaustive search on several threads, with work stealing: every
//! worker takes the first subtree (in depth-first order) that nobody has taken, and a subtree's
//! search hands the subtrees it finds to the queue as it finds them, for whichever worker is
//! free. Each subtree's search depends only on its path (see the sim's `split` module), so
//! which worker ran it changes nothing; the counts are combined by [`super::summarise`] in
//! depth-first order.
//!
//! Once the subtrees before every subtree still queued or running are done and already reach
//! the bound on executions (or end in a divergence), nothing after them can count: the workers
//! stop, and the running searches are cancelled between two executions.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::{SubtreeCount, SubtreePath, search_subtree, summarise};
use crate::jobs::{Batch, run_workers};
use crate::{ExhaustiveOptions, ExhaustiveSummary, Failure, Progress, RunError};
use taintsim_scenario::format::Scenario;
use taintsim_sim::{ExhaustiveConfig, ExhaustiveStrategy};

/// The subtrees still to search, being searched, and searched.
#[derive(Default)]
struct Queue {
    pending: BTreeSet<SubtreePath>,
    running: BTreeSet<SubtreePath>,
    done: BTreeMap<SubtreePath, SubtreeCount>,
    /// The first failure of the first subtree that has one, among those done.
    first_failure: Option<(SubtreePath, Failure)>,
    /// The subtrees done before every subtree queued or running: the last of them, and their
    /// executions so far.
    settled: Option<SubtreePath>,
    settled_executions: u64,
    settled_diverged: bool,
    /// No worker takes another subtree.
    stop: bool,
    /// A search was cancelled: its subtree is not in `done`.
    cancelled: bool,
    error: Option<RunError>,
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    cancel: AtomicBool,
}

impl Shared {
    fn new(roots: impl IntoIterator<Item = SubtreePath>) -> Self {
        Self {
            queue: Mutex::new(Queue {
                pending: roots.into_iter().collect(),
                ..Queue::default()
            }),
            wake: Condvar::new(),
            cancel: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next subtree to search, waiting while others may still find some; `None` when
    /// the work is over.
    fn take(&self) -> Option<SubtreePath> {
        let mut queue = self.lock();
        loop {
            if queue.stop {
                return None;
            }
            if let Some(path) = queue.pending.pop_first() {
                queue.running.insert(path.clone());
                return Some(path);
            }
            if queue.running.is_empty() {
                return None;
            }
            queue = self
                .wake
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn found(&self, path: SubtreePath) {
        self.lock().pending.insert(path);
        self.wake.notify_one();
    }

    fn fail(&self, path: &SubtreePath, error: RunError) {
        let mut queue = self.lock();
        queue.running.remove(path);
        queue.error.get_or_insert(error);
        queue.stop = true;
        self.cancel.store(true, Ordering::Relaxed);
        drop(queue);
        self.wake.notify_all();
    }

    /// Records a finished search (`None`: cancelled) and stops the work if nothing after
    /// the settled subtrees can count any more (the bound of `max_schedules`, or a
    /// divergence), when `bounded`.
    fn finish(
        &self,
        path: SubtreePath,
        searched: Option<(SubtreeCount, Option<Failure>)>,
        max_schedules: u64,
        bounded: bool,
    ) {
        let mut queue = self.lock();
        queue.running.remove(&path);
        queue.cancelled |= searched.is_none();
        if let Some((count, failure)) = searched {
            if let Some(f) = failure
                && queue.first_failure.as_ref().is_none_or(|(p, _)| path < *p)
            {
                queue.first_failure = Some((path.clone(), f));
            }
            queue.done.insert(path, count);
            if bounded {
                settle(&mut queue, max_schedules);
                if queue.settled_executions >= max_schedules || queue.settled_diverged {
                    queue.stop = true;
                    self.cancel.store(true, Ordering::Relaxed);
                }
            }
        }
        drop(queue);
        self.wake.notify_all();
    }
}

/// Moves the settled prefix forward over the subtrees done before every subtree queued or
/// running.
fn settle(queue: &mut Queue, max_schedules: u64) {
    let open = queue
        .pending
        .first()
        .into_iter()
        .chain(queue.running.first())
        .min()
        .cloned();
    let from = match &queue.settled {
        Some(p) => Bound::Excluded(p.clone()),
        None => Bound::Unbounded,
    };
    let mut newly = Vec::new();
    for (path, count) in queue.done.range((from, Bound::Unbounded)) {
        if open.as_ref().is_some_and(|o| path > o) {
            break;
        }
        if queue.settled_executions >= max_schedules || queue.settled_diverged {
            break;
        }
        newly.push(path.clone());
        queue.settled_executions += count.executions;
        queue.settled_diverged = count.diverged;
    }
    if let Some(last) = newly.pop() {
        queue.settled = Some(last);
    }
}

/// A split search on `jobs` threads: the summary [`super::explore_split_each`] gives.
pub(crate) fn explore_split_jobs(
    scenario: &Scenario,
    label: &str,
    options: &ExhaustiveOptions,
    jobs: usize,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<ExhaustiveSummary, RunError> {
    let queue = search_queued(
        scenario,
        label,
        options,
        Shared::new([Vec::new()]),
        Split::FromRoot,
        jobs,
        on_progress,
    )?;
    // Subtrees left out: still queued, or cancelled while running (those done after the
    // bound are left out by `summarise`).
    let more = !queue.pending.is_empty() || queue.cancelled;
    Ok(summarise(
        queue.done.into_values().collect(),
        more,
        options.max_schedules,
        queue.first_failure,
        &scenario.expect,
    ))
}

/// How [`search_queued`] treats the subtrees it is given.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Split {
    /// From the root: the searches queue the subtrees they find, and the work stops once the
    /// settled subtrees reach the bound.
    FromRoot,
    /// A given list (a shard's own subtrees): each is searched whole, nothing is added.
    Given,
}

/// Searches the subtrees queued in `shared` on `jobs` threads, reporting the schedules and
/// failures as they come, and hands back the queue at the end (or the first error).
fn search_queued(
    scenario: &Scenario,
    label: &str,
    options: &ExhaustiveOptions,
    shared: Shared,
    split: Split,
    jobs: usize,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Queue, RunError> {
    let from_root = split == Split::FromRoot;
    let worker = |send: &dyn Fn((u64, u64))| {
        let mut batch = Batch::new(send);
        while let Some(path) = shared.take() {
            let searched = search_subtree(
                scenario,
                label,
                options,
                &path,
                &shared.cancel,
                &mut |found| {
                    if from_root {
                        shared.found(found);
                    }
                },
                &mut |result| batch.add(!result.observed.is_pass()),
            );
            match searched {
                Ok(searched) => shared.finish(path, searched, options.max_schedules, from_root),
                Err(e) => shared.fail(&path, e),
            }
        }
    };
    let (mut schedules, mut failures) = (0, 0);
    run_workers(jobs, &worker, &mut |(done, failed)| {
        schedules += done;
        failures += failed;
        on_progress(&Progress {
            schedules,
            failures,
            total: options.max_schedules,
        });
    });
    let mut queue = shared
        .queue
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    match queue.error.take() {
        Some(e) => Err(e),
        None => Ok(queue),
    }
}

/// Every subtree of a split search, in depth-first order, found by probes (one shortened
/// execution per subtree whose path is shorter than the split depth: only those find
/// others; see the sim's `split` module) on `jobs` threads.
pub(crate) fn probe_subtrees(
    scenario: &Scenario,
    label: &str,
    options: &ExhaustiveOptions,
    jobs: usize,
) -> Result<Vec<SubtreePath>, RunError> {
    let shared = Shared::new([Vec::new()]);
    let probed = Mutex::new(BTreeSet::new());
    let worker = |_: &dyn Fn(())| {
        while let Some(path) = shared.take() {
            // A subtree below every split point finds no others: no need to probe it.
            let probed_path = if path.len() < options.split_depth {
                probe(scenario, label, options, &path, &mut |p| shared.found(p))
            } else {
                Ok(())
            };
            match probed_path {
                Ok(()) => {
                    probed
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(path.clone());
                    shared.finish(path, None, options.max_schedules, false);
                }
                Err(e) => shared.fail(&path, e),
            }
        }
    };
    run_workers(jobs, &worker, &mut |()| {});
    let queue = shared
        .queue
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    match queue.error {
        Some(e) => Err(e),
        None => Ok(probed
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .into_iter()
            .collect()),
    }
}

/// One probe of the subtree at `path`.
fn probe(
    scenario: &Scenario,
    label: &str,
    options: &ExhaustiveOptions,
    path: &SubtreePath,
    on_found: &mut dyn FnMut(SubtreePath),
) -> Result<(), RunError> {
    let config = ExhaustiveConfig::default()
        .reduction(options.reduction)
        .observed(crate::observed_resources(&scenario.steps))
        .prefix_until(label)
        .split_depth(options.split_depth)
        .subtree(path.clone())
        .frontier_only(true);
    let strategy = ExhaustiveStrategy::new_from_config(config);
    let handle = strategy.handle();
    let mut strategy: Box<dyn taintsim_sim::Strategy> = Box::new(strategy);
    while strategy.begin_execution() {
        let (_, back) = crate::run_strategy(scenario, 0, strategy, options.max_steps)?;
        strategy = back;
        for found in handle.take_subtrees() {
            on_found(found);
        }
    }
    Ok(())
}

/// Subtrees' counts, and the first failure of the first of them that has one.
pub(crate) type Counted = (Vec<SubtreeCount>, Option<(SubtreePath, Failure)>);

/// Searches each subtree of `paths` whole, on `jobs` threads (a shard's own subtrees): their
/// counts, in the order of `paths`, and the first failure of the first of them that has one.
pub(crate) fn search_paths(
    scenario: &Scenario,
    label: &str,
    options: &ExhaustiveOptions,
    paths: &[SubtreePath],
    jobs: usize,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Counted, RunError> {
    let queue = search_queued(
        scenario,
        label,
        options,
        Shared::new(paths.iter().cloned()),
        Split::Given,
        jobs,
        on_progress,
    )?;
    Ok((queue.done.into_values().collect(), queue.first_failure))
}
