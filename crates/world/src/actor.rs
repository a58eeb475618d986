//! The scenario actor: a simulated task that performs the scenario's steps in order, one
//! scheduling step each, and blocks on `wait-until` and `assert-eventually` until the world
//! catches up (it is woken after every simulator step to look again).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use taintsim_api::{Kind, Object, Preconditions, object_key, push_object_key, resource};
use taintsim_seam::runtime::{BoxFuture, Runtime, StepDetail, StepLabel, Touch, touch};
use taintsim_seam::sync::Mutex;

use taintsim_scenario::format::{ActorStep, Check, Eventually, ObjectRef};

/// The resource that conflicts with every other (see `taintsim_sim::strategy::WORLD`).
const WORLD: &str = taintsim_sim::strategy::WORLD;
use crate::assertions::{Waiting, WorldView};
use crate::faults::Faults;

/// The actor's name in the trace and decision log. The simulator is told that a time jump
/// never reaches this actor's own sleeps (`SimConfig::jump_bounding_actors`): its `advance`
/// and the timeouts of its waits pass only while nothing else can run.
pub const ACTOR_NAME: &str = "scenario";

/// How the actor reports that it failed and where it is waiting.
#[derive(Default)]
pub struct ActorState {
    /// The first failure: an assertion, a timed-out wait, or a rejected write.
    pub failure: Option<ActorFailure>,
    /// The waker of a blocked wait, woken by the runner after every step.
    pub waiter: Option<Waker>,
    /// How many steps the actor has completed.
    pub completed: usize,
}

/// Why the actor stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorFailure {
    /// An `assert-now` or `assert-eventually` did not hold.
    Assertion(String),
    /// A `wait-until` or `wait-for-sync` timed out, or the API server rejected a write.
    Step(String),
}

/// Shared between the actor task and the runner.
pub type SharedActor = Arc<Mutex<ActorState>>;

/// How long `wait-for-sync` waits, like upstream's `Eventually` around `hasSynced`.
const SYNC_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The label of a step in the decision log and trace.
pub fn label(step: &ActorStep) -> String {
    let mut out = String::with_capacity(64);
    push_label(&mut out, step);
    out
}

/// Appends [`label`]`(step)` to `out`. Built piece by piece: every labelled run labels every
/// step of the actor, and `format!` cost several times the appends.
fn push_label(out: &mut String, step: &ActorStep) {
    // The UID, where the file gives one, tells an object from its same-name replacement.
    let uid = |out: &mut String, uid: Option<&str>| {
        if let Some(uid) = uid {
            out.push_str(" uid=");
            out.push_str(uid);
        }
    };
    let object = |out: &mut String, verb: &str, o: &Object| {
        out.extend([verb, " ", o.kind().singular(), " "]);
        push_object_key(out, o.namespace(), o.name());
        uid(out, o.metadata().uid.as_deref());
    };
    let checks = |out: &mut String, verb: &str, checks: &[Check]| {
        out.push_str(verb);
        out.push(' ');
        push_describe(out, checks);
    };
    match step {
        ActorStep::WaitForSync => out.push_str("wait-for-sync"),
        ActorStep::Create(o) => object(out, "create", &o.0),
        ActorStep::Update(o) => object(out, "update", &o.0),
        ActorStep::UpdateStatus(o) => object(out, "update-status", &o.0),
        ActorStep::Delete(r) => {
            out.extend(["delete ", Kind::from(r.kind).singular(), " "]);
            push_key(out, r);
            uid(out, r.uid.as_deref());
        }
        ActorStep::Advance(d) => out.push_str(&format!("advance {d}")),
        ActorStep::AdvanceTo(at) => out.push_str(&format!("advance-to {at}")),
        ActorStep::SetFault(f) => out.push_str(&format!("set-fault {}", f.name)),
        ActorStep::ClearFault(n) => out.push_str(&format!("clear-fault {n}")),
        ActorStep::AssertNow(c) => checks(out, "assert-now", c),
        ActorStep::AssertEventually(e) => checks(out, "assert-eventually", &e.checks),
        ActorStep::WaitUntil(e) => checks(out, "wait-until", &e.checks),
        ActorStep::StopController => out.push_str("stop-controller"),
        ActorStep::Atomic(group) => {
            out.push_str("atomic [");
            for (i, step) in group.iter().enumerate() {
                if i > 0 {
                    out.push_str("; ");
                }
                push_label(out, step);
            }
            out.push(']');
        }
    }
}

/// What a write step is about, as data: the verb, kind and key of its [`label`].
fn detail(step: &ActorStep) -> Option<StepDetail> {
    let (verb, kind, key) = match step {
        ActorStep::Create(o) => ("create", o.0.kind(), o.0.key()),
        ActorStep::Update(o) => ("update", o.0.kind(), o.0.key()),
        ActorStep::UpdateStatus(o) => ("update-status", o.0.kind(), o.0.key()),
        ActorStep::Delete(r) => ("delete", r.kind.into(), key(r)),
        _ => return None,
    };
    Some(StepDetail::Write {
        verb: verb.to_owned(),
        kind: kind.singular().to_owned(),
        key,
    })
}

fn push_describe(out: &mut String, checks: &[Check]) {
    for (i, check) in checks.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match check {
            Check::PodPresent(p) => out.extend(["pod-present ", p]),
            Check::PodAbsent(p) => out.extend(["pod-absent ", p]),
            Check::Events(_) => out.push_str("events"),
            Check::ApiCalls(a) => out.push_str(&format!("api-calls {:?} {:?}", a.verb, a.kind)),
            Check::Metrics(_) => out.push_str("metrics"),
            Check::Mark(m) => out.extend(["mark ", m]),
            Check::RuleCondition(r) => out.extend(["rule-condition ", &r.rule, " ", &r.type_]),
            Check::Deleted(d) => out.extend(["deleted ", &d.pod]),
            Check::PendingEvictions(_) => out.push_str("pending-evictions"),
        }
    }
}

/// `<ns>/<name>`, or `<name>` for a cluster-scoped object: the key the step labels and
/// touches name a deleted object by.
fn key(r: &ObjectRef) -> String {
    let mut key = String::new();
    push_key(&mut key, r);
    key
}

/// Appends [`key`]`(r)` to `out`.
fn push_key(out: &mut String, r: &ObjectRef) {
    if let Some(ns) = &r.namespace {
        out.extend([ns.as_str(), "/"]);
    }
    out.push_str(&r.name);
}

/// The resources a step reads or writes (for the trace and partial-order reduction). A write
/// also touches `watch/<plural>`: it appends to the kind's watch stream, so two writes of one
/// kind reach the informer in the order they ran.
pub fn touches(step: &ActorStep) -> Vec<Touch> {
    match step {
        ActorStep::Create(o) | ActorStep::Update(o) | ActorStep::UpdateStatus(o) => {
            vec![written(&o.0), resource::watch_log(o.0.kind())]
        }
        ActorStep::Delete(r) => vec![
            resource::object(r.kind.into(), &key(r)),
            resource::watch_log(r.kind.into()),
        ],
        ActorStep::Advance(_) | ActorStep::AdvanceTo(_) => Vec::new(),
        // The work after the step reads `hasSynced`, set in the `controller` task's step.
        ActorStep::WaitForSync => vec![Touch::new_static("controller")],
        // The work after the step evaluates the checks once (later evaluations of a blocked
        // check happen between steps: see `runner::observed_resources`).
        ActorStep::AssertNow(checks)
        | ActorStep::AssertEventually(Eventually { checks, .. })
        | ActorStep::WaitUntil(Eventually { checks, .. }) => {
            let mut reads: Vec<Touch> = checks.iter().map(check_read).collect();
            reads.sort();
            reads.dedup();
            reads
        }
        // Faults change how many parts of the world behave; stopping the controller wakes
        // every task it runs.
        ActorStep::SetFault(_) | ActorStep::ClearFault(_) | ActorStep::StopController => {
            vec![Touch::new_static(WORLD)]
        }
        // One step does what each of its parts does.
        ActorStep::Atomic(group) => {
            let mut all: Vec<Touch> = group.iter().flat_map(touches).collect();
            all.sort();
            all.dedup();
            all
        }
    }
}

/// The resource a write of `o` touches: the object as the server stores it (a namespaced
/// object without a namespace goes to `default`), or, when the server generates its name, its
/// namespace (its kind, if cluster-scoped).
fn written(o: &Object) -> Touch {
    let kind = o.kind();
    let namespace = match (kind.is_namespaced(), o.namespace()) {
        (false, _) => "",
        (true, "") => "default",
        (true, ns) => ns,
    };
    match (o.name(), namespace) {
        ("", "") => Touch::new_static(kind.singular()),
        ("", ns) => resource::namespace(kind, ns),
        (name, ns) => resource::object(kind, &object_key(ns, name)),
    }
}

/// The resource evaluating `check` reads, as a step touch (one per check):
/// - `pod-present` / `pod-absent` read `pod/<ns>/<name>`;
/// - `events` reads the Event objects of the involved object's namespace, `event/<ns>` (all of
///   `event` without `involved`);
/// - `metrics` reads the metrics, which change only in the work after a pod DELETE's response
///   step, which touches `pod/<ns>/<name>`: so `pod`;
/// - `deleted` reads `pod/<ns>/<name>` (see below);
/// - `api-calls`, `mark` and `pending-evictions` read what nearly any step changes: `world`;
/// - `rule-condition` reads the rule, `devicetaintrule/<name>`.
pub fn check_read(check: &Check) -> Touch {
    let pod = |key: &str| {
        let (ns, name) = key.split_once('/').unwrap_or(("default", key));
        // `pod/<ns>/<name>` as `resource::object` names it, without the key's own string.
        match ns {
            "" => touch(&[Kind::Pod.singular(), name]),
            ns => touch(&[Kind::Pod.singular(), ns, name]),
        }
    };
    match check {
        Check::PodPresent(key) | Check::PodAbsent(key) => pod(key),
        Check::Events(filter) => match filter.involved.as_deref() {
            Some(key) => {
                let ns = key.split_once('/').map_or("default", |(ns, _)| ns);
                resource::namespace(Kind::Event, ns)
            }
            None => Touch::new_static(Kind::Event.singular()),
        },
        Check::Metrics(_) => Touch::new_static(Kind::Pod.singular()),
        // The record of an accepted DELETE is written in the work after its response step,
        // which touches the pod.
        Check::Deleted(d) => pod(&d.pod),
        // The controller's own state, behind whatever resources the plug-in's steps name.
        Check::ApiCalls(_) | Check::Mark(_) | Check::PendingEvictions(_) => {
            Touch::new_static(WORLD)
        }
        Check::RuleCondition(r) => resource::object(Kind::DeviceTaintRule, &r.rule),
    }
}

/// Everything the actor task owns.
pub struct Actor {
    /// The runtime.
    pub rt: Arc<dyn Runtime>,
    /// The world, read-only.
    pub view: WorldView,
    /// Installed faults; they outlive the actor (the runner keeps them for the whole run).
    pub faults: Arc<Mutex<Faults>>,
    /// Shared with the runner.
    pub state: SharedActor,
}

impl Actor {
    /// Runs `steps`; the task to spawn as `scenario`.
    pub fn run(self, steps: impl Into<Arc<[ActorStep]>>) -> BoxFuture<()> {
        let steps: Arc<[ActorStep]> = steps.into();
        Box::pin(async move {
            for step in steps.iter() {
                let rt = self.rt.as_ref();
                let mut label = StepLabel::lazy(rt, || label(step), || touches(step));
                if rt.wants_labels() {
                    label.detail = detail(step).map(Box::new);
                }
                self.rt.step(label).await;
                if let Err(failure) = self.perform(step).await {
                    self.state.lock().failure = Some(failure);
                    return;
                }
                self.state.lock().completed += 1;
            }
        })
    }

    /// Performs one step (after its scheduling step), as [`Actor::run`] does.
    pub async fn perform(&self, step: &ActorStep) -> Result<(), ActorFailure> {
        match step {
            ActorStep::WaitForSync => {
                let view = &self.view;
                let synced = self
                    .wait(Box::new(move || view.has_synced()), SYNC_TIMEOUT)
                    .await;
                if !synced {
                    return Err(ActorFailure::Step(
                        "the controller did not sync within 30s".into(),
                    ));
                }
            }
            ActorStep::Advance(d) => self.rt.sleep(d.0).await,
            ActorStep::AdvanceTo(at) => {
                let now = self.rt.now();
                let left = at.duration_since(now);
                if left.is_negative() {
                    return Err(ActorFailure::Step(format!(
                        "advance-to {at}: the run is already at {now}"
                    )));
                }
                self.rt.sleep(left.unsigned_abs()).await;
            }
            ActorStep::AssertEventually(e) | ActorStep::WaitUntil(e) => {
                self.eventually(step, e).await?;
            }
            ActorStep::StopController => {
                let returned = StopWithin {
                    stop: self.view.controller.stop(),
                    deadline: self.rt.sleep(SYNC_TIMEOUT),
                }
                .await;
                if !returned {
                    return Err(ActorFailure::Step(
                        "the controller's Run did not return within 30s of stop-controller".into(),
                    ));
                }
                // Runs where `Run` returned: the controller's last step touches `world`.
                self.view.reset_calls();
            }
            // No await between the parts: no other task runs until the group ends.
            ActorStep::Atomic(group) => group.iter().try_for_each(|s| self.perform_now(s))?,
            _ => self.perform_now(step)?,
        }
        Ok(())
    }

    /// Performs a step that does not wait: a write, a fault, or `assert-now`.
    fn perform_now(&self, step: &ActorStep) -> Result<(), ActorFailure> {
        let server = &self.view.server;
        let rejected = |e: taintsim_api::ApiError| {
            ActorFailure::Step(format!("{} rejected: {e}", label(step)))
        };
        match step {
            ActorStep::Create(o) => drop(server.create(o.0.clone()).map_err(rejected)?),
            ActorStep::Update(o) => drop(server.update(o.0.clone()).map_err(rejected)?),
            ActorStep::UpdateStatus(o) => {
                drop(server.update_status(o.0.clone()).map_err(rejected)?);
            }
            ActorStep::Delete(r) => {
                let pre = Preconditions {
                    uid: r.uid.clone(),
                    resource_version: None,
                };
                let ns = r.namespace.as_deref().unwrap_or_default();
                server
                    .delete(r.kind.into(), ns, &r.name, &pre)
                    .map_err(rejected)?;
            }
            ActorStep::SetFault(f) => self.faults.lock().set(f).map_err(ActorFailure::Step)?,
            ActorStep::ClearFault(name) => {
                self.faults.lock().clear(name);
            }
            ActorStep::AssertNow(checks) => {
                self.view
                    .check_all(checks)
                    .map_err(|e| ActorFailure::Assertion(format!("{}: {e}", label(step))))?;
            }
            // Loading refuses a group with a step that waits (`taintsim_scenario::steps`).
            other => {
                return Err(ActorFailure::Step(format!(
                    "{} cannot run inside an atomic group: it waits",
                    label(other)
                )));
            }
        }
        Ok(())
    }

    async fn eventually(&self, step: &ActorStep, e: &Eventually) -> Result<(), ActorFailure> {
        // The condition borrows the view and the checks (the wait ends within the step)
        // instead of copying them for every wait.
        let waiting = Waiting::new(&self.view, &e.checks);
        let held = self
            .wait(Box::new(move || waiting.holds()), e.within.0)
            .await;
        if held {
            return Ok(());
        }
        let why = self.view.check_all(&e.checks).err().unwrap_or_default();
        let message = format!("{} did not hold within {}: {why}", label(step), e.within);
        Err(match step {
            ActorStep::WaitUntil(_) => ActorFailure::Step(message),
            _ => ActorFailure::Assertion(message),
        })
    }

    /// Completes with `true` once `cond` holds, or `false` after `within` of virtual time.
    fn wait<'a>(
        &self,
        cond: Box<dyn Fn() -> bool + Send + 'a>,
        within: std::time::Duration,
    ) -> impl Future<Output = bool> + Send + 'a {
        WaitFor {
            cond,
            deadline: self.rt.sleep(within),
            state: self.state.clone(),
        }
    }
}

/// Completes with `true` once the controller's `Run` has returned, or `false` at the deadline.
struct StopWithin {
    stop: BoxFuture<()>,
    deadline: BoxFuture<()>,
}

impl Future for StopWithin {
    type Output = bool;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        if self.stop.as_mut().poll(cx).is_ready() {
            return Poll::Ready(true);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(false);
        }
        Poll::Pending
    }
}

struct WaitFor<'a> {
    cond: Box<dyn Fn() -> bool + Send + 'a>,
    deadline: BoxFuture<()>,
    state: SharedActor,
}

impl Future for WaitFor<'_> {
    type Output = bool;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        if (self.cond)() {
            self.state.lock().waiter = None;
            return Poll::Ready(true);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.state.lock().waiter = None;
            return Poll::Ready(false);
        }
        self.state.lock().waiter = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: serde_json::Value) -> Object {
        Object::from_value(value).expect("an object")
    }

    #[test]
    fn a_write_should_touch_the_object_as_the_server_stores_it() {
        let pod = |meta: serde_json::Value| {
            object(serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta}))
        };
        assert_eq!(
            written(&pod(serde_json::json!({"name": "p", "namespace": "ns"}))),
            "pod/ns/p"
        );
        assert_eq!(
            written(&pod(serde_json::json!({"name": "p"}))),
            "pod/default/p"
        );
        assert_eq!(
            written(&pod(
                serde_json::json!({"generateName": "p-", "namespace": "ns"})
            )),
            "pod/ns"
        );
        let slice = object(serde_json::json!({
            "apiVersion": "resource.k8s.io/v1beta1", "kind": "ResourceSlice",
            "metadata": {"generateName": "s-"},
            "spec": {"driver": "d", "pool": {"name": "p", "generation": 1, "resourceSliceCount": 1}}
        }));
        assert_eq!(written(&slice), "resourceslice");
    }

    /// Labels are built piece by piece; each kind of step against the text the trace has
    /// always shown for it.
    #[test]
    fn labels_should_read_as_the_trace_shows_them() {
        let step = |value: serde_json::Value| -> ActorStep {
            serde_json::from_value(value).expect("a step")
        };
        let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "ns", "uid": "u1"}});
        let cases = [
            (serde_json::json!("wait-for-sync"), "wait-for-sync"),
            (serde_json::json!({"create": pod}), "create pod ns/p uid=u1"),
            (
                serde_json::json!({"update-status": {"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": "p"}}}),
                "update-status pod p",
            ),
            (
                serde_json::json!({"delete": {"kind": "Pod", "namespace": "ns", "name": "p",
                    "uid": "u2"}}),
                "delete pod ns/p uid=u2",
            ),
            (
                serde_json::json!({"delete": {"kind": "ResourceSlice", "name": "s"}}),
                "delete resourceslice s",
            ),
            (
                serde_json::json!({"atomic": [
                    {"delete": {"kind": "Pod", "namespace": "ns", "name": "p"}},
                    {"create": pod}]}),
                "atomic [delete pod ns/p; create pod ns/p uid=u1]",
            ),
            (
                serde_json::json!({"assert-now": [{"pod-absent": "ns/p"}, {"mark": "m"},
                    {"rule-condition": {"rule": "r"}}, {"deleted": {"pod": "ns/p"}},
                    {"events": {"objects": 1}}]}),
                "assert-now pod-absent ns/p, mark m, rule-condition r EvictionInProgress, \
                 deleted ns/p, events",
            ),
            (serde_json::json!({"advance": "5s"}), "advance 5s"),
            (serde_json::json!("stop-controller"), "stop-controller"),
        ];
        for (value, want) in cases {
            assert_eq!(label(&step(value)), want);
        }
    }
}
