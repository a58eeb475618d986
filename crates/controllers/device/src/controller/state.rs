//! The handler-side state of `device_taint_eviction.go` @ ab3cec07, guarded by the one handler
//! mutex, and its snapshot.

use std::collections::BTreeMap;

use jiff::Timestamp;

use smol_str::SmolStr;

use crate::model::Claim;
use crate::pools::{Pool, PoolId, Pools};

/// `(namespace, name)`: the key of `allocatedClaims`. A tuple rather than `"ns/name"` so that
/// iteration order is by namespace, then name.
pub type ClaimKey = (SmolStr, SmolStr);

/// An allocated claim and the earliest time its consumers must be evicted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocatedClaim {
    /// The last claim object seen.
    pub claim: Claim,
    /// `evictionTime`; `None` when no untolerated NoExecute taint applies.
    pub eviction_time: Option<Timestamp>,
}

/// The handler state: `allocatedClaims` and `pools`.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) allocated_claims: BTreeMap<ClaimKey, AllocatedClaim>,
    pub(crate) pools: Pools,
}

/// A copy of the handler state, for tests and oracles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateSnapshot {
    /// `allocatedClaims`, by (namespace, name).
    pub allocated_claims: BTreeMap<ClaimKey, AllocatedClaim>,
    /// `pools`, by (driver, pool name), each with its slices and maxGeneration.
    pub pools: BTreeMap<PoolId, Pool>,
}

impl StateSnapshot {
    /// A snapshot holding `claims` and the pools built from `slices` (upstream's test
    /// `initialState` and `finalState`).
    pub fn new<'a>(
        claims: impl IntoIterator<Item = AllocatedClaim>,
        slices: impl IntoIterator<Item = &'a crate::model::Slice>,
    ) -> Self {
        Self {
            allocated_claims: claims
                .into_iter()
                .map(|c| ((c.claim.namespace.clone(), c.claim.name.clone()), c))
                .collect(),
            pools: Pools::from_slices(slices).as_map().clone(),
        }
    }
}

impl State {
    pub(crate) fn snapshot(&self) -> StateSnapshot {
        StateSnapshot {
            allocated_claims: self.allocated_claims.clone(),
            pools: self.pools.as_map().clone(),
        }
    }

    pub(crate) fn restore(snapshot: StateSnapshot) -> Self {
        Self {
            allocated_claims: snapshot.allocated_claims,
            pools: Pools::from_map(snapshot.pools),
        }
    }
}
