//! Tolerations: which taints a device toleration tolerates, and when a NoExecute taint
//! evicts despite them.

use jiff::{SignedDuration, Timestamp};
use taintsim_plugin::Due;

use super::objects::{Taint, Toleration};

/// `ToleratesTaint` (k8s.io/dynamic-resource-allocation/resourceclaim/devicetoleration.go),
/// the core/v1 toleration rule for devices:
/// - an effect, when set, must equal the taint's;
/// - a key, when set, must equal the taint's;
/// - `Exists` matches any value, `Equal` (or no operator) needs an equal value, and any other
///   operator matches nothing.
pub fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    let effect = toleration.effect.is_empty() || toleration.effect == taint.effect;
    let key = toleration.key.is_empty() || toleration.key == taint.key;
    let value = match toleration.operator.as_str() {
        "Exists" => true,
        "Equal" | "" => toleration.value == taint.value,
        _ => false,
    };
    effect && key && value
}

/// When a NoExecute `taint` evicts the consumers of a device allocated with `tolerations`,
/// following the `DeviceToleration.tolerationSeconds` field docs:
/// - no toleration tolerates it: at `timeAdded`;
/// - a tolerating toleration without seconds tolerates it forever: never;
/// - otherwise `timeAdded` plus the smallest seconds of the tolerating tolerations, zero and
///   negative values meaning "evict immediately".
///
/// Every tolerating toleration counts, including one with an empty effect. Upstream's 1.33
/// controller counts only tolerations whose effect is spelled `NoExecute`; an oracle should
/// see that quirk (the device controller's `toleration-effect` key), so it is not copied here.
/// Seconds beyond the timestamp range saturate; upstream multiplies them into a Go
/// `time.Duration`, which wraps after about 292 years.
pub fn taint_due(taint: &Taint, tolerations: &[Toleration]) -> Due {
    let tolerating: Vec<&Toleration> = tolerations.iter().filter(|t| tolerates(t, taint)).collect();
    if tolerating.iter().any(|t| t.seconds.is_none()) {
        return Due::Never;
    }
    let Some(added) = taint.time_added else {
        return Due::Unknown(format!(
            "the NoExecute taint {}={} has no timeAdded",
            taint.key, taint.value
        ));
    };
    let seconds = tolerating.iter().filter_map(|t| t.seconds).min();
    Due::At(match seconds {
        None => added,
        Some(s) => added
            .checked_add(SignedDuration::from_secs(s.max(0)))
            .unwrap_or(Timestamp::MAX),
    })
}

/// The earlier of two answers: a pod is due as soon as any of its taints is. An answer the
/// reference cannot give makes the combination unknown too.
pub fn earliest(a: Due, b: Due) -> Due {
    match (a, b) {
        (Due::Unknown(why), _) | (_, Due::Unknown(why)) => Due::Unknown(why),
        (Due::Never, other) | (other, Due::Never) => other,
        (Due::At(a), Due::At(b)) => Due::At(a.min(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taint(key: &str, value: &str, time_added: Option<Timestamp>) -> Taint {
        Taint {
            key: key.into(),
            value: value.into(),
            effect: "NoExecute".into(),
            time_added,
        }
    }

    fn tol(
        key: &str,
        operator: &str,
        value: &str,
        effect: &str,
        seconds: Option<i64>,
    ) -> Toleration {
        Toleration {
            key: key.into(),
            operator: operator.into(),
            value: value.into(),
            effect: effect.into(),
            seconds,
        }
    }

    fn t0() -> Timestamp {
        Timestamp::from_second(1_700_000_000).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn plus(s: i64) -> Due {
        Due::At(t0() + SignedDuration::from_secs(s))
    }

    #[test]
    fn tolerates_should_follow_the_core_toleration_rules() {
        let t = taint("k", "v", None);
        let cases = [
            (tol("k", "Equal", "v", "NoExecute", None), true),
            (tol("k", "", "v", "", None), true),
            (tol("k", "Equal", "w", "", None), false),
            (tol("k", "Equal", "", "", None), false),
            (tol("k", "Exists", "w", "", None), true),
            (tol("", "Exists", "", "", None), true),
            (tol("other", "Exists", "", "", None), false),
            (tol("k", "Exists", "", "NoSchedule", None), false),
            (tol("k", "exists", "", "", None), false),
            (tol("k", "NotEqual", "w", "", None), false),
        ];
        for (toleration, want) in cases {
            assert_eq!(tolerates(&toleration, &t), want, "{toleration:?}");
        }
    }

    #[test]
    fn taint_due_should_take_the_smallest_seconds_of_the_tolerating_tolerations() {
        let t = taint("k", "v", Some(t0()));
        let due = |tolerations: &[Toleration]| taint_due(&t, tolerations);
        assert_eq!(due(&[]), plus(0), "untolerated: at timeAdded");
        assert_eq!(
            due(&[tol("other", "Exists", "", "", Some(5))]),
            plus(0),
            "a toleration of another key does not count"
        );
        assert_eq!(
            due(&[
                tol("k", "Exists", "", "NoExecute", Some(60)),
                tol("", "Exists", "", "", Some(30)),
                tol("other", "Exists", "", "", Some(5)),
            ]),
            plus(30)
        );
        assert_eq!(
            due(&[
                tol("k", "Exists", "", "NoExecute", Some(60)),
                tol("k", "Exists", "", "", None)
            ]),
            Due::Never,
            "one toleration without seconds tolerates forever"
        );
        assert_eq!(
            due(&[tol("k", "Exists", "", "NoExecute", Some(-5))]),
            plus(0),
            "negative seconds mean immediately"
        );
        assert_eq!(
            due(&[tol("k", "Exists", "", "NoExecute", Some(i64::MAX))]),
            Due::At(Timestamp::MAX),
            "saturates"
        );
    }

    #[test]
    fn a_taint_without_time_added_should_be_unknown_unless_tolerated_forever() {
        let t = taint("k", "v", None);
        assert!(matches!(taint_due(&t, &[]), Due::Unknown(_)));
        let forever = tol("k", "Exists", "", "", None);
        assert_eq!(taint_due(&t, &[forever]), Due::Never);
    }

    #[test]
    fn earliest_should_prefer_unknown_then_the_earlier_time() {
        let unknown = Due::Unknown("x".into());
        assert_eq!(earliest(plus(5), plus(3)), plus(3));
        assert_eq!(earliest(Due::Never, plus(3)), plus(3));
        assert_eq!(earliest(plus(3), Due::Never), plus(3));
        assert_eq!(earliest(Due::Never, Due::Never), Due::Never);
        assert_eq!(earliest(plus(3), unknown.clone()), unknown);
    }
}
