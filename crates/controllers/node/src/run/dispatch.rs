//! The two dispatcher goroutines of `Run`: take an item from the workqueue (`Get`), then send
//! it to the channel of worker `hash(item.nodeName, UpdateWorkerSize)`, in a `select` with
//! `ctx.Done()` (on which the item is marked `Done` and the dispatcher returns). `Done` of a
//! sent item is the worker's business. A shut-down, empty workqueue ends the dispatcher.
//!
//! Steps: `get` (touching the workqueue) and `send <item> to update-worker-<i>` (touching that
//! channel and the dispatcher's view of the context), again after every wake-up while the
//! channel is full.

use std::sync::Arc;

use taintsim_seam::runtime::StepLabel;
use taintsim_seam::sync::Ordering;
use taintsim_timed_worker_queue::WaitGroupGuard;

use super::{NODE_UPDATE_CHANNEL_SIZE, POD_UPDATE_CHANNEL_SIZE, RunState, UPDATE_WORKER_SIZE};
use crate::controller::{NodeUpdateItem, PodUpdateItem};
use crate::signal::Signal;
use crate::taints::hash;
use crate::workqueue::{Got, WorkQueue};

/// Which dispatcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Node,
    Pod,
}

impl Kind {
    pub(crate) fn actor(self) -> &'static str {
        match self {
            Kind::Node => "node-dispatcher",
            Kind::Pod => "pod-dispatcher",
        }
    }
}

/// An item either dispatcher moves.
enum Item {
    Node(NodeUpdateItem),
    Pod(PodUpdateItem),
}

impl Item {
    fn node_name(&self) -> &str {
        match self {
            Item::Node(n) => &n.node_name,
            Item::Pod(p) => &p.node_name,
        }
    }

    fn describe(&self) -> String {
        match self {
            Item::Node(n) => format!("node {}", n.node_name),
            Item::Pod(p) => format!(
                "pod {}/{} on {:?}",
                p.pod_namespace, p.pod_name, p.node_name
            ),
        }
    }
}

fn get(run: &RunState, kind: Kind) -> Got<Item> {
    let c = &run.controller;
    let got = match kind {
        Kind::Node => map(c.node_updates.get(), Item::Node),
        Kind::Pod => map(c.pod_updates.get(), Item::Pod),
    };
    fn map<T>(got: Got<T>, f: fn(T) -> Item) -> Got<Item> {
        match got {
            Got::Item(i) => Got::Item(f(i)),
            Got::Empty => Got::Empty,
            Got::ShutDown => Got::ShutDown,
        }
    }
    got
}

fn workqueue_name(run: &RunState, kind: Kind) -> &'static str {
    match kind {
        Kind::Node => run.controller.node_updates.name(),
        Kind::Pod => run.controller.pod_updates.name(),
    }
}

async fn wait_for_work(run: &RunState, kind: Kind) {
    match kind {
        Kind::Node => run.controller.node_updates.wait().await,
        Kind::Pod => run.controller.pod_updates.wait().await,
    }
}

fn room(run: &RunState, kind: Kind) -> &Signal {
    match kind {
        Kind::Node => &run.node_room,
        Kind::Pod => &run.pod_room,
    }
}

fn done<T: Ord + Clone>(queue: &WorkQueue<T>, item: &T) {
    queue.done(item);
}

/// The dispatcher `kind`, registered in `Run`'s wait group when `guard` is given.
pub(crate) async fn run(run: Arc<RunState>, kind: Kind, guard: Option<WaitGroupGuard>) {
    let _guard = guard;
    let rt = run.rt().clone();
    let actor = kind.actor();
    let queue = workqueue_name(&run, kind);
    loop {
        wait_for_work(&run, kind).await;
        rt.step(StepLabel::with_touches(
            "get",
            [format!("workqueue/{queue}")],
        ))
        .await;
        let item = match get(&run, kind) {
            Got::Item(item) => item,
            Got::Empty => continue,
            Got::ShutDown => return,
        };
        let i = hash(item.node_name(), UPDATE_WORKER_SIZE);
        let channel = match kind {
            Kind::Node => format!("channel/{i}/nodes"),
            Kind::Pod => format!("channel/{i}/pods"),
        };
        loop {
            let label = format!("send {} to update-worker-{i}", item.describe());
            let touches = [channel.clone(), format!("context/{actor}")];
            rt.step(StepLabel::with_touches(label, touches)).await;
            let cancelled = run.cancelled.load(Ordering::SeqCst);
            let has_room = {
                let ch = run.shards[i].channels.lock();
                match kind {
                    Kind::Node => ch.nodes.len() < NODE_UPDATE_CHANNEL_SIZE,
                    Kind::Pod => ch.pods.len() < POD_UPDATE_CHANNEL_SIZE,
                }
            };
            let stop = match (cancelled, has_room) {
                (true, true) => rt.choose(&format!("{actor}: select ctx.Done or send"), 2) == 0,
                (stop, _) => stop,
            };
            if stop {
                rt.step(StepLabel::with_touches(
                    format!("Done {}", item.describe()),
                    [format!("workqueue/{queue}")],
                ))
                .await;
                match &item {
                    Item::Node(n) => done(&run.controller.node_updates, n),
                    Item::Pod(p) => done(&run.controller.pod_updates, p),
                }
                return;
            }
            if has_room {
                {
                    let mut ch = run.shards[i].channels.lock();
                    match item {
                        Item::Node(n) => ch.nodes.push_back(n),
                        Item::Pod(p) => ch.pods.push_back(p),
                    }
                }
                run.shards[i].signal.notify();
                break;
            }
            room(&run, kind).wait().await;
        }
    }
}
