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

/// The first `stale-lister` fault of `scenario` on a kind whose lister its controller does
/// not read ([`ControllerPlugin::listed`](taintsim_plugin::ControllerPlugin::listed)), or
/// `None`. A scenario whose controller is not resolved is not checked.
pub fn first_ineffective(scenario: &Scenario) -> Option<Ineffective> {
    let resolved = scenario.controller()?;
    let listed = resolved.plugin.listed(&resolved.behavior);
    let controller = resolved
        .behavior
        .controller()
        .unwrap_or_default()
        .to_owned();
    scenario
        .steps
        .iter()
        .enumerate()
        .find_map(|(i, step)| match step {
            ActorStep::SetFault(fault) => match &fault.kind {
                FaultKind::StaleLister { informer, .. } if !listed.contains(&informer.kind()) => {
                    let read: Vec<&str> = listed.iter().map(|k| k.plural()).collect();
                    Some(Ineffective {
                        field: format!("steps[{i}].set-fault.stale-lister.informer"),
                        message: format!(
                            "a stale lister of {} has no effect: controller {controller} does not read {} through a lister (it reads {}); make its notifications late or missing instead (watch-delay, hide-notifications)",
                            informer.as_str(),
                            informer.as_str(),
                            if read.is_empty() { "none".to_owned() } else { read.join(", ") },
                        ),
                    })
                }
                _ => None,
            },
            _ => None,
        })
}
