//! `maybeUpdateRuleStatus`: the `EvictionInProgress` condition of a DeviceTaintRule, its
//! messages, and the NoEffect simulation for rules with effect `None`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use smol_str::SmolStr;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use taintsim_seam::client::{ApiError, RuleStatusApply};

use super::eviction::pod_eviction_time;
use super::model::{EVICTION_IN_PROGRESS, Rule, RuleCondition, being_deleted};
use super::state::State;
use super::{Controller, Effects, Handlers, MARK_STATUS_APPLIED, MARK_STATUS_THROTTLED};
use crate::model::{EFFECT_NO_EXECUTE, EFFECT_NONE};

/// `ruleStatusPeriod`: the shortest time between two status updates of a rule while its
/// eviction is in progress, and the delay of the update after a pod change or eviction.
pub const RULE_STATUS_PERIOD: Duration = Duration::from_secs(10);

/// `1 thing` or `N things` (Go's `%d`, plural for everything but exactly 1).
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        one.to_owned()
    } else {
        format!("{n} {many}")
    }
}

/// The PodsPendingEviction message: `"1 pod needs to be evicted in 1 namespace."`.
pub fn pending_message(pods: usize, namespaces: usize) -> String {
    format!(
        "{} to be evicted in {}",
        count(pods, "1 pod needs", "pods need"),
        count(namespaces, "1 namespace.", "different namespaces.")
    )
}

/// The NoEffect message.
pub fn no_effect_message(
    published: usize,
    allocated: usize,
    pods: usize,
    namespaces: usize,
) -> String {
    format!(
        "{} {} {} would be evicted in {} if the effect was NoExecute. This information will not be updated again. Recreate the DeviceTaintRule to trigger an update.",
        count(
            published,
            "1 published device selected.",
            "published devices selected."
        ),
        count(
            allocated,
            "1 allocated device selected.",
            "allocated devices selected."
        ),
        count(pods, "1 pod", "pods"),
        count(namespaces, "1 namespace", "different namespaces"),
    )
}

/// The message with the "evicted since starting" suffix.
fn with_evicted_suffix(message: String, evicted: u64) -> String {
    if evicted == 0 {
        return message;
    }
    let n = usize::try_from(evicted).unwrap_or(usize::MAX);
    let suffix = format!(
        "{} evicted since starting the controller.",
        count(n, "1 pod", "pods")
    );
    if message.is_empty() {
        suffix
    } else {
        format!("{message} {suffix}")
    }
}

/// What a status work item decided.
pub(super) enum StatusDecision {
    /// Nothing to do (rule gone, replaced, or the condition is unchanged).
    Done,
    /// Throttled: look again after this long.
    Later(Duration),
    /// Write this condition.
    Apply(RuleStatusApply),
}

/// `countPendingPods`: pods (without deletionTimestamp) whose eviction has this rule among
/// its reasons, and their namespaces.
fn count_pending_pods(st: &State, fx: &Effects<'_>, rule_uid: &str) -> (usize, usize) {
    let mut pods = 0;
    let mut namespaces = BTreeSet::new();
    for pod in fx.pods.list().iter().filter(|p| !being_deleted(p)) {
        let Some(eviction) = pod_eviction_time(pod, &st.allocated_claims, fx.config) else {
            continue;
        };
        if eviction.rules().any(|r| r.uid == rule_uid) {
            pods += 1;
            namespaces.insert(pod.metadata.namespace.clone().unwrap_or_default());
        }
    }
    (pods, namespaces.len())
}

/// `countTaintedDevices`: devices in current slices the rule selects, and allocation results
/// it selects.
fn count_tainted_devices(st: &State, rule: &Rule) -> (usize, usize) {
    let published = st
        .pools
        .iter()
        .flat_map(|((driver, pool), p)| {
            p.current()
                .flat_map(|s| s.devices.iter())
                .filter(move |d| rule.matches_device(driver, pool, &d.name))
        })
        .count();
    let allocated = st
        .allocated_claims
        .values()
        .flat_map(|c| c.claim.allocation.iter().flatten())
        .filter(|r| rule.matches_device(&r.driver, &r.pool, &r.device))
        .count();
    (published, allocated)
}

/// The NoEffect simulation: what a NoExecute version of `rule` would do, on a copy of the
/// claims and pools with no other rule, no queue and no events.
fn simulate_no_execute(st: &State, fx: &Effects<'_>, rule: &Rule) -> (usize, usize) {
    let mut sim = State {
        allocated_claims: st.allocated_claims.clone(),
        pools: st.pools.clone(),
        ..State::default()
    };
    let sim_fx = Effects {
        rt: fx.rt,
        config: fx.config,
        pods: fx.pods,
        live: None,
    };
    let mut evict = rule.clone();
    evict.taint.effect = SmolStr::new_static(EFFECT_NO_EXECUTE);
    Handlers {
        st: &mut sim,
        fx: &sim_fx,
    }
    .handle_rule_change(Some(Arc::new(rule.clone())), Some(Arc::new(evict)));
    count_pending_pods(&sim, &sim_fx, &rule.uid)
}

impl Controller {
    /// The first half of `maybeUpdateRuleStatus`, under the mutex: everything up to the API
    /// call.
    pub(super) fn decide_rule_status(&self, name: &str, uid: &str) -> StatusDecision {
        let Some(rule) = self.rules.get(name) else {
            // Deleted: drop the item.
            return StatusDecision::Done;
        };
        if rule.uid != uid {
            // Replaced: drop the item for the old one.
            return StatusDecision::Done;
        }
        let now = self.rt.now();
        let existing = rule.condition.clone();
        if let Some(e) = &existing
            && e.observed_generation == rule.generation
            && let Some(ltt) = e.last_transition_time
        {
            let elapsed = now.duration_since(ltt);
            if let Ok(elapsed) = Duration::try_from(elapsed)
                && elapsed < RULE_STATUS_PERIOD
            {
                self.rt.mark(MARK_STATUS_THROTTLED);
                return StatusDecision::Later(RULE_STATUS_PERIOD - elapsed);
            }
        }
        let st = self.state.lock();
        let fx = Effects {
            rt: self.rt.as_ref(),
            config: &self.config,
            pods: self.pods.as_ref(),
            live: None,
        };
        let evicted = st.taint_rule_stats.get(&rule.uid).copied().unwrap_or(0);
        let (status, reason, message) = match rule.taint.effect.as_str() {
            EFFECT_NO_EXECUTE => {
                let (pods, namespaces) = count_pending_pods(&st, &fx, &rule.uid);
                if pods > 0 {
                    (
                        "True",
                        "PodsPendingEviction",
                        pending_message(pods, namespaces),
                    )
                } else if evicted > 0 {
                    ("False", "Completed", String::new())
                } else {
                    ("False", "NotStarted", String::new())
                }
            }
            EFFECT_NONE => {
                let (pods, namespaces) = simulate_no_execute(&st, &fx, &rule);
                let (published, allocated) = count_tainted_devices(&st, &rule);
                (
                    "False",
                    "NoEffect",
                    no_effect_message(published, allocated, pods, namespaces),
                )
            }
            _ => (
                "False",
                "OtherEffect",
                "Eviction only happens for the NoExecute effect.".to_owned(),
            ),
        };
        drop(st);
        let mut condition = RuleCondition {
            status: status.to_owned(),
            reason: reason.to_owned(),
            message: with_evicted_suffix(message, evicted),
            observed_generation: rule.generation,
            last_transition_time: existing.as_ref().and_then(|e| e.last_transition_time),
        };
        if existing.as_ref() == Some(&condition) {
            return StatusDecision::Done;
        }
        condition.last_transition_time = Some(now);
        StatusDecision::Apply(RuleStatusApply {
            name: rule.name.clone(),
            uid: Some(rule.uid.clone()),
            field_manager: self.config.name.clone(),
            force: true,
            conditions: vec![Condition {
                type_: EVICTION_IN_PROGRESS.to_owned(),
                status: condition.status,
                reason: condition.reason,
                message: condition.message,
                observed_generation: (condition.observed_generation != 0)
                    .then_some(condition.observed_generation),
                last_transition_time: Time(now),
            }],
        })
    }

    /// The API call of `maybeUpdateRuleStatus`.
    pub(super) async fn apply_rule_status(&self, apply: RuleStatusApply) -> Result<(), ApiError> {
        self.client.apply_device_taint_rule_status(apply).await?;
        self.rt.mark(MARK_STATUS_APPLIED);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_should_match_upstream_word_for_word() {
        assert_eq!(
            pending_message(1, 1),
            "1 pod needs to be evicted in 1 namespace."
        );
        assert_eq!(
            pending_message(2, 2),
            "2 pods need to be evicted in 2 different namespaces."
        );
        assert_eq!(
            pending_message(2, 1),
            "2 pods need to be evicted in 1 namespace."
        );
        assert_eq!(
            no_effect_message(0, 3, 2, 2),
            "0 published devices selected. 3 allocated devices selected. 2 pods would be evicted in 2 different namespaces if the effect was NoExecute. This information will not be updated again. Recreate the DeviceTaintRule to trigger an update."
        );
        assert_eq!(
            no_effect_message(1, 1, 1, 1),
            "1 published device selected. 1 allocated device selected. 1 pod would be evicted in 1 namespace if the effect was NoExecute. This information will not be updated again. Recreate the DeviceTaintRule to trigger an update."
        );
        assert_eq!(
            with_evicted_suffix(String::new(), 2),
            "2 pods evicted since starting the controller."
        );
        assert_eq!(
            with_evicted_suffix(pending_message(1, 1), 1),
            "1 pod needs to be evicted in 1 namespace. 1 pod evicted since starting the controller."
        );
        assert_eq!(with_evicted_suffix("x".into(), 0), "x");
    }
}
