//! The event half of shrinking: delta debugging over actor steps and initial objects, then
//! simplification of the Kubernetes objects that are left (those no later step updates).

use std::ops::Range;

use serde_json::Value;
use taintsim_api::Object;

use super::{Current, Phase, Shrinker};
use taintsim_check::RunError;
use taintsim_scenario::format::{ActorStep, Scenario};
use taintsim_scenario::object::KubeObject;

/// The list of a scenario that delta debugging cuts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    /// `steps`.
    Steps,
    /// `objects`.
    Objects,
}

impl Part {
    fn len(self, s: &Scenario) -> usize {
        match self {
            Part::Steps => s.steps.len(),
            Part::Objects => s.objects.len(),
        }
    }

    /// `s` without the elements in `range`; `None` if there is nothing new to try. A
    /// scenario keeps at least one step (bundled files must have one, CI checks it): emptying
    /// the steps leaves a lone `wait-for-sync`.
    fn without(self, s: &Scenario, range: Range<usize>) -> Option<Scenario> {
        let mut c = s.clone();
        match self {
            Part::Steps => {
                c.steps.drain(range);
                if c.steps.is_empty() {
                    if matches!(s.steps.as_slice(), [ActorStep::WaitForSync]) {
                        return None;
                    }
                    c.steps.push(ActorStep::WaitForSync);
                }
            }
            Part::Objects => {
                c.objects.drain(range);
            }
        }
        Some(c)
    }
}

/// Where a Kubernetes object sits in a scenario.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Object(usize),
    Step(usize),
}

/// Which object a written object is: kind, namespace and name.
fn key(o: &KubeObject) -> (String, String, String) {
    (
        o.0.kind().name().to_owned(),
        o.0.namespace().to_owned(),
        o.0.name().to_owned(),
    )
}

impl Slot {
    /// The objects that may be simplified: initial objects and created ones, unless a later
    /// step updates the same object. Kubernetes makes parts of an object immutable (a claim's
    /// allocation, a pod's claims); simplifying one write of a chain of writes could make a
    /// later write change them, a world Kubernetes does not allow, and a failure in such a
    /// world would not be the controller's.
    fn all(s: &Scenario) -> Vec<Slot> {
        let updated_later = |from: usize, k: &(String, String, String)| {
            s.steps[from..].iter().any(|step| match step {
                ActorStep::Update(o) | ActorStep::UpdateStatus(o) => &key(o) == k,
                _ => false,
            })
        };
        let objects = s
            .objects
            .iter()
            .enumerate()
            .filter(|(_, o)| !updated_later(0, &key(o)))
            .map(|(i, _)| Slot::Object(i));
        let created = s
            .steps
            .iter()
            .enumerate()
            .filter_map(|(i, step)| match step {
                ActorStep::Create(o) if !updated_later(i + 1, &key(o)) => Some(Slot::Step(i)),
                _ => None,
            });
        objects.chain(created).collect()
    }

    fn get(self, s: &Scenario) -> Option<&KubeObject> {
        match self {
            Slot::Object(i) => s.objects.get(i),
            Slot::Step(i) => match s.steps.get(i)? {
                ActorStep::Create(o) => Some(o),
                _ => None,
            },
        }
    }

    fn set(self, s: &mut Scenario, object: KubeObject) {
        match self {
            Slot::Object(i) => s.objects[i] = object,
            Slot::Step(i) => {
                if let ActorStep::Create(o) = &mut s.steps[i] {
                    *o = object;
                }
            }
        }
    }
}

/// Every way to drop one element of one list in `value` (devices, taints, tolerations,
/// results, `reservedFor`, a pod's claims and their statuses...), outside `metadata` and a
/// pod's containers (which identify the object or which every pod needs), deepest lists
/// last, in document order.
fn list_removals(value: &Value) -> Vec<Value> {
    let mut paths = Vec::new();
    collect_lists(value, String::new(), &mut paths);
    let mut out = Vec::new();
    for (path, len) in paths {
        for i in 0..len {
            let mut v = value.clone();
            if let Some(Value::Array(a)) = v.pointer_mut(&path) {
                a.remove(i);
                out.push(v);
            }
        }
    }
    out
}

fn collect_lists(value: &Value, at: String, out: &mut Vec<(String, usize)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if (at.is_empty() && k == "metadata") || k == "containers" {
                    continue;
                }
                collect_lists(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            if !items.is_empty() {
                out.push((at.clone(), items.len()));
            }
            for (i, v) in items.iter().enumerate() {
                collect_lists(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

impl Shrinker<'_> {
    /// ddmin over one list: drop chunks of half the list, then of a quarter, ... down to
    /// single elements, keeping every cut after which the failure stays the same.
    pub(super) fn ddmin(&mut self, part: Part, current: &mut Current) -> Result<bool, RunError> {
        let mut progressed = false;
        let mut chunk = (part.len(&current.scenario) / 2).max(1);
        loop {
            let mut i = 0;
            while i < part.len(&current.scenario) && self.budget_left() {
                let end = (i + chunk).min(part.len(&current.scenario));
                let Some(candidate) = part.without(&current.scenario, i..end) else {
                    i += chunk;
                    continue;
                };
                if let Some(r) = self.reproduce(&candidate, &current.result.report.decisions)? {
                    *current = Current {
                        scenario: candidate,
                        result: r,
                    };
                    progressed = true;
                    self.report(Phase::Events, current);
                } else {
                    i += chunk;
                }
            }
            if chunk == 1 || !self.budget_left() {
                return Ok(progressed);
            }
            chunk = (chunk / 2).max(1);
        }
    }

    /// Drops list elements inside the remaining Kubernetes objects, one at a time, while the
    /// failure stays the same.
    pub(super) fn simplify(&mut self, current: &mut Current) -> Result<bool, RunError> {
        let mut progressed = false;
        for slot in Slot::all(&current.scenario) {
            'object: while let Some(object) = slot.get(&current.scenario) {
                for value in list_removals(&object.0.to_value()) {
                    if !self.budget_left() {
                        return Ok(progressed);
                    }
                    // A cut that no longer decodes as its kind is not a candidate.
                    let Ok(simpler) = Object::from_value(value) else {
                        continue;
                    };
                    let mut candidate = current.scenario.clone();
                    slot.set(&mut candidate, KubeObject(simpler));
                    if let Some(r) = self.reproduce(&candidate, &current.result.report.decisions)? {
                        *current = Current {
                            scenario: candidate,
                            result: r,
                        };
                        progressed = true;
                        self.report(Phase::Simplify, current);
                        continue 'object;
                    }
                }
                break;
            }
        }
        Ok(progressed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn list_removals_should_skip_metadata_and_containers() {
        let pod = json!({
            "metadata": {"name": "p", "ownerReferences": [{"name": "x"}]},
            "spec": {"containers": [{"name": "c"}], "resourceClaims": [{"name": "a"}, {"name": "b"}]}
        });
        let cuts = list_removals(&pod);
        assert_eq!(cuts.len(), 2);
        assert_eq!(cuts[0]["spec"]["resourceClaims"], json!([{"name": "b"}]));
        assert_eq!(cuts[1]["spec"]["resourceClaims"], json!([{"name": "a"}]));
        assert!(cuts.iter().all(|c| c["metadata"] == pod["metadata"]));
    }

    #[test]
    fn steps_should_never_become_empty() {
        let mut s: Scenario = serde_json::from_value(json!({
            "version": 1, "name": "n", "steps": ["wait-for-sync"]
        }))
        .expect("a scenario");
        assert!(Part::Steps.without(&s, 0..1).is_none());
        s.steps = vec![ActorStep::Advance(
            taintsim_scenario::duration::ScenarioDuration(std::time::Duration::from_secs(1)),
        )];
        let c = Part::Steps.without(&s, 0..1).expect("a candidate");
        assert!(matches!(c.steps.as_slice(), [ActorStep::WaitForSync]));
    }
}
