//! Property tests of watches over random operation sequences: ordered, no duplicates, every
//! change delivered exactly once to each watcher started at or before it, and resuming from
//! any revision yields exactly the suffix.

use std::task::Poll;

use proptest::prelude::*;
use taintsim_api::{ApiServer, EventType, Kind, Object, Preconditions, Watch};

use crate::support::{pod_labelled, server, slice_v1};

#[derive(Debug, Clone)]
enum Op {
    Create(Kind, usize),
    Update(Kind, usize),
    Delete(Kind, usize),
    /// Open a watch on the kind from the current revision.
    Watch(Kind),
    /// Read whatever watcher `n % open` has ready.
    Drain(usize),
}

const NAMES: [&str; 3] = ["a", "b", "c"];

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![Just(Kind::Pod), Just(Kind::ResourceSlice)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (kind(), 0..NAMES.len()).prop_map(|(k, i)| Op::Create(k, i)),
        3 => (kind(), 0..NAMES.len()).prop_map(|(k, i)| Op::Update(k, i)),
        2 => (kind(), 0..NAMES.len()).prop_map(|(k, i)| Op::Delete(k, i)),
        1 => kind().prop_map(Op::Watch),
        1 => any::<usize>().prop_map(Op::Drain),
    ]
}

fn object(kind: Kind, name: &str, step: u64) -> Object {
    match kind {
        Kind::Pod => pod_labelled(name, step),
        _ => {
            let mut slice = slice_v1(name);
            slice.metadata_mut().labels = Some([("step".to_owned(), step.to_string())].into());
            slice
        }
    }
}

/// A change as the tests compare them: kind, type, key, revision.
type Seen = (Kind, EventType, String, u64);

struct Watcher {
    watch: Watch,
    start: u64,
    seen: Vec<Seen>,
}

fn drain(w: &mut Watcher) {
    while let Poll::Ready(Some(item)) = w.watch.try_next() {
        let event = item.expect("window is large enough for no 410");
        w.seen.push((
            event.object.kind(),
            event.event_type,
            event.object.key(),
            event.resource_version,
        ));
    }
}

/// Applies `op`, recording the committed change, if any, in `log`.
fn apply(s: &ApiServer, op: &Op, step: u64, log: &mut Vec<Seen>, watchers: &mut Vec<Watcher>) {
    let committed = match op {
        Op::Create(k, i) => s
            .create(object(*k, NAMES[*i], step))
            .ok()
            .map(|o| (EventType::Added, o)),
        Op::Update(k, i) => s
            .update(object(*k, NAMES[*i], step))
            .ok()
            .map(|o| (EventType::Modified, o)),
        Op::Delete(k, i) => {
            let ns = if k.is_namespaced() { "default" } else { "" };
            s.delete(*k, ns, NAMES[*i], &Preconditions::default())
                .ok()
                .map(|o| (EventType::Deleted, o))
        }
        Op::Watch(k) => {
            let start = s.revision();
            let watch = s
                .watch(*k, start)
                .expect("current revision is never compacted");
            watchers.push(Watcher {
                watch,
                start,
                seen: Vec::new(),
            });
            None
        }
        Op::Drain(n) => {
            if !watchers.is_empty() {
                let i = n % watchers.len();
                drain(&mut watchers[i]);
            }
            None
        }
    };
    if let Some((event_type, obj)) = committed {
        log.push((obj.kind(), event_type, obj.key(), obj.resource_version()));
    }
}

fn suffix(log: &[Seen], kind: Kind, after: u64) -> Vec<Seen> {
    log.iter()
        .filter(|(k, _, _, rv)| *k == kind && *rv > after)
        .cloned()
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn watches_should_deliver_every_change_once_in_order(ops in prop::collection::vec(op(), 1..40)) {
        let s = server();
        let mut log = Vec::new();
        let mut watchers = Vec::new();
        for (step, op) in ops.iter().enumerate() {
            apply(&s, op, step as u64, &mut log, &mut watchers);
        }
        // Revisions are strictly increasing across kinds.
        prop_assert!(log.windows(2).all(|w| w[0].3 < w[1].3));
        for w in &mut watchers {
            drain(w);
            let kind = w.watch.kind();
            // Exactly the kind's changes after the start, each once, in order.
            prop_assert_eq!(&w.seen, &suffix(&log, kind, w.start));
        }
        // Resuming from any revision yields exactly the suffix.
        for kind in [Kind::Pod, Kind::ResourceSlice] {
            for from in 0..=s.revision() {
                let mut w = Watcher { watch: s.watch(kind, from).expect("no compaction"), start: from, seen: Vec::new() };
                drain(&mut w);
                prop_assert_eq!(&w.seen, &suffix(&log, kind, from));
            }
        }
        // The store agrees with the last change of every key.
        for kind in [Kind::Pod, Kind::ResourceSlice] {
            let listed: Vec<String> = s.list(kind).items.iter().map(Object::key).collect();
            let mut live: Vec<String> = Vec::new();
            for (_, t, key, _) in log.iter().filter(|c| c.0 == kind) {
                live.retain(|k| k != key);
                if *t != EventType::Deleted {
                    live.push(key.clone());
                }
            }
            live.sort();
            prop_assert_eq!(listed, live);
        }
    }
}
