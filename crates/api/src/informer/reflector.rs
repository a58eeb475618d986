//! The reflector task: a state machine of list and watch phases (kube-runtime's watcher).
//!
//! `List` lists the kind and applies the differences to the cache one step each, then moves to
//! `Watch` at the list's revision. `Watch` applies each event in one step; it goes back to
//! `List` on `410 Gone` or a dropped watch, and re-watches from the last revision when the
//! server merely closed the watch.

use std::sync::Arc;
use std::time::Duration;

use taintsim_seam::client::StatusReason;
use taintsim_seam::runtime::{StepDetail, StepLabel, push_decimal};
use tracing::debug;

use super::Shared;
use super::cache::Change;
use crate::fault::{Request, Verdict};
use crate::kind::Verb;
use crate::resource::{self, record_cache, record_cache_key, record_listener};

/// How long the reflector waits after a failed list or watch request.
const RETRY_AFTER: Duration = Duration::from_secs(1);

enum Phase {
    List,
    Watch { from: u64 },
    Stopped,
}

pub(super) async fn run(shared: Arc<Shared>) {
    let mut phase = Phase::List;
    loop {
        phase = match phase {
            Phase::List => list(&shared).await,
            Phase::Watch { from } => watch(&shared, from).await,
            Phase::Stopped => return,
        };
        if shared.stopped() {
            return;
        }
    }
}

/// Asks the fault rules about a list or watch. `Err` carries the failure's reason, after the
/// retry wait.
async fn admit(shared: &Shared, verb: Verb) -> Result<(), StatusReason> {
    let request = Request {
        verb,
        kind: shared.kind,
        namespace: String::new(),
        name: String::new(),
        actor: shared.actor.clone().into_owned(),
        uid: None,
    };
    match shared.server.check_faults(&request) {
        Verdict::Pass => Ok(()),
        Verdict::Delay(delay) => {
            shared.rt.sleep(delay).await;
            Ok(())
        }
        Verdict::Fail(err) => {
            debug!(informer = %shared.name, %verb, %err, "request failed; retrying");
            shared.rt.sleep(RETRY_AFTER).await;
            Err(err.reason)
        }
    }
}

async fn list(shared: &Shared) -> Phase {
    shared.state.lock().relist_requested = false;
    if admit(shared, Verb::List).await.is_err() {
        return Phase::List;
    }
    let list = shared.server.list(shared.kind);
    let changes = {
        let mut st = shared.state.lock();
        if st.synced {
            st.relists += 1;
        }
        record_cache(shared.kind);
        st.cache.diff(list.items, list.resource_version)
    };
    debug!(informer = %shared.name, rv = list.resource_version, changes = changes.len(), "listed");
    for change in changes {
        if shared.stopped() {
            return Phase::Stopped;
        }
        apply(shared, change).await;
    }
    let mut st = shared.state.lock();
    if !st.synced {
        record_cache(shared.kind);
        st.synced = true;
        for listener in st.listeners.values_mut() {
            record_listener(listener.name());
            listener.sync_target.get_or_insert(listener.queued);
        }
    }
    Phase::Watch {
        from: list.resource_version,
    }
}

async fn watch(shared: &Shared, from: u64) -> Phase {
    match admit(shared, Verb::Watch).await {
        Ok(()) => {}
        Err(StatusReason::Gone) => return Phase::List,
        Err(_) => return Phase::Watch { from },
    }
    let mut watch = match shared.server.watch(shared.kind, from) {
        Ok(watch) => watch,
        Err(err) if err.reason == StatusReason::Gone => return Phase::List,
        Err(_) => {
            shared.rt.sleep(RETRY_AFTER).await;
            return Phase::Watch { from };
        }
    };
    {
        let mut st = shared.state.lock();
        if st.stopped || st.relist_requested {
            return Phase::List;
        }
        st.watch = Some(watch.id());
    }
    let mut last = from;
    loop {
        match watch.next().await {
            None => {
                let mut st = shared.state.lock();
                st.watch = None;
                if st.stopped {
                    return Phase::Stopped;
                }
                if std::mem::take(&mut st.relist_requested) {
                    return Phase::List;
                }
                return Phase::Watch { from: last };
            }
            Some(Err(err)) => {
                shared.state.lock().watch = None;
                debug!(informer = %shared.name, %err, "watch ended");
                return match err.reason {
                    StatusReason::Gone => Phase::List,
                    _ => Phase::Watch { from: last },
                };
            }
            Some(Ok(event)) => {
                let delay = shared.state.lock().watch_delay;
                if !delay.is_zero() {
                    shared.rt.sleep(delay).await;
                }
                last = event.resource_version;
                apply(shared, event.into()).await;
                if shared.stopped() {
                    return Phase::Stopped;
                }
            }
        }
    }
}

/// One cache-update step: the step, then the cache write and the listener queues.
async fn apply(shared: &Shared, change: Change) {
    let plural = shared.kind.plural();
    let touches = if !shared.rt.wants_touches() {
        Vec::new()
    } else {
        let st = shared.state.lock();
        // `watch/<plural>`: the work after the step reads the watch stream, and, if the
        // server compacted it away, relists the whole kind, which does not commute with a
        // write of that kind. `fault/...`: after the last change of a list it opens the
        // watch, after a closed watch it opens another, and after `410 Gone` it lists again:
        // each a request that the fault rules see.
        [
            resource::cache_touch(shared.kind),
            resource::watch_log(shared.kind),
            resource::faults(Verb::Watch, shared.kind),
            resource::faults(Verb::List, shared.kind),
        ]
        .into_iter()
        .chain(st.listeners.values().map(|l| l.spec.own_touch().clone()))
        .collect::<Vec<_>>()
    };
    let label = if shared.rt.wants_labels() {
        // `cache-update <plural> <change> <key> rv=<revision>`, appended piece by piece.
        let mut action = String::with_capacity(80);
        action.extend([
            "cache-update ",
            plural,
            " ",
            change.event_type.as_str(),
            " ",
            &change.key,
            " rv=",
        ]);
        push_decimal(&mut action, change.resource_version);
        StepLabel::with_touches(action, touches).with_detail(StepDetail::CacheUpdate {
            change: change.event_type.as_str().to_owned(),
            kind: shared.kind.singular().to_owned(),
            key: change.key.clone(),
            resource_version: change.resource_version,
        })
    } else {
        StepLabel::with_touches(String::new(), touches)
    };
    shared.rt.step(label).await;
    let signals = {
        let mut st = shared.state.lock();
        record_cache_key(shared.kind, &change.key);
        let notification = st.cache.apply(change);
        st.listeners
            .values_mut()
            .map(|listener| {
                record_listener(listener.name());
                listener.push(notification.clone());
                listener.signal.clone()
            })
            .collect::<Vec<_>>()
    };
    signals.iter().for_each(|s| s.notify());
}
