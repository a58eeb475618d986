//! Installing and clearing a scenario's faults (turmoil-style rules with a verdict for API
//! calls; setters on the informers for watch and lister faults).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use taintsim_api::{
    ApiError, ApiServer, FaultGuard, HideNotifications, Request, StatusReason, Verb, Verdict,
};
use taintsim_seam::Runtime;

use taintsim_plugin::Informers;

use taintsim_scenario::format::{Fault, FaultKind, InformerName};

/// Faults installed by name, so `clear-fault` can remove them.
pub struct Faults {
    server: ApiServer,
    informers: Informers,
    listeners: Vec<(&'static str, taintsim_api::Kind)>,
    rt: Arc<dyn Runtime>,
    installed: BTreeMap<String, Installed>,
}

enum Installed {
    Rule(FaultGuard),
    WatchDelay(InformerName),
    StaleLister(InformerName),
    Hidden(taintsim_api::Kind, String),
    Nothing,
}

/// The status reason for a fault's HTTP status.
pub fn reason_for(status: u16) -> Result<StatusReason, String> {
    match status {
        404 => Ok(StatusReason::NotFound),
        409 => Ok(StatusReason::Conflict),
        500 => Ok(StatusReason::InternalError),
        504 => Ok(StatusReason::Timeout),
        other => Err(format!(
            "unsupported fault status {other}: expected 404, 409, 500 or 504"
        )),
    }
}

impl Faults {
    /// No faults yet. `listeners` are the controller's listeners with the kind each listens
    /// to. `rt` rolls the dice of faults with a probability ([`Runtime::choose`]: on the
    /// simulator, a recorded data decision).
    pub fn new(
        server: ApiServer,
        informers: Informers,
        listeners: Vec<(&'static str, taintsim_api::Kind)>,
        rt: Arc<dyn Runtime>,
    ) -> Self {
        Self {
            server,
            informers,
            listeners,
            rt,
            installed: BTreeMap::new(),
        }
    }

    /// The informers that informer and listener faults act on, once the world has started
    /// them (API-call faults need none).
    pub fn attach(&mut self, informers: Informers) {
        self.informers = informers;
    }

    fn informer(&self, kind: taintsim_api::Kind) -> Result<&taintsim_api::Informer, String> {
        self.informers
            .get(kind)
            .ok_or_else(|| format!("the controller has no {} informer", kind.plural()))
    }

    /// Installs `fault`, replacing one of the same name.
    pub fn set(&mut self, fault: &Fault) -> Result<(), String> {
        self.clear(&fault.name);
        let installed = match &fault.kind {
            FaultKind::ApiError {
                verb,
                kind,
                status,
                namespace,
                name: object,
                times,
                probability,
            } => {
                let reason = reason_for(*status)?;
                let (verb, kind): (Verb, taintsim_api::Kind) = ((*verb).into(), (*kind).into());
                let (times, probability) = (*times, *probability);
                let used = Arc::new(AtomicU64::new(0));
                let rt = self.rt.clone();
                let name = fault.name.clone();
                let (namespace, object) = (namespace.clone(), object.clone());
                let rule = move |req: &Request| {
                    if req.verb != verb
                        || req.kind != kind
                        || namespace.as_ref().is_some_and(|n| *n != req.namespace)
                        || object.as_ref().is_some_and(|n| *n != req.name)
                    {
                        return Verdict::Pass;
                    }
                    if let Some(p) = probability {
                        let label = format!(
                            "fault {name}: fail {} {}/{}",
                            verb.as_str(),
                            req.namespace,
                            req.name
                        );
                        if rt.choose(&label, 1000) as f64 >= p * 1000.0 {
                            return Verdict::Pass;
                        }
                    }
                    if times.is_some_and(|t| used.fetch_add(1, Ordering::SeqCst) >= t) {
                        return Verdict::Pass;
                    }
                    Verdict::Fail(ApiError::new(reason, format!("injected by fault {name}")))
                };
                Installed::Rule(self.server.install_fault(rule))
            }
            FaultKind::Latency { verb, kind, delay } => {
                let (verb, kind): (Verb, taintsim_api::Kind) = ((*verb).into(), (*kind).into());
                let delay = delay.0;
                let rule = move |req: &Request| {
                    if req.verb == verb && req.kind == kind {
                        Verdict::Delay(delay)
                    } else {
                        Verdict::Pass
                    }
                };
                Installed::Rule(self.server.install_fault(rule))
            }
            FaultKind::WatchDelay { informer, delay } => {
                self.informer(informer.kind())?.set_watch_delay(delay.0);
                Installed::WatchDelay(*informer)
            }
            FaultKind::StaleLister { informer, lag } => {
                self.informer(informer.kind())?.set_lister_lag(*lag);
                Installed::StaleLister(*informer)
            }
            FaultKind::HideNotifications { listener, count } => {
                let name = listener.as_str();
                let kind = self
                    .listeners
                    .iter()
                    .find(|(l, _)| *l == name)
                    .map(|(_, kind)| *kind)
                    .ok_or_else(|| {
                        let known: Vec<&str> = self.listeners.iter().map(|(l, _)| *l).collect();
                        format!(
                            "unknown listener {name:?}: the controller's listeners are {}",
                            known.join(", ")
                        )
                    })?;
                let n = u64::try_from(*count).unwrap_or(u64::MAX);
                self.informer(kind)?
                    .set_hidden_notifications(name, HideNotifications::Next(n));
                Installed::Hidden(kind, name.to_owned())
            }
            FaultKind::DropWatch { informer } => {
                self.informer(informer.kind())?.drop_watch();
                Installed::Nothing
            }
        };
        self.installed.insert(fault.name.clone(), installed);
        Ok(())
    }

    /// Removes the fault called `name`; returns whether there was one.
    pub fn clear(&mut self, name: &str) -> bool {
        let Some(installed) = self.installed.remove(name) else {
            return false;
        };
        match installed {
            Installed::Rule(guard) => drop(guard),
            Installed::WatchDelay(i) => {
                if let Ok(informer) = self.informer(i.kind()) {
                    informer.set_watch_delay(std::time::Duration::ZERO);
                }
            }
            Installed::StaleLister(i) => {
                if let Ok(informer) = self.informer(i.kind()) {
                    informer.set_lister_lag(0);
                }
            }
            Installed::Hidden(kind, listener) => {
                if let Ok(informer) = self.informer(kind) {
                    informer.set_hidden_notifications(&listener, HideNotifications::None);
                }
            }
            Installed::Nothing => {}
        }
        true
    }
}
