//! The footprint check: a step may access only what its label declares.
//!
//! Exhaustive search trusts each step's [`touches`](crate::StepLabel::touches): two steps of
//! different actors with disjoint touches are run in one order only. A touch missing from a
//! label makes that silently unsound. So in debug builds (which test builds are) the simulator
//! records every access to shared state during a task's step, the chosen entry together with
//! the eager polls it causes ([`taintsim_seam::access`]), and ends the run with
//! [`Outcome::Footprint`](crate::Outcome::Footprint) if one of them is not covered by the
//! step's touches under the independence relation's prefix rule
//! ([`covers`](crate::strategy::covers)). Release builds neither record nor check.
//!
//! Only task steps are checked. A timer's `fire` and the `clock: advance` pseudo-step are
//! dependent with every entry, so what they access cannot make the reduction unsound; nor can
//! the eager polls that run outside any step (before the first step, after a time jump, and
//! after the driver wakes a task between steps: the relation's observed resources cover those).

use serde::{Deserialize, Serialize};
use taintsim_seam::runtime::Touch;

/// A step accessed shared state that its label does not declare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error(
    "step {step} `{actor}: {action}` accessed {} but declared [{}]",
    quoted(.undeclared),
    .declared.join(", ")
)]
pub struct Footprint {
    /// The step's number.
    pub step: u64,
    /// The step's actor.
    pub actor: String,
    /// The step's action.
    pub action: String,
    /// The step's declared touches.
    pub declared: Vec<Touch>,
    /// What it accessed and did not declare, in first-access order.
    pub undeclared: Vec<String>,
}

fn quoted(resources: &[String]) -> String {
    let quoted: Vec<String> = resources.iter().map(|r| format!("`{r}`")).collect();
    quoted.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footprint_should_name_the_step_and_the_undeclared_access() {
        let f = Footprint {
            step: 12,
            actor: "worker default/p #1".into(),
            action: "GET pod default/p".into(),
            declared: vec!["pod/default/p".into(), "fault/get/pods".into()],
            undeclared: vec!["queue".into()],
        };
        assert_eq!(
            f.to_string(),
            "step 12 `worker default/p #1: GET pod default/p` accessed `queue` but declared \
             [pod/default/p, fault/get/pods]"
        );
    }
}
