//! `handleSliceChange` (`device_taint_eviction.go` @ ab3cec07).

use std::collections::BTreeSet;

use smol_str::SmolStr;

use tracing::debug;

use super::Locked;
use crate::model::{AllocationResult, Slice};
use crate::pools::{PoolId, modified_devices};

impl Locked<'_> {
    pub(super) fn handle_slice_change(&mut self, old: Option<&Slice>, new: Option<&Slice>) {
        let Some(change) = self.st.pools.apply(old, new) else {
            return;
        };
        debug!(pool = %change.pool, "ResourceSlice changed");
        if change.before.is_empty() && change.after.is_empty() {
            return;
        }
        let modified = modified_devices(&change.before, &change.after);

        // Every claim that uses a modified device gets a new eviction time; only a change
        // leads to handling its pods.
        let affected: Vec<_> = self
            .st
            .allocated_claims
            .iter()
            .filter(|(_, c)| uses_device(c.claim.allocation.as_deref(), &change.pool, &modified))
            .map(|(key, _)| key.clone())
            .collect();
        for key in affected {
            let Some(current) = self.st.allocated_claims.get(&key) else {
                continue;
            };
            let claim = current.claim.clone();
            let eviction_time = self.eviction_time(&claim);
            if eviction_time == current.eviction_time {
                continue;
            }
            if let Some(entry) = self.st.allocated_claims.get_mut(&key) {
                entry.eviction_time = eviction_time;
            }
            self.handle_pods(&claim);
        }
    }
}

/// `usesDevice`: whether the allocation has a device of `pool` in `modified`.
fn uses_device(
    allocation: Option<&[AllocationResult]>,
    pool: &PoolId,
    modified: &BTreeSet<SmolStr>,
) -> bool {
    allocation
        .unwrap_or_default()
        .iter()
        .any(|r| r.driver == pool.driver && r.pool == pool.pool && modified.contains(&r.device))
}
