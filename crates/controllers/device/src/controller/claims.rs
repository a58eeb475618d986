//! `handleClaimChange` (`device_taint_eviction.go` @ ab3cec07).

use tracing::debug;

use super::{AllocatedClaim, Locked};
use crate::model::Claim;

impl Locked<'_> {
    pub(super) fn handle_claim_change(&mut self, old: Option<&Claim>, new: Option<&Claim>) {
        let Some(claim) = new.or(old) else {
            return;
        };
        let key = (claim.namespace.clone(), claim.name.clone());
        debug!(claim = %claim.key(), deleted = new.is_none(), added = old.is_none(), "ResourceClaim changed");
        let (old, new) = match (old, new) {
            (None, None) => return,
            (Some(old), None) => {
                self.st.allocated_claims.remove(&key);
                self.handle_pods(old);
                return;
            }
            (None, Some(new)) => {
                if new.allocation.is_none() {
                    return;
                }
                let eviction_time = self.eviction_time(new);
                self.st.allocated_claims.insert(
                    key,
                    AllocatedClaim {
                        claim: new.clone(),
                        eviction_time,
                    },
                );
                self.handle_pods(new);
                return;
            }
            (Some(old), Some(new)) => (old, new),
        };

        // Same name, another object: unlikely, but handle it as remove + add.
        if old.uid != new.uid {
            self.handle_claim_change(Some(old), None);
            self.handle_claim_change(None, Some(new));
            return;
        }

        match (old.allocation.is_some(), new.allocation.is_some()) {
            (false, true) => {
                let eviction_time = self.eviction_time(new);
                self.st.allocated_claims.insert(
                    key,
                    AllocatedClaim {
                        claim: new.clone(),
                        eviction_time,
                    },
                );
            }
            (true, false) => {
                self.st.allocated_claims.remove(&key);
            }
            (true, true) => {
                // The allocation is immutable, so the eviction time cannot have changed.
                let eviction_time = self
                    .st
                    .allocated_claims
                    .get(&key)
                    .and_then(|c| c.eviction_time);
                self.st.allocated_claims.insert(
                    key,
                    AllocatedClaim {
                        claim: new.clone(),
                        eviction_time,
                    },
                );
            }
            (false, false) => return,
        }
        self.sync_both(old, new);
    }

    /// `syncBothClaims`: if `reservedFor` changed, both the old and the new consumers need a
    /// look; otherwise the list is the same and once is enough.
    fn sync_both(&mut self, old: &Claim, new: &Claim) {
        if old.reserved_for != new.reserved_for {
            self.handle_pods(old);
            self.handle_pods(new);
        } else {
            self.handle_pods(new);
        }
    }
}
