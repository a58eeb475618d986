//! Evaluating a scenario's checks (its assertions) against the world, without counting API calls.

mod record;
mod waiting;

pub use waiting::Waiting;

use taintsim_api::{Kind, Object};

use crate::World;
use taintsim_scenario::format::{Check, EventCheck, RuleConditionCheck};

/// The parts of a [`World`] that checks read; cloneable into the actor task.
#[derive(Clone)]
pub struct WorldView {
    pub(crate) server: taintsim_api::ApiServer,
    pub(crate) metrics: std::sync::Arc<taintsim_plugin::Metrics>,
    /// Whether the code passed a coverage mark (the runtime records them).
    pub(crate) has_mark: HasMark,
    pub(crate) controller: std::sync::Arc<dyn taintsim_plugin::Running>,
    /// What the witnesses recorded: calls and accepted deletions.
    pub(crate) log: crate::witness::SharedLog,
}

/// Whether the code passed a named coverage mark.
pub type HasMark = std::sync::Arc<dyn Fn(&str) -> bool + Send + Sync>;

impl WorldView {
    /// A view of `world`.
    pub fn of(world: &World) -> Self {
        let rt = world.rt.clone();
        Self::new(
            world.server.clone(),
            world.metrics.clone(),
            std::sync::Arc::new(move |name: &str| rt.has_mark(name)),
            world.controller.clone(),
            world.log.clone(),
        )
    }

    /// A view of the parts of a world on any runtime; `has_mark` answers from the runtime's
    /// record of coverage marks.
    pub fn new(
        server: taintsim_api::ApiServer,
        metrics: std::sync::Arc<taintsim_plugin::Metrics>,
        has_mark: HasMark,
        controller: std::sync::Arc<dyn taintsim_plugin::Running>,
        log: crate::witness::SharedLog,
    ) -> Self {
        Self {
            server,
            metrics,
            has_mark,
            controller,
            log,
        }
    }

    /// Restarts the API call counts from zero (`stop-controller`, once `Run` has returned).
    pub fn reset_calls(&self) {
        self.server.reset_calls();
        self.log.lock().calls.clear();
    }

    /// Whether the controller has synced.
    pub fn has_synced(&self) -> bool {
        self.controller.has_synced()
    }

    /// `Ok` if every check holds, else the first failing check with what was found.
    pub fn check_all(&self, checks: &[Check]) -> Result<(), String> {
        checks.iter().try_for_each(|c| self.check(c))
    }

    /// `Ok` if the check holds, else what was found instead.
    pub fn check(&self, check: &Check) -> Result<(), String> {
        self.evaluate(check, true)
    }

    /// Whether every check holds, without describing what a failing one found: a waiting
    /// step re-evaluates its checks after every step of the run, and only the last failure
    /// is reported.
    pub fn holds_all(&self, checks: &[Check]) -> bool {
        checks.iter().all(|c| self.evaluate(c, false).is_ok())
    }

    /// `Ok` if the check holds, else what was found instead if `explain`, an empty message if
    /// not.
    fn evaluate(&self, check: &Check, explain: bool) -> Result<(), String> {
        let fail =
            |message: &dyn Fn() -> String| Err(if explain { message() } else { String::new() });
        match check {
            Check::PodPresent(key) if !self.pod_exists(key) => {
                fail(&|| format!("pod {key} does not exist"))
            }
            Check::PodAbsent(key) if self.pod_exists(key) => {
                fail(&|| format!("pod {key} still exists"))
            }
            Check::PodPresent(_) | Check::PodAbsent(_) => Ok(()),
            Check::Events(filter) => self.check_events(filter, explain),
            Check::ApiCalls(c) => self.check_api_calls(c),
            Check::Metrics(m) => self.check_metrics(m, explain),
            Check::Deleted(d) => self.check_deleted(d),
            Check::PendingEvictions(p) => self.check_pending(p),
            Check::Mark(name) => {
                if (self.has_mark)(name) {
                    Ok(())
                } else {
                    fail(&|| format!("coverage mark {name} was not passed"))
                }
            }
            Check::RuleCondition(c) => self.check_rule_condition(c),
        }
    }

    fn check_rule_condition(&self, want: &RuleConditionCheck) -> Result<(), String> {
        let Some(Object::Rule(rule)) = self.server.peek(Kind::DeviceTaintRule, "", &want.rule)
        else {
            return Err(format!("DeviceTaintRule {} does not exist", want.rule));
        };
        let Some(found) = rule
            .status
            .iter()
            .flat_map(|s| s.conditions.iter().flatten())
            .find(|c| c.type_ == want.type_)
        else {
            return Err(format!(
                "DeviceTaintRule {} has no {} condition",
                want.rule, want.type_
            ));
        };
        let fields = [
            ("status", &want.status, &found.status),
            ("reason", &want.reason, &found.reason),
            ("message", &want.message, &found.message),
        ];
        for (field, want_value, found_value) in fields {
            if let Some(w) = want_value
                && w != found_value
            {
                return Err(format!(
                    "DeviceTaintRule {} condition {}: {field} expected {w:?}, found {found_value:?}",
                    want.rule, want.type_
                ));
            }
        }
        Ok(())
    }

    fn pod_exists(&self, key: &str) -> bool {
        match key.split_once('/') {
            // `ns/name` is already the store's key: no need to build it again per step.
            Some((ns, _)) if !ns.is_empty() => self.server.contains_key(Kind::Pod, key),
            Some((ns, name)) => self.server.contains(Kind::Pod, ns, name),
            None => self.server.contains(Kind::Pod, "default", key),
        }
    }

    fn check_events(&self, filter: &EventCheck, explain: bool) -> Result<(), String> {
        // Events about an object live in its namespace (the API server's event validation
        // requires it), so a check about one object reads only that namespace: what
        // `actor::check_read` declares for it.
        let fail =
            |message: &dyn Fn() -> String| Err(if explain { message() } else { String::new() });
        let involved_ns = filter
            .involved
            .as_deref()
            .map(|key| key.split_once('/').map_or("default", |(ns, _)| ns));
        let events = match involved_ns {
            Some(ns) => self.server.peek_namespace(Kind::Event, ns),
            None => self.server.peek_all(Kind::Event),
        };
        let place = || match involved_ns {
            Some(ns) => format!("events in namespace {ns}"),
            None => "events on the server".to_owned(),
        };
        let all: Vec<_> = events
            .into_iter()
            .filter_map(|o| match o {
                Object::Event(e) => Some(e),
                _ => None,
            })
            .collect();
        let matching: Vec<_> = all
            .iter()
            .filter(|e| {
                filter
                    .reason
                    .as_ref()
                    .is_none_or(|r| e.reason.as_ref() == Some(r))
            })
            .filter(|e| {
                filter
                    .message
                    .as_ref()
                    .is_none_or(|m| e.message.as_ref() == Some(m))
            })
            .filter(|e| {
                filter.involved.as_ref().is_none_or(|key| {
                    let o = &e.involved_object;
                    let (ns, name) = (
                        o.namespace.as_deref().unwrap_or_default(),
                        o.name.as_deref().unwrap_or_default(),
                    );
                    // `ns/name` == key, without formatting it.
                    key.len() == ns.len() + 1 + name.len()
                        && key.starts_with(ns)
                        && key[ns.len()..].starts_with('/')
                        && key.ends_with(name)
                })
            })
            .filter(|e| {
                filter
                    .involved_uid
                    .as_ref()
                    .is_none_or(|uid| e.involved_object.uid.as_ref() == Some(uid))
            })
            .collect();
        let describe = || {
            let found: Vec<String> = all
                .iter()
                .map(|e| {
                    format!(
                        "{:?} {:?} x{}",
                        e.reason.as_deref().unwrap_or_default(),
                        e.message.as_deref().unwrap_or_default(),
                        e.count.unwrap_or(1)
                    )
                })
                .collect();
            format!("{}: [{}]", place(), found.join(", "))
        };
        match filter.objects {
            Some(want) if !want.admits(matching.len() as u64) => {
                return fail(&|| {
                    format!(
                        "expected {want} matching event(s), found {}; {}",
                        matching.len(),
                        describe()
                    )
                });
            }
            None if matching.is_empty() => {
                return fail(&|| format!("no matching event; {}", describe()));
            }
            _ => {}
        }
        let involved: std::collections::BTreeSet<(&str, &str)> = matching
            .iter()
            .map(|e| {
                let o = &e.involved_object;
                (
                    o.namespace.as_deref().unwrap_or_default(),
                    o.name.as_deref().unwrap_or_default(),
                )
            })
            .collect();
        let namespaces: std::collections::BTreeSet<&str> =
            involved.iter().map(|(ns, _)| *ns).collect();
        let spread = || {
            format!(
                "the matching events name {} pod(s) in {} namespace(s)",
                involved.len(),
                namespaces.len()
            )
        };
        if let Some(want) = filter.pods
            && !want.admits(involved.len() as u64)
        {
            return fail(&|| format!("expected {want} pod(s): {}", spread()));
        }
        if let Some(want) = filter.namespaces
            && !want.admits(namespaces.len() as u64)
        {
            return fail(&|| format!("expected {want} namespace(s): {}", spread()));
        }
        // An Event's `count` is never negative; one that were would fail every bound.
        let count_of = |e: &k8s_openapi::api::core::v1::Event| {
            u64::try_from(e.count.unwrap_or(1)).unwrap_or(u64::MAX)
        };
        if let Some(count) = filter.count
            && let Some(bad) = matching.iter().find(|e| !count.admits(count_of(e)))
        {
            return fail(&|| {
                format!(
                    "expected count {count}, found {}; {}",
                    bad.count.unwrap_or(1),
                    describe()
                )
            });
        }
        Ok(())
    }
}
