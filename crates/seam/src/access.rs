//! Access recording: the shared state a step really reads and writes, so that a simulator can
//! check it against the step's declared [`touches`](crate::StepLabel::touches).
//!
//! Code that owns shared state calls [`record`] with the resource it is about to read or
//! write, named the way step labels name it (`pod/default/my-pod`, `queue/default/my-pod`,
//! `watch/pods`), given as path segments that are joined with `/`. A simulator that wants to
//! know what a step accessed calls [`start`] before the step and [`Recording::finish`] after
//! it: every resource recorded on this thread in between, once each, in first-access order.
//!
//! Recording costs nothing in release builds: without `debug_assertions` [`record`] is empty
//! and a [`Recording`] never records anything. In debug builds it costs one thread-local
//! lookup while no recording runs, which is the case on every back end except the
//! simulator's own step execution (the tokio and loom back ends never start one).
//!
//! # What is recorded, and what on purpose is not
//!
//! Recorded: objects the API server reads and writes (`<kind>/<key>`), the watch logs it reads
//! and appends to (`watch/<plural>`), the fault rules and request observers it consults
//! (`fault/<verb>/<plural>`), the informer caches' keys (`cache/<plural>/<key>`) and listener
//! queues (`notify/<listener>`), and the state that controllers and queues keep behind a
//! [`Mutex::named`](crate::sync::Mutex::named) or an explicit call (`controller`, `tracker`,
//! `queue/<key>`, `events`).
//!
//! Not recorded, because no order of two steps can be told apart by it:
//! - identifiers handed out in order (resourceVersions, UIDs, generated names, worker tokens,
//!   task and timer ids): simulated code compares them only for equality and for order within
//!   one object (the independence relation's docs say why that is enough);
//! - state that only the driver and the oracles read between steps (call counters,
//!   broadcaster statistics, relist counters, the oracles' log, whose entries each belong to
//!   the one task that writes and reads them), or that only a step touching `world` (a
//!   scenario fault) writes (fault settings, the fault rules installed);
//! - a controller's metrics: commutative counters, changed only in the work after a pod
//!   DELETE's response step, which touches that pod, and read by scenario checks that declare
//!   every pod (`pod`);
//! - caches whose value is recomputed the same when stale (a reference view keyed by kind
//!   revisions), and the wake-up plumbing of queues (signals, wakers), which belongs to the
//!   queue it wakes.

#[cfg(debug_assertions)]
use std::cell::RefCell;

#[cfg(debug_assertions)]
thread_local! {
    /// The resources recorded so far by the innermost running [`Recording`], if any.
    static SINK: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Records an access to the resource `segments` (joined with `/`) if a [`Recording`] runs on
/// this thread. See the module docs.
#[inline]
pub fn record(segments: &[&str]) {
    #[cfg(debug_assertions)]
    SINK.with(|sink| {
        if let Some(seen) = sink.borrow_mut().as_mut()
            && !seen.iter().any(|r| is_joined(r, segments))
        {
            seen.push(segments.join("/"));
        }
    });
    #[cfg(not(debug_assertions))]
    let _ = segments;
}

/// Whether `resource` is `segments` joined with `/`, without joining them.
#[cfg(debug_assertions)]
fn is_joined(resource: &str, segments: &[&str]) -> bool {
    let mut rest = resource;
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            match rest.strip_prefix('/') {
                Some(r) => rest = r,
                None => return false,
            }
        }
        match rest.strip_prefix(segment) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

/// Starts recording on this thread; see [`Recording`].
pub fn start() -> Recording {
    #[cfg(debug_assertions)]
    {
        let outer = SINK.with(|sink| sink.borrow_mut().replace(Vec::new()));
        Recording { outer: Some(outer) }
    }
    #[cfg(not(debug_assertions))]
    Recording {}
}

/// A recording in progress on this thread. [`Recording::finish`] ends it; dropping it ends it
/// too, discarding what it recorded. Recordings nest: an inner one sees only its own accesses,
/// and the outer one resumes when it ends.
#[must_use = "a recording ends when dropped"]
#[derive(Debug)]
pub struct Recording {
    /// While running: what the enclosing recording had recorded (`Some(None)` if none runs).
    #[cfg(debug_assertions)]
    outer: Option<Option<Vec<String>>>,
}

impl Recording {
    /// Ends the recording: every resource recorded since [`start`], once each, in the order of
    /// the first access (always empty in release builds).
    pub fn finish(mut self) -> Vec<String> {
        self.take()
    }

    fn take(&mut self) -> Vec<String> {
        #[cfg(debug_assertions)]
        if let Some(outer) = self.outer.take() {
            return SINK
                .with(|sink| std::mem::replace(&mut *sink.borrow_mut(), outer))
                .unwrap_or_default();
        }
        Vec::new()
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        drop(self.take());
    }
}

#[cfg(all(test, debug_assertions))]
mod tests {
    use super::*;

    #[test]
    fn recording_should_keep_each_resource_once_in_first_access_order() {
        record(&["ignored"]);
        let recording = start();
        record(&["pod", "default/a"]);
        record(&["queue"]);
        record(&["pod", "default", "a"]);
        assert_eq!(recording.finish(), ["pod/default/a", "queue"]);
        record(&["ignored"]);
        assert!(start().finish().is_empty());
    }

    #[test]
    fn recordings_should_nest() {
        let outer = start();
        record(&["a"]);
        let inner = start();
        record(&["b"]);
        assert_eq!(inner.finish(), ["b"]);
        record(&["c"]);
        drop(start());
        record(&["d"]);
        assert_eq!(outer.finish(), ["a", "c", "d"]);
    }

    #[test]
    fn segments_should_match_only_their_exact_join() {
        assert!(is_joined("pod/default/a", &["pod", "default/a"]));
        assert!(is_joined("queue", &["queue"]));
        assert!(!is_joined("pod/default/ab", &["pod", "default/a"]));
        assert!(!is_joined("pod/default/a", &["pod", "default", "ab"]));
        assert!(!is_joined("poddefault", &["pod", "default"]));
    }
}
