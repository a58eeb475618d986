//! The load-time check that every fault can affect what the controller reads: a fault that
//! changes nothing the controller sees would let a scenario pass for the wrong reason.

use crate::format::{ActorStep, FaultKind, Scenario};

/// Why a fault cannot take effect: the field and what to use instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ineffective {
    /// The step's fault, as a path into the file.
    pub field: String,
    /// Why it has no effect on this controller.
    pub message: String,
}

/// The first fault of `scenario` (in `faults`, then in `set-fault` steps) that cannot take
/// effect, or `None`: one on an informer the controller does not start, a `stale-lister` on a
/// kind whose lister it does not read
/// ([`ControllerPlugin::listed`](taintsim_plugin::ControllerPlugin::listed)), or
/// `hide-notifications` on a listener it does not register. A scenario whose controller is
/// not resolved is not checked.
pub fn first_ineffective(scenario: &Scenario) -> Option<Ineffective> {
    let resolved = scenario.controller()?;
    let listed = resolved.plugin.listed(&resolved.behavior);
    let controller = resolved
        .behavior
        .controller()
        .unwrap_or_default()
        .to_owned();
    let initial = scenario
        .faults
        .iter()
        .enumerate()
        .map(|(i, fault)| (format!("faults[{i}]"), fault));
    let steps =
        crate::steps::flat_steps(scenario)
            .into_iter()
            .filter_map(|(at, step)| match step {
                ActorStep::SetFault(fault) => Some((format!("{at}.set-fault"), fault)),
                _ => None,
            });
    let kinds = resolved.plugin.kinds(&resolved.behavior);
    let listeners = resolved.plugin.listeners(&resolved.behavior);
    initial.chain(steps).find_map(|(at, fault)| {
        let informer = match &fault.kind {
            FaultKind::WatchDelay { informer, .. } => Some(("watch-delay", *informer)),
            FaultKind::StaleLister { informer, .. } => Some(("stale-lister", *informer)),
            FaultKind::DropWatch { informer } => Some(("drop-watch", *informer)),
            _ => None,
        };
        if let Some((what, informer)) = informer.filter(|(_, i)| !kinds.contains(&i.kind())) {
            let names: Vec<&str> = kinds.iter().map(|k| k.plural()).collect();
            return Some(Ineffective {
                field: format!("{at}.{what}.informer"),
                message: format!(
                    "controller {controller} has no {} informer (it has {})",
                    informer.as_str(),
                    names.join(", ")
                ),
            });
        }
        match &fault.kind {
            FaultKind::StaleLister { informer, .. } if !listed.contains(&informer.kind()) => {
                let read: Vec<&str> = listed.iter().map(|k| k.plural()).collect();
                Some(Ineffective {
                    field: format!("{at}.stale-lister.informer"),
                    message: format!(
                        "a stale lister of {} has no effect: controller {controller} does not read {} through a lister (it reads {}); make its notifications late or missing instead (watch-delay, hide-notifications)",
                        informer.as_str(),
                        informer.as_str(),
                        if read.is_empty() { "none".to_owned() } else { read.join(", ") },
                    ),
                })
            }
            FaultKind::HideNotifications { listener, .. }
                if !listeners.iter().any(|(l, _)| *l == listener.as_str()) =>
            {
                let names: Vec<&str> = listeners.iter().map(|(l, _)| *l).collect();
                Some(Ineffective {
                    field: format!("{at}.hide-notifications.listener"),
                    message: format!(
                        "controller {controller} has no listener {:?} (its listeners are {})",
                        listener.as_str(),
                        names.join(", ")
                    ),
                })
            }
            _ => None,
        }
    })
}
