//! `claimEvictionTime` (`device_taint_eviction.go` @ ab3cec07): when the consumers of an allocated
//! claim must be evicted.
//!
//! For every allocated device (looked up in the slices at its pool's maxGeneration; unknown
//! devices and devices of unknown type are skipped) and every NoExecute taint on it:
//! `t = timeAdded`; the result's tolerations that count (effect `NoExecute`, see
//! [`TolerationEffect`]) and tolerate the taint either ignore it forever (any of them without
//! seconds) or delay it by the smallest of their seconds, negative values clamped to 0. The
//! claim's time is the smallest `t`, or `None`.

use jiff::{SignedDuration, Timestamp};

use crate::behavior::{Behavior, TolerationEffect};
use crate::model::{AllocationResult, EFFECT_NO_EXECUTE, Taint, Toleration};
use crate::pools::Pools;
use crate::toleration::tolerates_taint;

/// The start of the panic message for a NoExecute taint without `timeAdded` that a finite
/// toleration matches: upstream dereferences the nil `*metav1.Time` (`claimEvictionTime` @
/// ab3cec07; not reported upstream, see the `eviction-time.nil-time-added-*` marks in
/// docs/scenario-format.md).
pub const NIL_TIME_ADDED_PANIC: &str = "runtime error: invalid memory address or nil pointer dereference in claimEvictionTime: taint.TimeAdded is nil";

/// Coverage mark: a toleration with an empty effect would tolerate the taint but is ignored
/// (`toleration-effect: no-execute-only`, the upstream quirk).
pub const MARK_EMPTY_EFFECT_IGNORED: &str = "eviction-time.empty-effect-toleration-ignored";
/// Coverage mark: a toleration with an empty effect is counted (`toleration-effect: any`).
pub const MARK_EMPTY_EFFECT_COUNTED: &str = "eviction-time.empty-effect-toleration-counted";
/// Coverage mark: a NoExecute taint without `timeAdded` and no counting toleration yields no
/// eviction time.
pub const MARK_NIL_TIME_ADDED_IGNORED: &str = "eviction-time.nil-time-added-ignored";
/// Coverage mark: about to panic on a nil `timeAdded`.
pub const MARK_NIL_TIME_ADDED_PANIC: &str = "eviction-time.nil-time-added-panic";
/// Coverage mark: `tolerationSeconds * time.Second` overflowed Go's `time.Duration` and
/// wrapped, as it does upstream.
pub const MARK_SECONDS_OVERFLOW: &str = "eviction-time.toleration-seconds-overflow";

/// The claim's eviction time, see the module docs.
///
/// # Panics
/// With the message [`NIL_TIME_ADDED_PANIC`] when a NoExecute taint has no `timeAdded` and a
/// counting toleration with finite seconds matches it, as upstream would.
pub fn claim_eviction_time(
    allocation: &[AllocationResult],
    pools: &Pools,
    behavior: &Behavior,
) -> Option<Timestamp> {
    claim_eviction_time_traced(allocation, pools, behavior, &mut |_| {})
}

/// [`claim_eviction_time`], reporting the coverage marks of the paths it takes to `mark`.
pub fn claim_eviction_time_traced(
    allocation: &[AllocationResult],
    pools: &Pools,
    behavior: &Behavior,
    mark: &mut dyn FnMut(&'static str),
) -> Option<Timestamp> {
    let mut eviction: Option<Timestamp> = None;
    for result in allocation {
        let Some(taints) = pools.device_taints(&result.driver, &result.pool, &result.device) else {
            // Unknown device: it cannot be tainted.
            continue;
        };
        for taint in taints.iter().filter(|t| t.effect == EFFECT_NO_EXECUTE) {
            let Some(t) = taint_eviction_time(result, taint, behavior, mark) else {
                continue;
            };
            eviction = Some(eviction.map_or(t, |e| e.min(t)));
        }
    }
    eviction
}

/// What the tolerations of one result make of one NoExecute taint.
enum Tolerated {
    /// No counting toleration matched.
    No,
    /// A matching toleration has no seconds.
    Forever,
    /// The smallest seconds of the matching tolerations, clamped to 0.
    For(i64),
}

fn counts(toleration: &Toleration, behavior: &Behavior) -> bool {
    toleration.effect == EFFECT_NO_EXECUTE
        || (toleration.effect.is_empty() && behavior.toleration_effect == TolerationEffect::Any)
}

fn tolerated(
    tolerations: &[Toleration],
    taint: &Taint,
    behavior: &Behavior,
    mark: &mut dyn FnMut(&'static str),
) -> Tolerated {
    let mut seconds: Option<i64> = None;
    for toleration in tolerations {
        if !tolerates_taint(toleration, taint) {
            continue;
        }
        if toleration.effect.is_empty() {
            mark(match behavior.toleration_effect {
                TolerationEffect::NoExecuteOnly => MARK_EMPTY_EFFECT_IGNORED,
                TolerationEffect::Any => MARK_EMPTY_EFFECT_COUNTED,
            });
        }
        if !counts(toleration, behavior) {
            continue;
        }
        let Some(s) = toleration.toleration_seconds else {
            return Tolerated::Forever;
        };
        let s = s.max(0);
        seconds = Some(seconds.map_or(s, |m| m.min(s)));
    }
    seconds.map_or(Tolerated::No, Tolerated::For)
}

fn taint_eviction_time(
    result: &AllocationResult,
    taint: &Taint,
    behavior: &Behavior,
    mark: &mut dyn FnMut(&'static str),
) -> Option<Timestamp> {
    match tolerated(&result.tolerations, taint, behavior, mark) {
        Tolerated::Forever => None,
        Tolerated::No => {
            if taint.time_added.is_none() {
                mark(MARK_NIL_TIME_ADDED_IGNORED);
            }
            taint.time_added
        }
        Tolerated::For(seconds) => {
            let Some(added) = taint.time_added else {
                mark(MARK_NIL_TIME_ADDED_PANIC);
                panic!(
                    "{NIL_TIME_ADDED_PANIC} (device {}/{}/{}, taint {}={}:{}, tolerationSeconds {seconds})",
                    result.driver, result.pool, result.device, taint.key, taint.value, taint.effect
                );
            };
            // A deliberate bug for `just mutant` (tests/deliberate_bug.rs): the toleration
            // ends one second early. Only a build with this cfg has it.
            #[cfg(feature = "mutant-toleration-seconds")]
            let seconds = seconds - 1;
            Some(add_go_seconds(added, seconds, mark))
        }
    }
}

/// `t.Add(time.Duration(seconds) * time.Second)` with Go's silent int64 overflow of the
/// duration; the timestamp itself saturates at jiff's range instead of failing.
pub(crate) fn add_go_seconds(
    t: Timestamp,
    seconds: i64,
    mark: &mut dyn FnMut(&'static str),
) -> Timestamp {
    let nanos = seconds.wrapping_mul(1_000_000_000);
    if seconds.checked_mul(1_000_000_000).is_none() {
        mark(MARK_SECONDS_OVERFLOW);
    }
    let delta = SignedDuration::from_nanos(nanos);
    t.checked_add(delta).unwrap_or(if nanos >= 0 {
        Timestamp::MAX
    } else {
        Timestamp::MIN
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Device, PoolRef, Slice};

    fn t0() -> Timestamp {
        Timestamp::from_second(1_700_000_000).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn ne(key: &str, time_added: Option<Timestamp>) -> Taint {
        Taint {
            key: key.into(),
            value: "v".into(),
            effect: EFFECT_NO_EXECUTE.into(),
            time_added,
        }
    }

    fn tol(key: &str, effect: &str, seconds: Option<i64>) -> Toleration {
        Toleration {
            key: key.into(),
            operator: "Exists".into(),
            value: smol_str::SmolStr::default(),
            effect: effect.into(),
            toleration_seconds: seconds,
        }
    }

    fn pools(devices: Vec<(&str, Option<Vec<Taint>>)>) -> Pools {
        let slice = Slice {
            name: "s".into(),
            driver: "d".into(),
            pool: PoolRef {
                name: "p".into(),
                generation: 1,
            },
            node_name: "n".into(),
            devices: devices
                .into_iter()
                .map(|(name, taints)| Device {
                    name: name.into(),
                    taints,
                })
                .collect(),
        };
        Pools::from_slices([&slice])
    }

    fn result(device: &str, tolerations: Vec<Toleration>) -> AllocationResult {
        AllocationResult {
            request: "r".into(),
            driver: "d".into(),
            pool: "p".into(),
            device: device.into(),
            tolerations,
        }
    }

    fn eviction(pools: &Pools, results: &[AllocationResult]) -> Option<Timestamp> {
        claim_eviction_time(results, pools, &Behavior::default())
    }

    fn secs(n: i64) -> SignedDuration {
        SignedDuration::from_secs(n)
    }

    #[test]
    fn untolerated_taint_should_evict_at_time_added() {
        let p = pools(vec![("x", Some(vec![ne("k", Some(t0()))]))]);
        assert_eq!(eviction(&p, &[result("x", vec![])]), Some(t0()));
    }

    #[test]
    fn smallest_matching_seconds_should_win() {
        let p = pools(vec![("x", Some(vec![ne("k", Some(t0()))]))]);
        let tols = vec![
            tol("other", EFFECT_NO_EXECUTE, Some(5)),
            tol("", EFFECT_NO_EXECUTE, Some(60)),
            tol("k", EFFECT_NO_EXECUTE, Some(30)),
        ];
        assert_eq!(eviction(&p, &[result("x", tols)]), Some(t0() + secs(30)));
    }

    #[test]
    fn forever_should_win_over_finite_tolerations() {
        let p = pools(vec![("x", Some(vec![ne("k", Some(t0()))]))]);
        for tols in [
            vec![
                tol("", EFFECT_NO_EXECUTE, Some(1)),
                tol("", EFFECT_NO_EXECUTE, None),
            ],
            vec![
                tol("", EFFECT_NO_EXECUTE, None),
                tol("", EFFECT_NO_EXECUTE, Some(1)),
            ],
        ] {
            assert_eq!(eviction(&p, &[result("x", tols)]), None);
        }
    }

    #[test]
    fn negative_seconds_should_clamp_to_zero() {
        let p = pools(vec![("x", Some(vec![ne("k", Some(t0()))]))]);
        let tols = vec![
            tol("", EFFECT_NO_EXECUTE, Some(-30)),
            tol("", EFFECT_NO_EXECUTE, Some(10)),
        ];
        assert_eq!(eviction(&p, &[result("x", tols)]), Some(t0()));
    }

    #[test]
    fn minimum_should_span_taints_and_devices() {
        let later = t0() + secs(100);
        let p = pools(vec![
            ("x", Some(vec![ne("k", Some(later)), ne("k2", Some(t0()))])),
            ("y", Some(vec![ne("k", Some(later))])),
        ]);
        // k2 on x is tolerated for 50s, so x gives min(later, t0+50) = t0+50; y gives later.
        let tols = vec![tol("k2", EFFECT_NO_EXECUTE, Some(50))];
        let got = eviction(&p, &[result("y", vec![]), result("x", tols)]);
        assert_eq!(got, Some(t0() + secs(50)));
    }

    #[test]
    fn non_no_execute_taints_and_unknown_devices_should_not_count() {
        let mut no_schedule = ne("k", Some(t0()));
        no_schedule.effect = "NoSchedule".into();
        let p = pools(vec![("x", Some(vec![no_schedule])), ("u", None)]);
        assert_eq!(
            eviction(
                &p,
                &[
                    result("x", vec![]),
                    result("u", vec![]),
                    result("missing", vec![])
                ]
            ),
            None
        );
    }

    #[test]
    fn empty_effect_toleration_should_be_ignored_by_default() {
        let p = pools(vec![("x", Some(vec![ne("k", Some(t0()))]))]);
        let tols = vec![tol("k", "", None)];
        let mut marks = Vec::new();
        let got =
            claim_eviction_time_traced(&[result("x", tols)], &p, &Behavior::default(), &mut |m| {
                marks.push(m)
            });
        assert_eq!(
            got,
            Some(t0()),
            "the quirk: an empty effect does not prevent eviction"
        );
        assert_eq!(marks, vec![MARK_EMPTY_EFFECT_IGNORED]);
    }

    #[test]
    fn empty_effect_toleration_should_count_with_any() {
        let p = pools(vec![("x", Some(vec![ne("k", Some(t0()))]))]);
        let behavior = Behavior {
            toleration_effect: TolerationEffect::Any,
            ..Behavior::default()
        };
        let forever = [result("x", vec![tol("k", "", None)])];
        assert_eq!(claim_eviction_time(&forever, &p, &behavior), None);
        let finite = [result("x", vec![tol("k", "", Some(20))])];
        assert_eq!(
            claim_eviction_time(&finite, &p, &behavior),
            Some(t0() + secs(20))
        );
    }

    #[test]
    fn nil_time_added_without_toleration_should_yield_no_time() {
        let p = pools(vec![("x", Some(vec![ne("k", None)]))]);
        assert_eq!(eviction(&p, &[result("x", vec![])]), None);
        let p = pools(vec![("x", Some(vec![ne("k", None), ne("k2", Some(t0()))]))]);
        assert_eq!(
            eviction(&p, &[result("x", vec![])]),
            Some(t0()),
            "other taints still count"
        );
        let p = pools(vec![("x", Some(vec![ne("k", None)]))]);
        assert_eq!(
            eviction(&p, &[result("x", vec![tol("", EFFECT_NO_EXECUTE, None)])]),
            None
        );
    }

    #[test]
    #[should_panic(expected = "claimEvictionTime: taint.TimeAdded is nil")]
    fn nil_time_added_with_finite_toleration_should_panic() {
        let p = pools(vec![("x", Some(vec![ne("k", None)]))]);
        eviction(
            &p,
            &[result("x", vec![tol("", EFFECT_NO_EXECUTE, Some(10))])],
        );
    }

    #[test]
    fn huge_seconds_should_wrap_like_go() {
        let p = pools(vec![("x", Some(vec![ne("k", Some(t0()))]))]);
        let seconds = i64::MAX / 1_000_000_000 + 1;
        let mut marks = Vec::new();
        let tols = vec![tol("", EFFECT_NO_EXECUTE, Some(seconds))];
        let got =
            claim_eviction_time_traced(&[result("x", tols)], &p, &Behavior::default(), &mut |m| {
                marks.push(m)
            });
        let wrapped = SignedDuration::from_nanos(seconds.wrapping_mul(1_000_000_000));
        assert!(wrapped.is_negative(), "the Go duration wraps negative");
        assert_eq!(
            got,
            Some(t0().checked_add(wrapped).unwrap_or(Timestamp::MIN))
        );
        assert_eq!(marks, vec![MARK_SECONDS_OVERFLOW]);
    }
}
