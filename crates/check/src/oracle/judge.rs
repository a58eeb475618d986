//! Judging the oracles of [`super::OracleName`] against a world and its log.

use std::collections::BTreeMap;

use taintsim_api::{ApiServer, Kind, Object};
use taintsim_plugin::{Due, EvictionEvent, Metrics, Reference};

use super::OracleName;
use taintsim_world::World;
use taintsim_world::witness::{Deletion, SharedLog};

/// A broken invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Which oracle.
    pub oracle: OracleName,
    /// What happened.
    pub message: String,
}

/// `no-early-eviction` for one accepted DELETE.
pub fn judge_deletion(d: &Deletion) -> Option<Violation> {
    let message = match &d.due {
        Due::Never => format!(
            "pod {} was deleted at {} although its reference says it must never be evicted (no untolerated NoExecute taint applies to it)",
            d.pod, d.at
        ),
        Due::At(t) if *t > d.at => format!(
            "pod {} was deleted at {}, before its eviction time {t}",
            d.pod, d.at
        ),
        Due::At(_) | Due::Unknown(_) => return None,
    };
    Some(Violation {
        oracle: OracleName::NoEarlyEviction,
        message,
    })
}

/// What the oracles judged at quiescence read: the parts of a world on any runtime (the
/// simulator's [`World`], or the stress mode's tokio world).
#[derive(Clone, Copy)]
pub struct QuiescentView<'a> {
    /// The API server.
    pub server: &'a ApiServer,
    /// The controller's metrics.
    pub metrics: &'a Metrics,
    /// The oracles' log.
    pub log: &'a SharedLog,
    /// The reference model of the controller.
    pub reference: &'a dyn Reference,
    /// The event the controller records before each eviction attempt.
    pub eviction_event: EvictionEvent,
    /// The event the controller records when it cancels an eviction, if any.
    pub cancel_event: Option<EvictionEvent>,
}

/// An oracle judged at quiescence: `Some(message)` when violated.
type QuiescentCheck = fn(QuiescentView<'_>) -> Option<String>;

/// The oracles judged once the run is quiescent, in a fixed order, skipping `exempt` ones.
pub fn judge_quiescent(world: &World, exempt: &[OracleName]) -> Option<Violation> {
    let view = QuiescentView {
        server: &world.server,
        metrics: &world.metrics,
        log: &world.log,
        reference: world.reference.as_ref(),
        eviction_event: world.plugin.eviction_event(),
        cancel_event: world.plugin.cancel_event(),
    };
    judge_quiescent_view(view, exempt)
}

/// [`judge_quiescent`] over the parts of a world on any runtime.
pub fn judge_quiescent_view(world: QuiescentView<'_>, exempt: &[OracleName]) -> Option<Violation> {
    let checks: [(OracleName, QuiescentCheck); 4] = [
        (OracleName::EventualEviction, eventual_eviction),
        (OracleName::OneEventPerInvocation, one_event_per_invocation),
        (OracleName::MetricsAgree, metrics_agree),
        (OracleName::CancelEventTruth, cancel_event_truth),
    ];
    checks
        .into_iter()
        .filter(|(name, _)| !exempt.contains(name))
        .find_map(|(oracle, check)| check(world).map(|message| Violation { oracle, message }))
}

fn eventual_eviction(world: QuiescentView<'_>) -> Option<String> {
    let pods = world.server.peek_all(Kind::Pod);
    // The reference's view reads every slice and rule: not worth it when no pod is left, as
    // at the end of most runs.
    if pods.is_empty() {
        return None;
    }
    let view = world.reference.view(world.server);
    pods.into_iter().find_map(|o| match o {
        Object::Pod(pod) => match view.due(world.server, &pod) {
            Due::At(t) => Some(format!(
                "pod {}/{} still exists at quiescence ({}) although it was due for eviction at {t}",
                pod.metadata.namespace.as_deref().unwrap_or_default(),
                pod.metadata.name.as_deref().unwrap_or_default(),
                world.server.now()
            )),
            Due::Never | Due::Unknown(_) => None,
        },
        _ => None,
    })
}

fn one_event_per_invocation(world: QuiescentView<'_>) -> Option<String> {
    let EvictionEvent {
        reason,
        message_prefix: marking,
    } = world.eviction_event;
    let log = world.log.lock();
    let mut per_actor: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &log.eventf {
        if e.reason == reason && e.message.starts_with(marking) {
            *per_actor.entry(e.actor.as_str()).or_default() += 1;
        }
    }
    if let Some((actor, n)) = per_actor.iter().find(|(_, n)| **n > 1) {
        return Some(format!(
            "work invocation `{actor}` recorded {n} `{marking}` events"
        ));
    }
    log.deletions.iter().find_map(|d| {
        let n = per_actor.get(d.actor.as_str()).copied().unwrap_or(0);
        (n != 1).then(|| {
            format!(
                "pod {} was deleted by `{}`, which recorded {n} `{marking}` events before it",
                d.pod, d.actor
            )
        })
    })
}

fn cancel_event_truth(world: QuiescentView<'_>) -> Option<String> {
    let cancel = world.cancel_event?;
    let log = world.log.lock();
    super::cancel_event::judge(&log.eventf, &log.deletions, world.eviction_event, cancel)
}

fn metrics_agree(world: QuiescentView<'_>) -> Option<String> {
    let m = world.metrics.snapshot();
    let deleted = u64::try_from(world.log.lock().deletions.len()).unwrap_or(u64::MAX);
    (m.pod_deletions_total != deleted || m.deletion_duration_count != deleted).then(|| {
        format!(
            "the controller deleted {deleted} pod(s) but pod_deletions_total is {} and the duration histogram counted {}",
            m.pod_deletions_total, m.deletion_duration_count
        )
    })
}
