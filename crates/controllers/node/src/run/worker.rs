//! The update workers of `Run` (`worker(ctx, i)`): a `select` over `ctx.Done()`, the worker's
//! node channel and its pod channel. A node item is handled (`handleNodeUpdate`, then `Done`).
//! A pod item first drains the node items already in the node channel, handling each, and is
//! then handled (`handlePodUpdate`, then `Done`): upstream prioritises node updates so that an
//! eviction is not stuck behind pod updates.
//!
//! Steps: `select` (touching the worker's channels and its view of the context), then one
//! `handle ...` step per item, touching what the handler reads and writes.

use std::sync::Arc;

use taintsim_api::{Kind, resource};
use taintsim_seam::runtime::{StepLabel, Touch, touch};
use taintsim_seam::sync::Ordering;
use taintsim_timed_worker_queue::WaitGroupGuard;

use super::RunState;
use crate::controller::{NodeUpdateItem, PodUpdateItem};

/// The actor name of worker `i`.
pub(crate) fn actor(i: usize) -> String {
    format!("update-worker-{i}")
}

/// What handling a node item touches: the node and pod caches, the node's `taintedNodes`
/// entry, any pod's queue entry, the event queue, the handlers' clock and the node workqueue
/// (`Done`).
fn node_touches(item: &NodeUpdateItem, i: usize) -> Vec<Touch> {
    vec![
        resource::cache_touch(Kind::Node),
        resource::cache_touch(Kind::Pod),
        touch(&["tainted-nodes", &item.node_name]),
        Touch::new_static("queue"),
        Touch::new_static("events"),
        Touch::new_static("handler-clock"),
        Touch::new_static("workqueue/noexec_taint_node"),
        // The work after the step takes the next node item to drain.
        touch(&["channel", &i.to_string(), "nodes"]),
    ]
}

/// What handling a pod item touches: the pod cache, the `taintedNodes` entry of its node, its
/// queue entry, the event queue, the handlers' clock and the pod workqueue (`Done`).
fn pod_touches(item: &PodUpdateItem) -> Vec<Touch> {
    vec![
        resource::cache_touch(Kind::Pod),
        touch(&["tainted-nodes", &item.node_name]),
        touch(&["queue", &item.pod_namespace, &item.pod_name]),
        Touch::new_static("events"),
        Touch::new_static("handler-clock"),
        Touch::new_static("workqueue/noexec_taint_pod"),
    ]
}

enum Case {
    Done,
    Node,
    Pod,
}

/// Worker `i`, registered in `Run`'s wait group by `guard`.
pub(crate) async fn run(run: Arc<RunState>, i: usize, guard: WaitGroupGuard) {
    let _guard = guard;
    let rt = run.rt().clone();
    let controller = run.controller.clone();
    let shard = &run.shards[i];
    let me = actor(i);
    loop {
        shard.signal.wait().await;
        rt.step(StepLabel::with_touches(
            "select",
            [format!("channel/{i}"), format!("context/{me}")],
        ))
        .await;
        let mut ready = Vec::new();
        if run.cancelled.load(Ordering::SeqCst) {
            ready.push(Case::Done);
        }
        {
            let ch = shard.channels.lock();
            if !ch.nodes.is_empty() {
                ready.push(Case::Node);
            }
            if !ch.pods.is_empty() {
                ready.push(Case::Pod);
            }
        }
        let pick = match ready.len() {
            0 => continue,
            1 => 0,
            n => rt.choose(&format!("{me}: select"), n).min(n - 1),
        };
        match ready.swap_remove(pick) {
            Case::Done => return,
            Case::Node => {
                let item = pop_node(&run, i);
                renotify(&run, i);
                if let Some(item) = item {
                    rt.step(StepLabel::with_touches(
                        format!("handle node {}", item.node_name),
                        node_touches(&item, i),
                    ))
                    .await;
                    controller.handle_node_update(&item);
                    controller.node_updates.done(&item);
                }
            }
            Case::Pod => {
                let pod = shard.channels.lock().pods.pop_front();
                run.pod_room.notify();
                // "If we found a Pod update we need to empty Node queue first."
                let mut next = pop_node(&run, i);
                renotify(&run, i);
                while let Some(item) = next {
                    rt.step(StepLabel::with_touches(
                        format!("handle node {} (before a pod)", item.node_name),
                        node_touches(&item, i),
                    ))
                    .await;
                    controller.handle_node_update(&item);
                    controller.node_updates.done(&item);
                    next = pop_node(&run, i);
                }
                if let Some(item) = pod {
                    rt.step(StepLabel::with_touches(
                        format!(
                            "handle pod {}/{} on {:?}",
                            item.pod_namespace, item.pod_name, item.node_name
                        ),
                        pod_touches(&item),
                    ))
                    .await;
                    controller.handle_pod_update(&item);
                    controller.pod_updates.done(&item);
                }
            }
        }
    }
}

/// Takes the next node item, if any, and tells a node dispatcher blocked on the full channel.
fn pop_node(run: &RunState, i: usize) -> Option<NodeUpdateItem> {
    let item = run.shards[i].channels.lock().nodes.pop_front();
    if item.is_some() {
        run.node_room.notify();
    }
    item
}

/// Keeps the wake-up set while items are left, so that the next `select` comes at once.
fn renotify(run: &RunState, i: usize) {
    let shard = &run.shards[i];
    let left = {
        let ch = shard.channels.lock();
        !ch.nodes.is_empty() || !ch.pods.is_empty()
    };
    if left {
        shard.signal.notify();
    }
}
