//! Taint and toleration helpers of `taint_eviction.go` and the core/v1 API package, as the
//! controller uses them: `getNoExecuteTaints`, `ToleratesTaint`, `GetMatchingTolerations`,
//! `getMinTolerationTime` and the shard `hash`.

use k8s_openapi::api::core::v1::{Node, Taint, Toleration};

/// `v1.TaintEffectNoExecute`.
pub const NO_EXECUTE: &str = "NoExecute";

/// `getNoExecuteTaints`: the node's taints with effect `NoExecute`, in spec order.
pub fn no_execute_taints(node: &Node) -> Vec<Taint> {
    node.spec
        .iter()
        .flat_map(|s| s.taints.iter().flatten())
        .filter(|t| t.effect == NO_EXECUTE)
        .cloned()
        .collect()
}

/// `(*Toleration).ToleratesTaint`: an empty effect or key matches any; the operator `Exists`
/// matches any value, `Equal` or empty needs an equal value, any other operator nothing.
pub fn tolerates_taint(toleration: &Toleration, taint: &Taint) -> bool {
    let effect = toleration.effect.as_deref().unwrap_or_default();
    if !effect.is_empty() && effect != taint.effect {
        return false;
    }
    let key = toleration.key.as_deref().unwrap_or_default();
    if !key.is_empty() && key != taint.key {
        return false;
    }
    match toleration.operator.as_deref().unwrap_or_default() {
        "" | "Equal" => {
            toleration.value.as_deref().unwrap_or_default()
                == taint.value.as_deref().unwrap_or_default()
        }
        "Exists" => true,
        _ => false,
    }
}

/// `v1helper.GetMatchingTolerations`: whether every taint is tolerated, and for each taint in
/// order the first toleration (in pod order) that tolerates it. No taints: `(true, [])`; a
/// taint nobody tolerates: `(false, [])`.
pub fn matching_tolerations(
    taints: &[Taint],
    tolerations: &[Toleration],
) -> (bool, Vec<Toleration>) {
    if taints.is_empty() {
        return (true, Vec::new());
    }
    if tolerations.is_empty() {
        return (false, Vec::new());
    }
    let mut used = Vec::with_capacity(taints.len());
    for taint in taints {
        match tolerations.iter().find(|t| tolerates_taint(t, taint)) {
            Some(t) => used.push(t.clone()),
            None => return (false, Vec::new()),
        }
    }
    (true, used)
}

/// Nanoseconds per second, Go's `time.Second`.
const SECOND_NS: i64 = 1_000_000_000;

/// `getMinTolerationTime` as a Go `time.Duration` in nanoseconds: 0 for no tolerations or any
/// `tolerationSeconds <= 0`; -1 (infinite) if none has seconds; else the smallest seconds
/// times `time.Second`, a product that wraps like Go's for absurdly large values.
pub fn min_toleration_time(tolerations: &[Toleration]) -> i64 {
    if tolerations.is_empty() {
        return 0;
    }
    let mut min = i64::MAX;
    for seconds in tolerations.iter().filter_map(|t| t.toleration_seconds) {
        if seconds <= 0 {
            return 0;
        }
        min = min.min(seconds);
    }
    if min == i64::MAX {
        return -1;
    }
    min.wrapping_mul(SECOND_NS)
}

/// `hash(val, max)`: FNV-1a (32 bit) of `val`, modulo `max`, which picks the worker of a node.
pub fn hash(val: &str, max: usize) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for b in val.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    // `max` is the worker count, far below u32::MAX.
    (h % u32::try_from(max.max(1)).unwrap_or(u32::MAX)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(s: Option<i64>) -> Toleration {
        Toleration {
            toleration_seconds: s,
            ..Toleration::default()
        }
    }

    /// Upstream `TestGetMinTolerationTime`, its five cases.
    #[test]
    fn test_get_min_toleration_time() {
        let cases: [(&[Option<i64>], i64); 5] = [
            (&[], 0),
            (&[None], -1),
            (&[Some(1), Some(2)], SECOND_NS),
            (&[Some(1), None], SECOND_NS),
            (&[None, Some(1)], SECOND_NS),
        ];
        for (input, want) in cases {
            let tolerations: Vec<Toleration> = input.iter().map(|s| seconds(*s)).collect();
            assert_eq!(
                min_toleration_time(&tolerations),
                want,
                "Incorrect min toleration time for {input:?}"
            );
        }
        assert_eq!(
            min_toleration_time(&[seconds(Some(5)), seconds(Some(0))]),
            0
        );
        assert_eq!(min_toleration_time(&[seconds(Some(-3))]), 0);
    }

    /// Upstream `TestFilterNoExecuteTaints`.
    #[test]
    fn test_filter_no_execute_taints() {
        let node: Node = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "n"},
            "spec": {"taints": [
                {"key": "one", "value": "one", "effect": "NoExecute"},
                {"key": "two", "value": "two", "effect": "NoSchedule"}
            ]}
        }))
        .expect("a node");
        let got = no_execute_taints(&node);
        assert_eq!(got.len(), 1, "Filtering doesn't work. Got {got:?}");
        assert_eq!(got[0].key, "one");
    }

    #[test]
    fn matching_should_take_the_first_toleration_per_taint() {
        let taint = |k: &str| Taint {
            key: k.into(),
            effect: NO_EXECUTE.into(),
            ..Taint::default()
        };
        let exists = |k: &str, s: Option<i64>| Toleration {
            key: Some(k.into()),
            operator: Some("Exists".into()),
            toleration_seconds: s,
            ..Toleration::default()
        };
        let tolerations = [exists("a", Some(5)), exists("a", None), exists("b", None)];
        let (all, used) = matching_tolerations(&[taint("a"), taint("b")], &tolerations);
        assert!(all);
        assert_eq!(used, vec![exists("a", Some(5)), exists("b", None)]);
        assert_eq!(
            matching_tolerations(&[taint("c")], &tolerations),
            (false, vec![])
        );
        assert_eq!(matching_tolerations(&[], &[]), (true, vec![]));
        assert_eq!(matching_tolerations(&[taint("a")], &[]), (false, vec![]));
    }

    #[test]
    fn hash_should_be_fnv1a_modulo_the_worker_count() {
        // FNV-1a 32 of "" is the offset basis 2166136261; of "a" 0xe40c292c.
        assert_eq!(hash("", 8), (2_166_136_261u32 % 8) as usize);
        assert_eq!(hash("a", 1000), (0xe40c_292c_u32 % 1000) as usize);
    }
}
