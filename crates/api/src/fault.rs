//! Fault injection as a rule with a verdict (in the manner of turmoil-net's `Rule`).
//!
//! Every API request made through [`ApiClient`](crate::ApiClient), an informer's list and watch,
//! and the event broadcaster's writes are shown to the installed [`FaultRule`]s as a
//! [`Request`]. Evaluation order: rules run in install order and the first verdict that is not
//! [`Verdict::Pass`] wins; later rules are not asked. A [`Verdict::Fail`] answers the request
//! with the error without touching the store; a [`Verdict::Delay`] holds the request for that
//! long (virtual time) and then lets it through. Closures `Fn(&Request) -> Verdict` are rules.
//!
//! The server's own methods (used by the scenario actor) ignore the rules.

use std::sync::Arc;
use std::sync::Weak;
use std::time::Duration;

use indexmap::IndexMap;
use taintsim_seam::client::{ApiError, StatusReason};
use taintsim_seam::sync::Mutex;

use crate::kind::{Kind, Verb};

/// An API request as fault rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// What the request does.
    pub verb: Verb,
    /// The kind it addresses.
    pub kind: Kind,
    /// The namespace, or `""` for cluster-scoped objects and cluster-wide lists and watches.
    pub namespace: String,
    /// The object's name, or `""` for lists and watches.
    pub name: String,
    /// Who makes it: the client's actor, `<informer>-informer` or `event-broadcaster`.
    pub actor: String,
    /// The UID precondition it carries (a DELETE's `preconditions.uid`, the UID a status PATCH
    /// tests), if any: what tells a pod from its same-name replacement.
    pub uid: Option<String>,
}

/// What a rule decides about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No opinion; ask the next rule.
    Pass,
    /// Answer with this error (500 InternalError, 409 Conflict, 504 Timeout, ...).
    Fail(ApiError),
    /// Hold the request this long, then serve it.
    Delay(Duration),
}

impl Verdict {
    /// `Fail` with `reason`, its usual code and a message naming the fault.
    pub fn fail(reason: StatusReason) -> Self {
        Verdict::Fail(ApiError::new(reason, format!("injected fault: {reason:?}")))
    }
}

/// A fault rule; see the module docs.
pub trait FaultRule: Send + Sync {
    /// Decides about `request`.
    fn check(&self, request: &Request) -> Verdict;
}

impl<F> FaultRule for F
where
    F: Fn(&Request) -> Verdict + Send + Sync,
{
    fn check(&self, request: &Request) -> Verdict {
        self(request)
    }
}

/// Identifies an installed rule; see [`FaultGuard::forget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FaultId(pub(crate) u64);

/// The installed rules, in install order.
#[derive(Default)]
pub(crate) struct FaultRules {
    rules: Mutex<Installed>,
}

#[derive(Default)]
struct Installed {
    next: u64,
    rules: IndexMap<u64, Arc<dyn FaultRule>>,
}

impl FaultRules {
    pub(crate) fn install(&self, rule: Arc<dyn FaultRule>) -> FaultId {
        let mut installed = self.rules.lock();
        let id = installed.next;
        installed.next += 1;
        installed.rules.insert(id, rule);
        FaultId(id)
    }

    pub(crate) fn remove(&self, id: FaultId) -> bool {
        // `shift_remove` keeps the remaining rules in install order.
        self.rules.lock().rules.shift_remove(&id.0).is_some()
    }

    pub(crate) fn clear(&self) {
        self.rules.lock().rules.clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.rules.lock().rules.len()
    }

    pub(crate) fn check(&self, request: &Request) -> Verdict {
        // Rules run outside the lock, so that a rule may itself install or remove rules.
        let rules: Vec<_> = self.rules.lock().rules.values().cloned().collect();
        rules
            .iter()
            .map(|rule| rule.check(request))
            .find(|verdict| *verdict != Verdict::Pass)
            .unwrap_or(Verdict::Pass)
    }
}

impl std::fmt::Debug for FaultRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultRules")
            .field("installed", &self.len())
            .finish()
    }
}

/// Removes its rule when dropped, unless [`forget`](FaultGuard::forget) was called.
#[must_use = "dropping the guard removes the rule at once"]
pub struct FaultGuard {
    pub(crate) id: FaultId,
    pub(crate) rules: Weak<FaultRules>,
}

impl FaultGuard {
    /// The rule's id.
    pub fn id(&self) -> FaultId {
        self.id
    }

    /// Keeps the rule installed after the guard is gone; remove it later with
    /// [`ApiServer::remove_fault`](crate::ApiServer::remove_fault).
    pub fn forget(self) -> FaultId {
        let id = self.id;
        std::mem::forget(self);
        id
    }
}

impl Drop for FaultGuard {
    fn drop(&mut self) {
        if let Some(rules) = self.rules.upgrade() {
            rules.remove(self.id);
        }
    }
}

impl std::fmt::Debug for FaultGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("FaultGuard").field(&self.id).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(verb: Verb) -> Request {
        Request {
            verb,
            kind: Kind::Pod,
            namespace: "default".into(),
            name: "p".into(),
            actor: "worker".into(),
            uid: None,
        }
    }

    #[test]
    fn rules_should_run_in_install_order_and_first_non_pass_wins() {
        let rules = FaultRules::default();
        rules.install(Arc::new(|_: &Request| Verdict::Pass));
        let delay = rules.install(Arc::new(|r: &Request| match r.verb {
            Verb::Get => Verdict::Delay(Duration::from_secs(1)),
            _ => Verdict::Pass,
        }));
        rules.install(Arc::new(|_: &Request| {
            Verdict::fail(StatusReason::InternalError)
        }));
        assert_eq!(
            rules.check(&request(Verb::Get)),
            Verdict::Delay(Duration::from_secs(1))
        );
        assert!(matches!(rules.check(&request(Verb::Delete)), Verdict::Fail(e) if e.code == 500));
        assert!(rules.remove(delay));
        assert!(matches!(rules.check(&request(Verb::Get)), Verdict::Fail(_)));
        rules.clear();
        assert_eq!(rules.check(&request(Verb::Get)), Verdict::Pass);
    }
}
