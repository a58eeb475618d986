//! `handleSliceChange`.

use std::sync::Arc;

use super::Handlers;
use super::reason::EvictionAndReason;
use crate::model::Slice;

impl Handlers<'_> {
    /// `handleSliceChange`: update the pool, then re-evaluate the claims that use a device
    /// whose NoExecute taints changed, in Go's map order.
    pub(crate) fn handle_slice_change(&mut self, old: Option<&Slice>, new: Option<&Slice>) {
        let Some((pool, modified)) = self.st.pools.replace(old, new.cloned().map(Arc::new)) else {
            return;
        };
        if modified.is_empty() {
            return;
        }
        let using: Vec<_> =
            self.st
                .allocated_claims
                .iter()
                .filter(|(_, c)| {
                    c.claim.allocation.iter().flatten().any(|r| {
                        r.driver == pool.0 && r.pool == pool.1 && modified.contains(&r.device)
                    })
                })
                .map(|(k, _)| k.clone())
                .collect();
        let using = self
            .fx
            .go_order("go map order allocatedClaims (handleSliceChange)", using);
        for key in using {
            let Some(claim) = self.st.allocated_claims.get(&key).map(|c| c.claim.clone()) else {
                continue;
            };
            let eviction = self.claim_eviction_time(&claim);
            let current = self
                .st
                .allocated_claims
                .get(&key)
                .and_then(|c| c.eviction.as_ref());
            if EvictionAndReason::equal(eviction.as_ref(), current) {
                continue;
            }
            if let Some(c) = self.st.allocated_claims.get_mut(&key) {
                c.eviction = eviction;
            }
            self.handle_pods(&claim);
        }
    }
}
