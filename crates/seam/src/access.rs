//! Access recording: the shared state a step really reads and writes, checked against the
//! step's declared [`touches`](crate::StepLabel::touches).
//!
//! Code that owns shared state calls [`record`] with the resource it is about to read or
//! write, named the way step labels name it (`pod/default/my-pod`, `queue/default/my-pod`,
//! `watch/pods`), given as path segments that are joined with `/`. A simulator that wants to
//! know whether a step stays within its touches calls [`check`] with them before the step and
//! [`Check::finish`] after it: every access recorded on this thread in between that no
//! declared touch [`covers`], once each, in first-access order. Covered accesses cost no
//! allocation.
//!
//! Recording costs nothing in release builds: without `debug_assertions` [`record`] is empty
//! and a [`Check`] never finds anything. In debug builds it costs one thread-local lookup
//! while no check runs, which is the case on every back end except the simulator's own step
//! execution (the tokio and loom back ends never start one).
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

use crate::label::Touch;

/// The resource that covers, and conflicts with, every other (for example a scenario
/// assertion, which may read anything).
pub const WORLD: &str = "world";

/// Whether the declared touch `declared` covers an access to `resource`: equal, a `/`-prefix
/// of it (`queue` covers `queue/default/my-pod`, `pod/default/a` does not cover
/// `pod/default/ab`), or [`WORLD`]. The independence relation of exhaustive search is built
/// on the same rule.
///
/// ```
/// use taintsim_seam::access::covers;
/// assert!(covers("queue", "queue/default/my-pod"));
/// assert!(!covers("queue/default/my-pod", "queue"));
/// assert!(!covers("pod/default/a", "pod/default/ab"));
/// assert!(covers("world", "cache/pods"));
/// ```
pub fn covers(declared: &str, resource: &str) -> bool {
    declared == WORLD
        || resource
            .strip_prefix(declared)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The state of the innermost running [`Check`] on this thread.
#[cfg(debug_assertions)]
struct Sink {
    declared: Vec<Touch>,
    undeclared: Vec<String>,
}

#[cfg(debug_assertions)]
thread_local! {
    static SINK: RefCell<Option<Sink>> = const { RefCell::new(None) };
}

/// Records an access to the resource `segments` (joined with `/`) if a [`Check`] runs on this
/// thread. See the module docs.
pub fn record(segments: &[&str]) {
    #[cfg(debug_assertions)]
    SINK.with(|sink| {
        if let Some(sink) = sink.borrow_mut().as_mut()
            && !sink.declared.iter().any(|d| covers_joined(d, segments))
            && !sink.undeclared.iter().any(|u| is_joined(u, segments))
        {
            sink.undeclared.push(segments.join("/"));
        }
    });
    #[cfg(not(debug_assertions))]
    let _ = segments;
}

/// [`covers`] of `segments` joined with `/`, without joining them.
#[cfg(debug_assertions)]
fn covers_joined(declared: &str, segments: &[&str]) -> bool {
    declared == WORLD
        || strip_joined(declared, segments).is_some_and(|rest| rest.is_empty() || rest == "/")
}

/// Whether `resource` is `segments` joined with `/`, without joining them.
#[cfg(debug_assertions)]
fn is_joined(resource: &str, segments: &[&str]) -> bool {
    strip_joined(resource, segments) == Some("")
}

/// Walks `declared` along `segments` joined with `/`: `Some("")` if they are equal, `Some("/")`
/// if `declared` ends at a `/` boundary inside them (it is a path-prefix), `None` otherwise.
#[cfg(debug_assertions)]
fn strip_joined<'a>(declared: &'a str, segments: &[&str]) -> Option<&'a str> {
    let mut rest = declared;
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            if rest.is_empty() {
                return Some("/");
            }
            rest = rest.strip_prefix('/')?;
        }
        if rest.is_empty() {
            return segment.starts_with('/').then_some("/");
        }
        match rest.strip_prefix(segment) {
            Some(r) => rest = r,
            None => {
                // `declared` may end inside this segment, at one of its own `/`s.
                let inside = segment.strip_prefix(rest)?;
                return inside.starts_with('/').then_some("/");
            }
        }
    }
    Some(rest).filter(|r| r.is_empty())
}

/// Starts checking the accesses on this thread against `declared`; see [`Check`].
pub fn check(declared: Vec<Touch>) -> Check {
    #[cfg(debug_assertions)]
    {
        let outer = SINK.with(|sink| {
            sink.borrow_mut().replace(Sink {
                declared,
                undeclared: Vec::new(),
            })
        });
        Check { outer: Some(outer) }
    }
    #[cfg(not(debug_assertions))]
    Check { declared }
}

/// A check in progress on this thread. [`Check::finish`] ends it; dropping it ends it too,
/// discarding what it found. Checks nest: an inner one sees only its own accesses, and the
/// outer one resumes when it ends.
#[must_use = "a check ends when dropped"]
pub struct Check {
    /// While running: the enclosing check's state (`Some(None)` if none runs).
    #[cfg(debug_assertions)]
    outer: Option<Option<Sink>>,
    #[cfg(not(debug_assertions))]
    declared: Vec<Touch>,
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check").finish_non_exhaustive()
    }
}

/// What a [`Check`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Checked {
    /// The declared touches, handed back.
    pub declared: Vec<Touch>,
    /// The accesses no declared touch covers, once each, in first-access order (always empty
    /// in release builds).
    pub undeclared: Vec<String>,
}

impl Check {
    /// Ends the check; see [`Checked`].
    pub fn finish(mut self) -> Checked {
        self.take()
    }

    fn take(&mut self) -> Checked {
        #[cfg(debug_assertions)]
        {
            let Some(outer) = self.outer.take() else {
                return Checked::default();
            };
            let sink = SINK.with(|sink| std::mem::replace(&mut *sink.borrow_mut(), outer));
            sink.map_or_else(Checked::default, |s| Checked {
                declared: s.declared,
                undeclared: s.undeclared,
            })
        }
        #[cfg(not(debug_assertions))]
        Checked {
            declared: std::mem::take(&mut self.declared),
            undeclared: Vec::new(),
        }
    }
}

impl Drop for Check {
    fn drop(&mut self) {
        drop(self.take());
    }
}

#[cfg(all(test, debug_assertions))]
mod tests {
    use super::*;

    fn touches(t: &[&str]) -> Vec<Touch> {
        t.iter().map(|t| Touch::from(*t)).collect()
    }

    #[test]
    fn a_check_should_keep_each_undeclared_access_once_in_first_access_order() {
        record(&["ignored"]);
        let check = check(touches(&["queue", "pod/default/a"]));
        record(&["pod", "default/b"]);
        record(&["queue", "default/a"]);
        record(&["x"]);
        record(&["pod", "default", "b"]);
        record(&["pod", "default/a"]);
        let checked = check.finish();
        assert_eq!(checked.declared, ["queue", "pod/default/a"]);
        assert_eq!(checked.undeclared, ["pod/default/b", "x"]);
        record(&["ignored"]);
    }

    #[test]
    fn checks_should_nest() {
        let outer = check(touches(&["a"]));
        record(&["b"]);
        let inner = check(touches(&["b"]));
        record(&["b"]);
        record(&["c"]);
        assert_eq!(inner.finish().undeclared, ["c"]);
        record(&["d"]);
        drop(check(Vec::new()));
        record(&["a", "x"]);
        assert_eq!(outer.finish().undeclared, ["b", "d"]);
    }

    #[test]
    fn joined_segments_should_follow_the_prefix_rule_of_covers() {
        let cases: [(&str, &[&str]); 12] = [
            ("pod/default/a", &["pod", "default/a"]),
            ("pod", &["pod", "default/a"]),
            ("pod/default", &["pod", "default/a"]),
            ("pod/default/a", &["pod", "default/ab"]),
            ("pod/default/ab", &["pod", "default/a"]),
            ("pod/def", &["pod", "default/a"]),
            ("po", &["pod", "default/a"]),
            ("queue", &["queue"]),
            ("queue/x", &["queue"]),
            ("world", &["anything"]),
            ("poddefault", &["pod", "default"]),
            ("", &["pod"]),
        ];
        for (declared, segments) in cases {
            assert_eq!(
                covers_joined(declared, segments),
                covers(declared, &segments.join("/")),
                "{declared} {segments:?}"
            );
            assert_eq!(
                is_joined(declared, segments),
                declared == segments.join("/"),
                "{declared} {segments:?}"
            );
        }
    }
}
