//! `handleClaimChange` and `handlePods`.

use std::sync::Arc;

use super::eviction::{PODGROUPS, SCHEDULING_GROUP, claim_eviction_time};
use super::model::pod_group_name;
use super::state::{AllocatedClaim, ClaimKey};
use super::{Handlers, MARK_HANDLE_PODS_CONTINUE};
use crate::model::{Claim, pod_uid};

fn key(claim: &Claim) -> ClaimKey {
    (claim.namespace.clone(), claim.name.clone())
}

impl Handlers<'_> {
    /// `claimEvictionTime` against the current pools and rules.
    pub(crate) fn claim_eviction_time(
        &self,
        claim: &Claim,
    ) -> Option<super::reason::EvictionAndReason> {
        claim_eviction_time(claim, &self.st.pools, &self.st.rules(), self.fx.chooser())
    }

    /// `handleClaimChange`.
    pub(crate) fn handle_claim_change(&mut self, old: Option<&Claim>, new: Option<&Claim>) {
        match (old, new) {
            (None, None) => {}
            (Some(old), None) => {
                self.st.allocated_claims.remove(&key(old));
                self.handle_pods(old);
            }
            (None, Some(new)) => {
                if new.allocation.is_none() {
                    return;
                }
                let eviction = self.claim_eviction_time(new);
                self.store(new, eviction);
                self.handle_pods(new);
            }
            (Some(old), Some(new)) if old.uid != new.uid => {
                // A new claim under the same name: the old one is gone.
                self.handle_claim_change(Some(old), None);
                self.handle_claim_change(None, Some(new));
            }
            (Some(old), Some(new)) => {
                match (old.allocation.is_some(), new.allocation.is_some()) {
                    (false, true) => {
                        let eviction = self.claim_eviction_time(new);
                        self.store(new, eviction);
                    }
                    (true, false) => {
                        self.st.allocated_claims.remove(&key(new));
                    }
                    (true, true) => {
                        // The allocation is immutable: keep the eviction computed for it.
                        let eviction = self
                            .st
                            .allocated_claims
                            .get(&key(new))
                            .and_then(|c| c.eviction.clone());
                        self.store(new, eviction);
                    }
                    (false, false) => return,
                }
                if old.reserved_for != new.reserved_for {
                    self.handle_pods(old);
                }
                self.handle_pods(new);
            }
        }
    }

    fn store(&mut self, claim: &Claim, eviction: Option<super::reason::EvictionAndReason>) {
        self.st.allocated_claims.insert(
            key(claim),
            AllocatedClaim {
                claim: Arc::new(claim.clone()),
                eviction,
            },
        );
    }

    /// `handlePods`: every pod consumer of the claim (looked up in the pod cache; one that is
    /// missing or has another UID is skipped, #135686) and, with workload claims, every pod of
    /// a PodGroup consumer.
    pub(crate) fn handle_pods(&mut self, claim: &Claim) {
        for consumer in &claim.reserved_for {
            if consumer.is_pod() {
                match self.fx.pods.get(&claim.namespace, &consumer.name) {
                    Some(pod) if pod_uid(&pod) == consumer.uid => self.handle_pod(&pod),
                    _ => self.fx.mark(MARK_HANDLE_PODS_CONTINUE),
                }
            } else if consumer.api_group == SCHEDULING_GROUP && consumer.resource == PODGROUPS {
                if !self.fx.config.workload_resource_claims {
                    continue;
                }
                // The pod informer's `podGroupPerPod` index, `<namespace>/<podGroupName>`.
                let members: Vec<_> = self
                    .fx
                    .pods
                    .list()
                    .into_iter()
                    .filter(|p| {
                        p.metadata.namespace.as_deref().unwrap_or_default() == claim.namespace
                            && pod_group_name(p) == consumer.name
                    })
                    .collect();
                let members = self.fx.go_order(
                    &format!(
                        "go map order podGroupPerPod {}/{}",
                        claim.namespace, consumer.name
                    ),
                    members,
                );
                for pod in &members {
                    self.handle_pod(pod);
                }
            }
        }
    }
}
