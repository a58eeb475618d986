//! The load-time check of `world.validation`: a scenario whose objects or writes the real API
//! server would reject fails to load, naming the rule, instead of failing (or passing) when it
//! runs.
//!
//! The initial objects and the actor's create, update, update-status and delete steps are
//! replayed in file order against an [`ApiServer`] that validates. The controller's own writes
//! are not modelled, so a write that fails for another reason (an object the controller may
//! have deleted) is skipped: only `422 Invalid` is reported.

use std::sync::Arc;

use taintsim_api::{ApiServer, ApiServerConfig, Preconditions, StatusReason};

use crate::format::{ActorStep, Scenario};

/// Why a scenario breaks a rule of the API server: the field (`objects[N]` or `steps[N].verb`)
/// and the server's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The object or step, as a path into the file.
    pub field: String,
    /// The `422 Invalid` message, which names the rule's field and what it wants.
    pub message: String,
}

/// What a load error says after the server's message.
const HINT: &str = "the real API server rejects this; a port of an upstream unit test that ran \
    on client-go's fake clientset, which stores anything, sets \"world\": {\"validation\": \"off\"}";

/// The first object or write of `scenario` that the real API server would reject as invalid,
/// or `None` if validation is off or nothing breaks a rule.
pub fn first_invalid(scenario: &Scenario) -> Option<Broken> {
    if !scenario.world.validation.is_on() {
        return None;
    }
    let start = scenario
        .world
        .start_time
        .parse()
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let server = ApiServer::with_clock(Arc::new(move || start), ApiServerConfig::default());
    let broken = |field: String, e: taintsim_api::ApiError| {
        (e.reason == StatusReason::Invalid).then(|| Broken {
            field,
            message: format!("{e}; {HINT}"),
        })
    };
    for (i, object) in scenario.objects.iter().enumerate() {
        if let Err(e) = server.create(object.0.clone()) {
            return broken(format!("objects[{i}]"), e);
        }
    }
    for (at, step) in crate::steps::flat_steps(scenario) {
        let result = match step {
            ActorStep::Create(o) => server.create(o.0.clone()).map(drop),
            ActorStep::Update(o) => server.update(o.0.clone()).map(drop),
            ActorStep::UpdateStatus(o) => server.update_status(o.0.clone()).map(drop),
            ActorStep::Delete(r) => server
                .delete(
                    r.kind.into(),
                    r.namespace.as_deref().unwrap_or_default(),
                    &r.name,
                    &Preconditions::default(),
                )
                .map(drop),
            _ => Ok(()),
        };
        if let Err(e) = result {
            let verb = match step {
                ActorStep::Create(_) => "create",
                ActorStep::Update(_) => "update",
                ActorStep::UpdateStatus(_) => "update-status",
                _ => "delete",
            };
            if let Some(b) = broken(format!("{at}.{verb}"), e) {
                return Some(b);
            }
        }
    }
    None
}
