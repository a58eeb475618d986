//! `resourceclaim.ToleratesTaint` (devicetoleration.go @ 030880a5), which behaves
//! exactly like core/v1 node tolerations.
//!
//! The controller's own extra condition, that only `NoExecute` tolerations count for eviction,
//! is not part of this function; it lives in [`crate::eviction_time`] behind the
//! `toleration-effect` behaviour key.

use crate::model::{OPERATOR_EQUAL, OPERATOR_EXISTS, Taint, Toleration};

/// Whether `toleration` tolerates `taint`:
///
/// 1. a non-empty toleration effect must equal the taint's effect;
/// 2. a non-empty toleration key must equal the taint's key;
/// 3. operator `Equal` or empty compares the values, `Exists` matches, anything else never
///    matches.
pub fn tolerates_taint(toleration: &Toleration, taint: &Taint) -> bool {
    if !toleration.effect.is_empty() && toleration.effect != taint.effect {
        return false;
    }
    if !toleration.key.is_empty() && toleration.key != taint.key {
        return false;
    }
    match toleration.operator.as_str() {
        "" | OPERATOR_EQUAL => toleration.value == taint.value,
        OPERATOR_EXISTS => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EFFECT_NO_EXECUTE, EFFECT_NO_SCHEDULE};

    fn taint() -> Taint {
        Taint {
            key: "example.com/taint".into(),
            value: "something".into(),
            effect: EFFECT_NO_EXECUTE.into(),
            time_added: None,
        }
    }

    fn tol(key: &str, operator: &str, value: &str, effect: &str) -> Toleration {
        Toleration {
            key: key.into(),
            operator: operator.into(),
            value: value.into(),
            effect: effect.into(),
            toleration_seconds: None,
        }
    }

    #[test]
    fn effect_should_match_when_set_and_be_a_wildcard_when_empty() {
        let t = taint();
        assert!(tolerates_taint(
            &tol("", "Exists", "", EFFECT_NO_EXECUTE),
            &t
        ));
        assert!(!tolerates_taint(
            &tol("", "Exists", "", EFFECT_NO_SCHEDULE),
            &t
        ));
        assert!(tolerates_taint(&tol("", "Exists", "", ""), &t));
    }

    #[test]
    fn key_should_match_when_set_and_be_a_wildcard_when_empty() {
        let t = taint();
        assert!(tolerates_taint(
            &tol("example.com/taint", "Exists", "", ""),
            &t
        ));
        assert!(!tolerates_taint(
            &tol("example.com/other", "Exists", "", ""),
            &t
        ));
        assert!(tolerates_taint(&tol("", "Exists", "", ""), &t));
    }

    #[test]
    fn equal_and_empty_operator_should_compare_values() {
        let t = taint();
        for op in ["Equal", ""] {
            assert!(
                tolerates_taint(&tol("example.com/taint", op, "something", ""), &t),
                "{op:?}"
            );
            assert!(
                !tolerates_taint(&tol("example.com/taint", op, "other", ""), &t),
                "{op:?}"
            );
            assert!(
                !tolerates_taint(&tol("example.com/taint", op, "", ""), &t),
                "{op:?}"
            );
        }
        let mut no_value = taint();
        no_value.value = smol_str::SmolStr::default();
        assert!(tolerates_taint(
            &tol("example.com/taint", "Equal", "", ""),
            &no_value
        ));
    }

    #[test]
    fn exists_should_ignore_the_value() {
        let t = taint();
        assert!(tolerates_taint(
            &tol("example.com/taint", "Exists", "whatever", ""),
            &t
        ));
    }

    #[test]
    fn unknown_operators_should_never_match() {
        let t = taint();
        for op in ["exists", "equal", "NotEqual", "In"] {
            assert!(
                !tolerates_taint(&tol("", op, "something", ""), &t),
                "{op:?}"
            );
        }
    }
}
