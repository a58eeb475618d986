//! The actor's steps as the checks at load time see them: flattened out of `atomic` groups,
//! each with its path in the file, and the rule of what a group may hold.

use crate::format::{ActorStep, Check, Scenario};

/// Every step of `scenario` in file order, those inside an `atomic` group in place of the
/// group, each with its path (`steps[3]`, `steps[4].atomic[1]`).
pub fn flat_steps(scenario: &Scenario) -> Vec<(String, &ActorStep)> {
    let mut out = Vec::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        match step {
            ActorStep::Atomic(group) => out.extend(
                group
                    .iter()
                    .enumerate()
                    .map(|(j, s)| (format!("steps[{i}].atomic[{j}]"), s)),
            ),
            _ => out.push((format!("steps[{i}]"), step)),
        }
    }
    out
}

/// Whether `step` may be part of an `atomic` group: it must complete without waiting for the
/// world (a write, a fault, or a check of the moment), since nothing else runs until the group
/// ends.
pub fn allowed_in_group(step: &ActorStep) -> bool {
    matches!(
        step,
        ActorStep::Create(_)
            | ActorStep::Update(_)
            | ActorStep::UpdateStatus(_)
            | ActorStep::Delete(_)
            | ActorStep::SetFault(_)
            | ActorStep::ClearFault(_)
            | ActorStep::AssertNow(_)
    )
}

/// The first `atomic` group that is empty or holds a step that waits, as the path of the
/// offending field and the message, or `None`.
pub fn first_bad_group(scenario: &Scenario) -> Option<(String, String)> {
    scenario.steps.iter().enumerate().find_map(|(i, step)| {
        let ActorStep::Atomic(group) = step else {
            return None;
        };
        if group.is_empty() {
            return Some((
                format!("steps[{i}].atomic"),
                "an atomic group needs at least one step".to_owned(),
            ));
        }
        group.iter().enumerate().find_map(|(j, s)| {
            (!allowed_in_group(s)).then(|| {
                (
                    format!("steps[{i}].atomic[{j}]"),
                    "an atomic group holds only steps that do not wait: create, update, \
                     update-status, delete, set-fault, clear-fault and assert-now"
                        .to_owned(),
                )
            })
        })
    })
}

/// Whether some `api-calls` check of `scenario` names an object or a UID precondition: only
/// such a check needs the world's record of every call, the others read the server's counters.
pub fn filters_calls(scenario: &Scenario) -> bool {
    fn step_filters(step: &ActorStep) -> bool {
        let checks = match step {
            ActorStep::AssertNow(checks) => checks,
            ActorStep::AssertEventually(e) | ActorStep::WaitUntil(e) => &e.checks,
            ActorStep::Atomic(group) => return group.iter().any(step_filters),
            _ => return false,
        };
        checks
            .iter()
            .any(|c| matches!(c, Check::ApiCalls(a) if a.name.is_some() || a.uid.is_some()))
    }
    scenario.steps.iter().any(step_filters)
}
