//! `handleRuleChange`.

use std::sync::Arc;

use super::model::Rule;
use super::reason::EvictionAndReason;
use super::{Handlers, WorkItem};
use crate::model::EFFECT_NO_EXECUTE;

impl Handlers<'_> {
    /// `handleRuleChange`: queue a status update for a new rule or a changed spec, track the
    /// NoExecute rules, then re-evaluate every allocated claim (brute force, in Go's map
    /// order). Updates that change neither the UID nor the spec (status, metadata, the
    /// controller's own status writes) are ignored.
    pub(crate) fn handle_rule_change(&mut self, old: Option<Arc<Rule>>, new: Option<Arc<Rule>>) {
        match (&old, &new) {
            (None, None) => return,
            (None, Some(new)) => self.fx.add(WorkItem::rule(&new.name, &new.uid)),
            (Some(old), None) => {
                self.st.taint_rule_stats.remove(&old.uid);
                self.st.evicting_rules.remove(&old.name);
            }
            (Some(old), Some(new)) if old.uid == new.uid => {
                if old.spec_equal(new) {
                    return;
                }
                self.fx.add(WorkItem::rule(&new.name, &new.uid));
            }
            // Replaced under the same name: upstream queues nothing and keeps the old UID's
            // stats.
            (Some(_), Some(_)) => {}
        }
        if let Some(old) = &old
            && old.taint.effect == EFFECT_NO_EXECUTE
        {
            self.st.evicting_rules.remove(&old.name);
        }
        if let Some(new) = &new
            && new.taint.effect == EFFECT_NO_EXECUTE
        {
            self.st.evicting_rules.insert(new.name.clone(), new.clone());
        }
        let keys: Vec<_> = self.st.allocated_claims.keys().cloned().collect();
        let keys = self
            .fx
            .go_order("go map order allocatedClaims (handleRuleChange)", keys);
        for key in keys {
            let Some(claim) = self.st.allocated_claims.get(&key).map(|c| c.claim.clone()) else {
                continue;
            };
            let eviction = self.claim_eviction_time(&claim);
            let Some(stored) = self.st.allocated_claims.get_mut(&key) else {
                continue;
            };
            let old_eviction = std::mem::replace(&mut stored.eviction, eviction.clone());
            if !EvictionAndReason::equal(eviction.as_ref(), old_eviction.as_ref()) {
                self.handle_pods(&claim);
            }
        }
    }
}
