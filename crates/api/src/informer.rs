//! Informers in kube-runtime's layers: watcher → reflector/cache → listeners.
//!
//! [`Informer::start`] spawns a reflector task (actor `<name>-informer`) that lists, then
//! watches, and relists after `410 Gone` or a dropped watch. For each change it takes one step,
//!
//! `cache-update <kind-plural> <Added|Modified|Deleted> <ns/name> rv=<rv>`
//!
//! touching `cache/<kind-plural>`, `watch/<kind-plural>`, `fault/watch/<kind-plural>`,
//! `fault/list/<kind-plural>` and `notify/<listener>` for every listener (see
//! `reflector::apply` for why), then applies the change to the cache (which every [`Lister`]
//! sees at once) and queues a [`Notification`] on each listener. Each listener is its own task (actor = listener
//! name) that, per notification, takes the step
//!
//! `deliver <Add|Update|Delete> <ns/name> rv=<rv>` (plus ` (tombstone)` for tombstones)
//!
//! touching the registration's touches and `notify/<listener>`, then calls the handler. (For a
//! relist's tombstone, the cache-update label shows the list's revision and the deliver label the
//! last cached resourceVersion.) The gap between the two steps is what lets a lister run ahead of a
//! handler, which both target races (#130940 and the event assertion fixed by #130947) need. A
//! relist's differences are applied the same way, one step per object, with a
//! [`DeletedFinalStateUnknown`] tombstone for objects it no longer finds.
//!
//! Faults, settable while running: a watch delay (the reflector sleeps before applying each
//! event), a stale lister (answers as of N cache changes ago, at most 64), hidden notifications
//! (a listener drops notifications, by count or by a roll of the runtime's data choice), and a
//! dropped watch (forces a relist). A list or watch request that a fault rule fails is retried
//! after one second (actor `<name>-informer` in the [`Request`](crate::Request)).

mod cache;
mod listener;
mod lister;
mod notification;
mod reflector;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use taintsim_seam::runtime::{Runtime, Touch};
use taintsim_seam::sync::Mutex;

use crate::kind::Kind;
use crate::resource::{record_cache, record_listener};
use crate::server::ApiServer;
use crate::signal::Signal;
use crate::watch::WatchId;
use cache::Cache;
use listener::Listener;

pub use listener::{HideNotifications, ListenerSpec};
pub use lister::Lister;
pub use notification::{DeletedFinalStateUnknown, DeletedObject, Notification};

/// A notification handler, called on the listener's task.
pub type Handler = Arc<dyn Fn(Notification) + Send + Sync>;

/// What the reflector and the listeners share.
pub(crate) struct Shared {
    rt: Arc<dyn Runtime>,
    server: ApiServer,
    kind: Kind,
    name: Cow<'static, str>,
    /// The reflector's actor name, `<name>-informer`, built once: every list and watch
    /// request names it. Static for an informer named after its kind, as every world's are,
    /// so that starting one formats nothing.
    actor: Cow<'static, str>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    cache: Cache,
    synced: bool,
    stopped: bool,
    /// By registration id, so in registration order.
    listeners: BTreeMap<u64, Listener>,
    next_listener: u64,
    watch_delay: Duration,
    lister_lag: usize,
    relist_requested: bool,
    watch: Option<WatchId>,
    relists: u64,
    /// Hidden notifications set for listeners not registered yet, by name: a fault in force
    /// from the start applies to the listener's very first notifications.
    pending_hides: BTreeMap<String, HideNotifications>,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.state.lock().stopped
    }
}

/// A shared informer for one kind; clones share it. See the module docs.
#[derive(Clone)]
pub struct Informer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Informer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Informer")
            .field("kind", &self.shared.kind)
            .field("name", &self.shared.name)
            .field("synced", &self.has_synced())
            .finish_non_exhaustive()
    }
}

impl Informer {
    /// Starts an informer named `name` on `kind`: spawns its reflector on `rt`.
    pub fn start(
        rt: Arc<dyn Runtime>,
        server: ApiServer,
        kind: Kind,
        name: impl Into<Cow<'static, str>>,
    ) -> Self {
        let name = name.into();
        let actor = if name == kind.plural() {
            Cow::Borrowed(kind.informer_actor())
        } else {
            Cow::Owned(format!("{name}-informer"))
        };
        let shared = Arc::new(Shared {
            rt,
            server,
            kind,
            actor,
            name,
            state: Mutex::new(State::default()),
        });
        shared.rt.spawn(
            shared.actor.clone().into_owned(),
            Box::pin(reflector::run(shared.clone())),
        );
        Self { shared }
    }

    /// The kind it watches.
    pub fn kind(&self) -> Kind {
        self.shared.kind
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// Whether the initial list is in the cache (`HasSynced` of the informer, not of its
    /// handlers; see [`Registration::has_synced`]).
    pub fn has_synced(&self) -> bool {
        record_cache(self.shared.kind);
        self.shared.state.lock().synced
    }

    /// A reader of the cache.
    pub fn lister(&self) -> Lister {
        Lister::new(self.shared.clone())
    }

    /// Registers a listener named `name` (also its actor name) whose deliver steps touch
    /// `touches` and `notify/<name>`. It is first told about every cached object (as `Add`s),
    /// then about every later change. (A controller that starts in every schedule builds its
    /// [`ListenerSpec`]s once and calls [`Self::register`].)
    pub fn add_listener(
        &self,
        name: impl Into<String>,
        touches: Vec<Touch>,
        handler: Handler,
    ) -> Registration {
        self.register(&ListenerSpec::new(name, touches), handler)
    }

    /// Registers the listener `spec` describes, as [`Self::add_listener`] does.
    pub fn register(&self, spec: &ListenerSpec, handler: Handler) -> Registration {
        let signal = Arc::new(Signal::default());
        let id = {
            let mut st = self.shared.state.lock();
            let id = st.next_listener;
            st.next_listener += 1;
            let mut listener = Listener::new(spec.clone(), handler, signal.clone());
            if let Some(hide) = st.pending_hides.remove(spec.name()) {
                listener.hide = hide;
            }
            record_cache(self.shared.kind);
            record_listener(spec.name());
            for obj in st.cache.objects() {
                listener.push(Notification::Add(obj.clone()));
            }
            if st.synced {
                listener.sync_target = Some(listener.queued);
            }
            st.listeners.insert(id, listener);
            id
        };
        signal.notify();
        self.shared.rt.spawn(
            spec.name().to_owned(),
            Box::pin(listener::run(self.shared.clone(), id, signal.clone())),
        );
        Registration {
            shared: self.shared.clone(),
            id,
            spec: spec.clone(),
            signal,
        }
    }

    /// Makes the reflector sleep `delay` before applying each watch event (0 = no delay).
    pub fn set_watch_delay(&self, delay: Duration) {
        self.shared.state.lock().watch_delay = delay;
    }

    /// Makes the lister answer as of `lag` cache changes ago (0 = current; at most 64).
    pub fn set_lister_lag(&self, lag: usize) {
        self.shared.state.lock().lister_lag = lag.min(cache::HISTORY);
    }

    /// Sets which notifications the listener named `listener` drops. Returns whether such a
    /// listener exists; if not, the setting waits for a listener of that name to register and
    /// applies from its first notification.
    pub fn set_hidden_notifications(&self, listener: &str, hide: HideNotifications) -> bool {
        let mut st = self.shared.state.lock();
        match st.listeners.values_mut().find(|l| l.name() == listener) {
            Some(l) => {
                l.hide = hide;
                true
            }
            None => {
                st.pending_hides.insert(listener.to_owned(), hide);
                false
            }
        }
    }

    /// Drops the current watch and makes the reflector relist (a relist that misses a
    /// deletion yields a tombstone).
    pub fn drop_watch(&self) {
        let watch = {
            let mut st = self.shared.state.lock();
            st.relist_requested = true;
            st.watch
        };
        if let Some(id) = watch {
            self.shared.server.close_watch(id);
        }
    }

    /// How many times the reflector relisted after its initial list.
    pub fn relists(&self) -> u64 {
        self.shared.state.lock().relists
    }

    /// Notifications queued on listeners and not yet delivered (or hidden).
    pub fn pending_notifications(&self) -> u64 {
        let st = self.shared.state.lock();
        st.listeners
            .values()
            .inspect(|l| record_listener(l.name()))
            .map(Listener::pending)
            .sum()
    }

    /// Stops the reflector and every listener; their tasks end when next woken.
    pub fn stop(&self) {
        let (watch, signals) = {
            let mut st = self.shared.state.lock();
            st.stopped = true;
            let signals: Vec<_> = st.listeners.values().map(|l| l.signal.clone()).collect();
            (st.watch, signals)
        };
        if let Some(id) = watch {
            self.shared.server.close_watch(id);
        }
        signals.iter().for_each(|s| s.notify());
    }
}

/// A registered listener (client-go's `ResourceEventHandlerRegistration`).
#[derive(Clone)]
pub struct Registration {
    shared: Arc<Shared>,
    id: u64,
    spec: ListenerSpec,
    signal: Arc<Signal>,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("name", &self.spec.name())
            .field("synced", &self.has_synced())
            .finish_non_exhaustive()
    }
}

impl Registration {
    /// The listener's name.
    pub fn name(&self) -> &str {
        self.spec.name()
    }

    /// Whether the informer has synced and this handler has returned from (or dropped) every
    /// notification of the initial list. False once removed.
    pub fn has_synced(&self) -> bool {
        record_listener(self.spec.name());
        let st = self.shared.state.lock();
        st.listeners
            .get(&self.id)
            .and_then(|l| l.sync_target.map(|target| l.delivered >= target))
            .unwrap_or(false)
    }

    /// Notifications queued and not yet delivered (or hidden).
    pub fn pending(&self) -> u64 {
        record_listener(self.spec.name());
        let st = self.shared.state.lock();
        st.listeners.get(&self.id).map_or(0, Listener::pending)
    }

    /// How many notifications this listener dropped because of a hide fault.
    pub fn hidden(&self) -> u64 {
        let st = self.shared.state.lock();
        st.listeners.get(&self.id).map_or(0, |l| l.hidden)
    }

    /// Unregisters the listener; its task ends and its handler is not called again.
    pub fn remove(&self) {
        record_listener(self.spec.name());
        self.shared.state.lock().listeners.remove(&self.id);
        self.signal.notify();
    }
}
