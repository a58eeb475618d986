//! Server-side apply of a DeviceTaintRule's status, as far as the 1.35 device controller
//! relies on it.
//!
//! Modelled: the object must exist (`404 NotFound`; applying a status subresource never
//! creates); a UID in the apply configuration must match (`409 Conflict`, so a rule re-created
//! under the same name is not written); `status.conditions` is a list map keyed by `type`, so
//! each applied condition replaces the stored one of its type and other conditions stay; an
//! apply that changes nothing is not committed (no new resourceVersion, no watch event).
//!
//! Not modelled: managed fields. There is one field manager per condition type in practice
//! (the controller), so ownership conflicts, `force` and the removal of entries a manager no
//! longer applies never arise.

use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use taintsim_seam::client::{ApiError, RuleStatusApply};

use super::{ApiServer, not_found, precondition_failed, wake_all};
use crate::kind::{Kind, Verb};
use crate::object::Object;
use crate::watch::EventType;

impl ApiServer {
    /// Applies `apply` to the rule's status subresource; see the module docs. Returns the
    /// stored rule.
    pub fn apply_device_taint_rule_status(
        &self,
        apply: &RuleStatusApply,
    ) -> Result<Object, ApiError> {
        let kind = Kind::DeviceTaintRule;
        let mut st = self.inner.state.lock();
        st.count(Verb::Apply, kind);
        let old = st
            .get(kind, &apply.name)
            .cloned()
            .ok_or_else(|| not_found(kind, &apply.name))?;
        if let Some(uid) = apply.uid.as_deref().filter(|uid| *uid != old.uid()) {
            return Err(precondition_failed("UID", uid, old.uid()));
        }
        let Object::Rule(mut rule) = old.clone() else {
            return Err(not_found(kind, &apply.name));
        };
        let conditions = Arc::make_mut(&mut rule)
            .status
            .get_or_insert_default()
            .conditions
            .get_or_insert_default();
        for condition in &apply.conditions {
            merge_by_type(conditions, condition.clone());
        }
        let new = Object::Rule(rule);
        if new == old {
            return Ok(old);
        }
        let (stored, wakers) = st.commit(EventType::Modified, new);
        drop(st);
        wake_all(wakers);
        Ok(stored)
    }
}

/// A list map keyed by `type`: replace the entry of the same type, or append.
fn merge_by_type(conditions: &mut Vec<Condition>, condition: Condition) {
    match conditions.iter_mut().find(|c| c.type_ == condition.type_) {
        Some(existing) => *existing = condition,
        None => conditions.push(condition),
    }
}
