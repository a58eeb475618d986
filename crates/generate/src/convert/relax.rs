//! Which writes may postpone or cancel an eviction.

use super::*;

/// Whether going from `before` to `after` may postpone or cancel some eviction: a device
/// removed (with the taints a rule may be adding to it), a NoExecute taint removed or given a
/// later time, a pool generation changed, a DeviceTaintRule changed
/// or removed, a claim removed, deallocated or reserved for fewer pods, a pod's claim status
/// changed. Anything else only adds taints, allocations, reservations, pods or scheduling,
/// which can only make evictions earlier, in any combination.
pub(super) fn relaxes(before: &ApiServer, after: &ApiServer) -> bool {
    // Slices as the controller sees them, with the rules' taints merged in.
    let slices = |s: &ApiServer| -> BTreeMap<String, Slice> {
        let rules: Vec<Rule> = s
            .peek_all(Kind::DeviceTaintRule)
            .iter()
            .filter_map(Rule::read)
            .collect();
        s.peek_all(Kind::ResourceSlice)
            .iter()
            .filter_map(Slice::read)
            .map(|s| (s.name.clone(), s.with_rules(&rules)))
            .collect()
    };
    let (old_slices, new_slices) = (slices(before), slices(after));
    for (name, old) in &old_slices {
        let Some(new) = new_slices.get(name) else {
            return true;
        };
        if new.generation != old.generation {
            return true;
        }
        for d in &old.devices {
            // A removed device also loses the taints a rule may be adding at the same time.
            if new.device(&d.name).is_none() {
                return true;
            }
            for t in d
                .taints
                .iter()
                .flatten()
                .filter(|t| t.effect == "NoExecute")
            {
                let kept = new
                    .device(&d.name)
                    .and_then(|n| n.taints.as_ref())
                    .is_some_and(|ts| {
                        ts.iter().any(|n| {
                            n.key == t.key
                                && n.value == t.value
                                && n.effect == t.effect
                                && n.time_added <= t.time_added
                        })
                    });
                if !kept {
                    return true;
                }
            }
        }
    }
    for (name, new) in &new_slices {
        let max = old_slices
            .values()
            .filter(|s| s.pool == new.pool)
            .map(|s| s.generation)
            .max();
        if !old_slices.contains_key(name) && max.is_some_and(|g| new.generation > g) {
            return true;
        }
    }
    let rules = |s: &ApiServer| -> BTreeMap<String, Rule> {
        s.peek_all(Kind::DeviceTaintRule)
            .iter()
            .filter_map(Rule::read)
            .map(|r| (r.name.clone(), r))
            .collect()
    };
    let new_rules = rules(after);
    if rules(before)
        .iter()
        .any(|(name, old)| new_rules.get(name) != Some(old))
    {
        return true;
    }
    let claims = |s: &ApiServer| -> BTreeMap<String, Claim> {
        s.peek_all(Kind::ResourceClaim)
            .iter()
            .filter_map(Claim::read)
            .map(|c| (c.name.clone(), c))
            .collect()
    };
    let new_claims = claims(after);
    for (name, old) in claims(before) {
        let Some(new) = new_claims.get(&name) else {
            return true;
        };
        if new.uid != old.uid
            || (old.allocation.is_some() && new.allocation.is_none())
            || old
                .reserved_for
                .iter()
                .any(|c| !new.reserved_for.contains(c))
        {
            return true;
        }
    }
    for old in before.peek_all(Kind::Pod) {
        let Some(new) = after.peek(Kind::Pod, old.namespace(), old.name()) else {
            continue;
        };
        let statuses = |o: &Object| match o {
            Object::Pod(p) => p
                .status
                .as_ref()
                .and_then(|s| s.resource_claim_statuses.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let new_statuses = statuses(&new);
        if new.uid() == old.uid() && statuses(&old).iter().any(|s| !new_statuses.contains(s)) {
            return true;
        }
    }
    false
}
