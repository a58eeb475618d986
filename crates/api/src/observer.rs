//! Request observers: code that must see API requests as they reach the server without
//! changing how they are answered (an oracle that judges each pod DELETE at the instant it
//! arrives, for example).
//!
//! Observers see exactly the requests that fault rules see ([`crate::fault`]), each one just
//! before the rules, in install order. An observer returns nothing, so it cannot fail or delay
//! a request. The server passes itself to every call, so an observer holds no reference to the
//! server that holds it (a fault rule that needed the server had to, and made a cycle that kept
//! both alive).

use std::sync::Arc;

use indexmap::IndexMap;
use taintsim_seam::sync::Mutex;

use crate::fault::Request;
use crate::server::ApiServer;

/// Sees every request that fault rules see, before them; see the module docs.
pub trait RequestObserver: Send + Sync {
    /// Called with the server the request reached.
    fn observe(&self, server: &ApiServer, request: &Request);
}

/// Identifies an installed observer, for
/// [`ApiServer::remove_observer`](crate::ApiServer::remove_observer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObserverId(u64);

/// The installed observers, in install order.
#[derive(Default)]
pub(crate) struct Observers {
    installed: Mutex<Installed>,
}

#[derive(Default)]
struct Installed {
    next: u64,
    observers: IndexMap<u64, Arc<dyn RequestObserver>>,
    /// The observers in install order, rebuilt on every install and removal: every request
    /// takes this list, and copying it into a new `Vec` per request was an allocation per
    /// API call.
    snapshot: Arc<[Arc<dyn RequestObserver>]>,
}

impl Installed {
    fn refresh(&mut self) {
        self.snapshot = self.observers.values().cloned().collect();
    }
}

impl Observers {
    pub(crate) fn install(&self, observer: Arc<dyn RequestObserver>) -> ObserverId {
        let mut installed = self.installed.lock();
        let id = installed.next;
        installed.next += 1;
        installed.observers.insert(id, observer);
        installed.refresh();
        ObserverId(id)
    }

    pub(crate) fn remove(&self, id: ObserverId) -> bool {
        let mut installed = self.installed.lock();
        let removed = installed.observers.shift_remove(&id.0).is_some();
        installed.refresh();
        removed
    }

    pub(crate) fn observe(&self, server: &ApiServer, request: &Request) {
        // Observers run outside the lock, so that one may install or remove observers.
        let observers = self.installed.lock().snapshot.clone();
        for observer in observers.iter() {
            observer.observe(server, request);
        }
    }
}

impl std::fmt::Debug for Observers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observers")
            .field("installed", &self.installed.lock().observers.len())
            .finish()
    }
}
