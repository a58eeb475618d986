//! [`EventBroadcaster`]: client-go's event broadcaster and recording sink, as its own actor.
//!
//! [`Recorder::eventf`] builds the Event (timestamps from the runtime's clock, name
//! `<object>.<hex nanoseconds>` as client-go names them) and only enqueues it: it never blocks
//! and never calls the API. A full queue drops the event (client-go's drop-if-full policy,
//! default length 1000). The sink task, actor `event-broadcaster`, takes one event per step,
//!
//! `write Event <reason> <message> for <Kind> <ns>/<name>` touching `events` (the queue,
//! which the work after the step pops next, as recorders push to it), `event/<ns>` (the
//! namespace's Event objects, which it searches and writes), `watch/events`, and
//! `fault/patch/events` and `fault/create/events` (the fault rules see its writes),
//!
//! and writes it: an identical stored event (same involved object, type, reason, message,
//! source) is patched (`count + 1`, new `lastTimestamp`), otherwise the event is created. As in
//! client-go's `recordToSink`, an error the server answered (any status) is not retried, a
//! `504 Timeout` (a transport-level failure) is retried after `retry_delay` up to `max_tries`
//! attempts (a retry's step label ends in ` (attempt <n>)`), and a patch that finds the event
//! gone falls back to a create. Fault rules see the writes with actor `event-broadcaster`.
//! client-go's spam filter and the similar-message aggregator are not modelled.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use taintsim_seam::client::{ApiError, EventRecorder, StatusReason};
use taintsim_seam::runtime::{Runtime, StepDetail, StepLabel, Touch};
use taintsim_seam::sync::Mutex;
use tracing::{info, warn};

use crate::fault::{Request, Verdict};
use crate::kind::{Kind, Verb};
use crate::object::{Object, object_key};
use crate::resource;
use crate::server::ApiServer;
use crate::signal::Signal;

/// The sink task's actor name.
pub const ACTOR: &str = "event-broadcaster";

/// The resource that recorders and the sink share: the queue of recorded events (and the
/// broadcaster's other state, which lives under the same lock).
pub const QUEUE: &str = "events";

/// Broadcaster settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BroadcasterConfig {
    /// `source.component` of recorded events, e.g. `device-taint-eviction`.
    pub component: String,
    /// Events waiting beyond this many are dropped. client-go's default: 1000.
    pub queue_size: usize,
    /// Attempts per event for retryable failures. client-go's default: 12.
    pub max_tries: u32,
    /// Wait between attempts. client-go's default: 10 s.
    pub retry_delay: Duration,
}

impl BroadcasterConfig {
    /// client-go's defaults for `component`.
    pub fn new(component: impl Into<String>) -> Self {
        Self {
            component: component.into(),
            queue_size: 1000,
            max_tries: 12,
            retry_delay: Duration::from_secs(10),
        }
    }
}

/// What happened to recorded events so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BroadcasterStats {
    /// `eventf` calls that were queued.
    pub recorded: u64,
    /// `eventf` calls dropped because the queue was full.
    pub dropped: u64,
    /// Events written as new Event objects.
    pub created: u64,
    /// Events written by bumping an identical Event's count.
    pub aggregated: u64,
    /// Attempts that failed and were retried.
    pub retried: u64,
    /// Events given up on.
    pub failed: u64,
}

struct State {
    queue: VecDeque<Event>,
    in_flight: bool,
    stopped: bool,
    stats: BroadcasterStats,
    /// The last nanosecond stamp used in a name; names use strictly increasing stamps, so
    /// events recorded at the same virtual instant still get distinct names.
    last_stamp: i128,
}

struct Shared {
    rt: Arc<dyn Runtime>,
    server: ApiServer,
    config: BroadcasterConfig,
    state: Mutex<State>,
    signal: Signal,
}

/// The broadcaster; clones share it. See the module docs.
#[derive(Clone)]
pub struct EventBroadcaster {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for EventBroadcaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBroadcaster")
            .field("component", &self.shared.config.component)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl EventBroadcaster {
    /// Starts the sink task on `rt`, writing to `server`.
    pub fn start(rt: Arc<dyn Runtime>, server: ApiServer, config: BroadcasterConfig) -> Self {
        let shared = Arc::new(Shared {
            rt,
            server,
            config,
            state: Mutex::named(
                QUEUE,
                State {
                    queue: VecDeque::new(),
                    in_flight: false,
                    stopped: false,
                    stats: BroadcasterStats::default(),
                    last_stamp: i128::MIN,
                },
            ),
            signal: Signal::default(),
        });
        shared
            .rt
            .spawn(ACTOR.to_owned(), Box::pin(sink(shared.clone())));
        Self { shared }
    }

    /// A recorder that enqueues on this broadcaster.
    pub fn recorder(&self) -> Recorder {
        Recorder {
            shared: self.shared.clone(),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> BroadcasterStats {
        self.shared.state.lock().stats
    }

    /// Events queued or being written.
    pub fn pending(&self) -> usize {
        let st = self.shared.state.lock();
        st.queue.len() + usize::from(st.in_flight)
    }

    /// Whether every recorded event has been written (or given up on): the point after which
    /// an "event recorded" oracle may look.
    pub fn is_idle(&self) -> bool {
        self.pending() == 0
    }

    /// Stops the sink; queued events are dropped, like client-go's `Shutdown`.
    pub fn shutdown(&self) {
        self.shared.state.lock().stopped = true;
        self.shared.signal.notify();
    }
}

/// `record.EventRecorder` over an [`EventBroadcaster`].
#[derive(Clone)]
pub struct Recorder {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("component", &self.shared.config.component)
            .finish_non_exhaustive()
    }
}

impl EventRecorder for Recorder {
    fn eventf(&self, regarding: &ObjectReference, event_type: &str, reason: &str, message: &str) {
        let shared = &self.shared;
        let now = shared.rt.now();
        info!(
            object = %reference_text(regarding),
            r#type = event_type,
            reason,
            message,
            "Event occurred"
        );
        let mut st = shared.state.lock();
        if st.stopped {
            return;
        }
        if st.queue.len() >= shared.config.queue_size {
            st.stats.dropped += 1;
            warn!(reason, "event queue full; dropping event");
            return;
        }
        let stamp = now.as_nanosecond().max(st.last_stamp.saturating_add(1));
        st.last_stamp = stamp;
        let event = make_event(
            &shared.config.component,
            regarding,
            event_type,
            reason,
            message,
            now,
            stamp,
        );
        st.queue.push_back(event);
        st.stats.recorded += 1;
        drop(st);
        shared.signal.notify();
    }
}

fn make_event(
    component: &str,
    regarding: &ObjectReference,
    event_type: &str,
    reason: &str,
    message: &str,
    now: jiff::Timestamp,
    stamp: i128,
) -> Event {
    let namespace = regarding
        .namespace
        .clone()
        .filter(|ns| !ns.is_empty())
        .unwrap_or_else(|| "default".to_owned());
    let object_name = regarding.name.clone().unwrap_or_default();
    Event {
        metadata: ObjectMeta {
            name: Some(format!("{object_name}.{stamp:x}")),
            namespace: Some(namespace),
            ..ObjectMeta::default()
        },
        involved_object: regarding.clone(),
        reason: Some(reason.to_owned()),
        message: Some(message.to_owned()),
        type_: Some(event_type.to_owned()),
        source: Some(EventSource {
            component: Some(component.to_owned()),
            host: None,
        }),
        first_timestamp: Some(Time(now)),
        last_timestamp: Some(Time(now)),
        count: Some(1),
        reporting_component: Some(component.to_owned()),
        reporting_instance: Some(String::new()),
        ..Event::default()
    }
}

/// `Pod default/my-pod`.
fn reference_text(r: &ObjectReference) -> String {
    let kind = r.kind.as_deref().unwrap_or("");
    let name = r.name.as_deref().unwrap_or("");
    match r.namespace.as_deref().filter(|ns| !ns.is_empty()) {
        Some(ns) => [kind, " ", ns, "/", name].concat(),
        None => [kind, " ", name].concat(),
    }
}

/// The sink task: one step and one write per queued event.
async fn sink(shared: Arc<Shared>) {
    loop {
        let next = {
            let mut st = shared.state.lock();
            if st.stopped {
                st.queue.clear();
                return;
            }
            let next = st.queue.pop_front();
            st.in_flight = next.is_some();
            next
        };
        let Some(event) = next else {
            shared.signal.wait().await;
            continue;
        };
        write_with_retries(&shared, event).await;
        shared.state.lock().in_flight = false;
    }
}

async fn write_with_retries(shared: &Shared, event: Event) {
    let namespace = event.metadata.namespace.as_deref().unwrap_or_default();
    let label = || {
        format!(
            "write Event {} {} for {}",
            event.reason.as_deref().unwrap_or(""),
            event.message.as_deref().unwrap_or(""),
            reference_text(&event.involved_object)
        )
    };
    let involved = &event.involved_object;
    let key = || {
        object_key(
            involved.namespace.as_deref().unwrap_or_default(),
            involved.name.as_deref().unwrap_or_default(),
        )
    };
    let rt = shared.rt.as_ref();
    let tries = shared.config.max_tries.max(1);
    for attempt in 1..=tries {
        let action = || match attempt {
            1 => label(),
            n => format!("{} (attempt {n})", label()),
        };
        let touches = || {
            vec![
                Touch::new_static(QUEUE),
                resource::namespace(Kind::Event, namespace),
                resource::watch_log(Kind::Event),
                resource::faults(Verb::Patch, Kind::Event),
                resource::faults(Verb::Create, Kind::Event),
            ]
        };
        let detail = || StepDetail::WriteEvent {
            key: key(),
            attempt,
        };
        shared
            .rt
            .step(StepLabel::lazy(rt, action, touches).with_lazy_detail(rt, detail))
            .await;
        let result = write(shared, &event).await;
        let retry = {
            let mut st = shared.state.lock();
            match result {
                Ok(Written::Created) => {
                    st.stats.created += 1;
                    false
                }
                Ok(Written::Aggregated) => {
                    st.stats.aggregated += 1;
                    false
                }
                Err(err) if err.reason == StatusReason::Timeout && attempt < tries => {
                    st.stats.retried += 1;
                    // Transport-level failures are retried; see the module docs.
                    true
                }
                Err(err) => {
                    st.stats.failed += 1;
                    warn!(%err, "server rejected event (will not retry!)");
                    false
                }
            }
        };
        if !retry {
            return;
        }
        shared.rt.sleep(shared.config.retry_delay).await;
    }
}

enum Written {
    Created,
    Aggregated,
}

/// One attempt: patch an identical event, or create; fault rules first.
async fn write(shared: &Shared, event: &Event) -> Result<Written, ApiError> {
    if let Some(existing) = shared.server.find_identical_event(event) {
        let namespace = existing.metadata.namespace.clone().unwrap_or_default();
        let name = existing.metadata.name.clone().unwrap_or_default();
        admit(shared, Verb::Patch, &namespace, &name).await?;
        let last = event
            .last_timestamp
            .clone()
            .unwrap_or_else(|| Time(shared.rt.now()));
        match shared.server.bump_event(&namespace, &name, last) {
            Ok(_) => return Ok(Written::Aggregated),
            // Deleted since it was found: create it anew, as client-go does.
            Err(err) if err.is_not_found() => {}
            Err(err) => return Err(err),
        }
    }
    let namespace = event.metadata.namespace.clone().unwrap_or_default();
    let name = event.metadata.name.clone().unwrap_or_default();
    admit(shared, Verb::Create, &namespace, &name).await?;
    shared.server.create(Object::from(event.clone()))?;
    Ok(Written::Created)
}

async fn admit(shared: &Shared, verb: Verb, namespace: &str, name: &str) -> Result<(), ApiError> {
    let request = Request {
        verb,
        kind: Kind::Event,
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        actor: ACTOR.to_owned(),
        uid: None,
    };
    match shared.server.check_faults(&request) {
        Verdict::Pass => Ok(()),
        Verdict::Delay(delay) => {
            shared.rt.sleep(delay).await;
            Ok(())
        }
        Verdict::Fail(err) => Err(err),
    }
}
