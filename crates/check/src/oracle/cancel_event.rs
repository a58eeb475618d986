//! `cancel-event-truth`: a controller that records that it cancels a pod's deletion must not
//! delete that pod afterwards, unless it first decides again to evict it.
//!
//! Upstream's device taint eviction controller records "Cancelling deletion" when
//! `CancelWork` (1.33, `pkg/controller/devicetainteviction`, `cancelWorkWithEvent`) or
//! `cancelEvict` (1.35 and later) removes a pending eviction: the event tells the pod's owner
//! that the eviction is off. In 1.33 `CancelWork` also succeeds for a work whose timer has
//! already fired and whose goroutine is in the middle of the deletion, so the event is recorded
//! and the pod is deleted anyway (the 1.33 catalogue entry "the cancel event is recorded
//! although the deletion goes ahead"). The 1.35 rewrite makes `deletePodAt` the source of truth,
//! but `maybeDeletePod` reads it under the mutex and unlocks before `addConditionAndDeletePod`'s
//! API calls, so a `cancelEvict` in between leaves the same lie
//! (scenarios/catalogue/latest-cancel-event-truth.json).
//!
//! Precisely: for every controller DELETE of pod P that the server applied after a cancel
//! event for P, some eviction event ("Marking for deletion") for P must come between that
//! cancel event and the DELETE. Pods are compared by `namespace/name`: a pod recreated under the
//! same name is evicted afresh only after a new eviction event, so this loses nothing.

use taintsim_plugin::EvictionEvent;
use taintsim_world::witness::{Deletion, EventfCall};

/// The first DELETE that went ahead after its pod's deletion was said to be cancelled, as a
/// message; `None` when every cancel event told the truth.
pub fn judge(
    eventf: &[EventfCall],
    deletions: &[Deletion],
    eviction: EvictionEvent,
    cancel: EvictionEvent,
) -> Option<String> {
    let is = |e: &EventfCall, kind: EvictionEvent| {
        e.reason == kind.reason && e.message.starts_with(kind.message_prefix)
    };
    deletions.iter().find_map(|d| {
        let before = &eventf[..d.events_before.min(eventf.len())];
        let last_cancel = before
            .iter()
            .rposition(|e| e.object == d.pod && is(e, cancel))?;
        let marked_again = before[last_cancel + 1..]
            .iter()
            .any(|e| e.object == d.pod && is(e, eviction));
        (!marked_again).then(|| {
            format!(
                "pod {} was deleted by `{}` at {} after `{}` recorded `{}` for it, with no `{}` \
                 in between",
                d.pod,
                d.actor,
                d.at,
                before[last_cancel].actor,
                cancel.message_prefix,
                eviction.message_prefix
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use taintsim_plugin::Due;

    const MARK: EvictionEvent = EvictionEvent {
        reason: "R",
        message_prefix: "Marking for deletion",
    };
    const CANCEL: EvictionEvent = EvictionEvent {
        reason: "R",
        message_prefix: "Cancelling deletion",
    };

    fn event(actor: &str, pod: &str, kind: EvictionEvent) -> EventfCall {
        EventfCall {
            actor: actor.into(),
            object: pod.into(),
            reason: kind.reason.into(),
            message: kind.message_prefix.into(),
        }
    }

    fn deletion(pod: &str, events_before: usize) -> Deletion {
        Deletion {
            actor: "worker".into(),
            pod: pod.into(),
            uid: None,
            at: jiff::Timestamp::UNIX_EPOCH,
            due: Due::Never,
            events_before,
        }
    }

    #[test]
    fn a_deletion_after_a_cancel_event_should_violate() {
        let events = [
            event("worker", "ns/p", MARK),
            event("handler", "ns/p", CANCEL),
        ];
        let message = judge(&events, &[deletion("ns/p", 2)], MARK, CANCEL);
        assert!(
            message.as_deref().is_some_and(|m| m.contains("ns/p")),
            "{message:?}"
        );
    }

    #[test]
    fn a_deletion_before_the_cancel_event_or_after_a_new_mark_should_hold() {
        let events = [
            event("worker", "ns/p", MARK),
            event("handler", "ns/p", CANCEL),
            event("worker-2", "ns/p", MARK),
        ];
        assert_eq!(judge(&events, &[deletion("ns/p", 1)], MARK, CANCEL), None);
        assert_eq!(judge(&events, &[deletion("ns/p", 3)], MARK, CANCEL), None);
    }

    #[test]
    fn cancel_events_of_other_pods_and_other_reasons_should_not_count() {
        let other_reason = EvictionEvent {
            reason: "Other",
            message_prefix: CANCEL.message_prefix,
        };
        let events = [
            event("handler", "ns/q", CANCEL),
            event("handler", "ns/p", other_reason),
        ];
        assert_eq!(judge(&events, &[deletion("ns/p", 2)], MARK, CANCEL), None);
    }
}
