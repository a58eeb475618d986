//! Pod helpers both taint eviction controllers call before they delete a pod (upstream
//! `pkg/api/v1/pod`).

use k8s_openapi::api::core::v1::PodCondition;

/// `apipod.UpdatePodCondition`: the condition to write, or `None` if `existing` already has an
/// equal one. An unchanged status keeps the old transition time.
pub fn update_pod_condition(
    existing: &[PodCondition],
    mut condition: PodCondition,
) -> Option<PodCondition> {
    let Some(old) = existing.iter().find(|c| c.type_ == condition.type_) else {
        return Some(condition);
    };
    if condition.status == old.status {
        condition.last_transition_time = old.last_transition_time.clone();
    }
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let equal = condition.status == old.status
        && text(&condition.reason) == text(&old.reason)
        && text(&condition.message) == text(&old.message)
        && condition.last_probe_time == old.last_probe_time
        && condition.last_transition_time == old.last_transition_time;
    (!equal).then_some(condition)
}

#[cfg(test)]
mod tests {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    use super::*;
    use crate::Timestamp;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn condition(reason: &str, status: &str, time: i64) -> PodCondition {
        PodCondition {
            type_: "DisruptionTarget".to_owned(),
            status: status.to_owned(),
            reason: Some(reason.to_owned()),
            last_transition_time: Some(Time(at(time))),
            ..PodCondition::default()
        }
    }

    #[test]
    fn new_condition_should_be_added() {
        let got = update_pod_condition(&[], condition("R", "True", 5));
        assert_eq!(got, Some(condition("R", "True", 5)));
    }

    #[test]
    fn equal_condition_should_keep_its_transition_time_and_need_no_patch() {
        let existing = [condition("R", "True", 1)];
        assert_eq!(
            update_pod_condition(&existing, condition("R", "True", 5)),
            None
        );
    }

    #[test]
    fn changed_condition_should_be_refreshed() {
        let got = update_pod_condition(
            &[condition("Preempted", "True", 1)],
            condition("R", "True", 5),
        )
        .expect("a change");
        assert_eq!(got.reason.as_deref(), Some("R"));
        assert_eq!(
            got.last_transition_time,
            Some(Time(at(1))),
            "same status keeps the time"
        );
        let got = update_pod_condition(&[condition("R", "False", 1)], condition("R", "True", 5))
            .expect("a change");
        assert_eq!(got.last_transition_time, Some(Time(at(5))));
    }
}
