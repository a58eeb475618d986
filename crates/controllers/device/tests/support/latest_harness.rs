//! Upstream's latest `TestController` harness (@ 051099c1) on the latest controller.
//!
//! Like upstream: the initial state is loaded directly (claims with their evictions, pools,
//! `deletePodAt`, rule stats); initial pods and rules go to the API server and the caches.
//! Each top-level event is a unit of (old, new) pairs applied in order, and a case with several
//! units runs once per permutation of them (upstream's sub-tests `"0 1 2"`, ...). Slice and
//! claim pairs go to the handlers directly; pod and rule pairs first update the API server and
//! the cache. After the events, the state and the queue (ready items and delayed items with
//! their delays, both as sets) must be the case's. Then each processing step runs the worker
//! until no item is ready, checks the state, the pods and rules in the API server and the
//! queue, lets `advance` pass and checks the queue again. Finally the recorded events are
//! compared.
//!
//! Differences from upstream's harness, none of which changes an expectation: the real
//! workqueue (on a hand-driven clock) stands in for the mock queue, so delayed items become
//! ready by the clock rather than by the test shifting them; the pod cache reads the API
//! server (upstream keeps its informer store in step with its fake API by hand, including a
//! delete reactor); the rule cache, as upstream's, never sees the status the controller
//! writes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use smol_str::SmolStr;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::resource::v1alpha3::DeviceTaintRule;
use taintsim_api::{ApiClient, ApiServer, ApiServerConfig, Kind, Object, Preconditions};
use taintsim_controller_device::latest::pools::Pools;
use taintsim_controller_device::latest::reason::{EvictionAndReason, TrackedTaint};
use taintsim_controller_device::latest::{
    AllocatedClaim, Config, Controller, Deps, PodStore, Rule, RuleStore, State as CoreState,
    WorkItem,
};
use taintsim_controller_device::metrics::Metrics;
use taintsim_controller_device::model::{Claim, Slice, pod_ref};
use taintsim_seam::runtime::{ManualRuntime, Runtime};

use super::doubles::RecordingRecorder;
use super::latest_fixtures::t0;

/// One (old, new) pair for a handler.
#[derive(Clone)]
#[allow(clippy::large_enum_variant, reason = "a few hundred test events")]
pub enum Change {
    /// A slice handler call.
    Slice(Option<Slice>, Option<Slice>),
    /// A claim handler call.
    Claim(Option<Claim>, Option<Claim>),
    /// A pod change: API server, cache, handler.
    Pod(Option<Pod>, Option<Pod>),
    /// A rule change: API server, cache, handler.
    Rule(Option<DeviceTaintRule>, Option<DeviceTaintRule>),
}

/// A top-level event: pairs applied in order.
pub type Unit = Vec<Change>;

pub fn add_slice(s: Slice) -> Unit {
    vec![Change::Slice(None, Some(s))]
}
pub fn remove_slice(s: Slice) -> Unit {
    vec![Change::Slice(Some(s), None)]
}
pub fn update_slice(a: Slice, b: Slice) -> Unit {
    vec![Change::Slice(Some(a), Some(b))]
}
pub fn add_claim(c: Claim) -> Unit {
    vec![Change::Claim(None, Some(c))]
}
pub fn remove_claim(c: Claim) -> Unit {
    vec![Change::Claim(Some(c), None)]
}
pub fn update_claim(a: Claim, b: Claim) -> Unit {
    vec![Change::Claim(Some(a), Some(b))]
}
pub fn add_pod(p: Pod) -> Unit {
    vec![Change::Pod(None, Some(p))]
}
pub fn remove_pod(p: Pod) -> Unit {
    vec![Change::Pod(Some(p), None)]
}
pub fn update_pod(a: Pod, b: Pod) -> Unit {
    vec![Change::Pod(Some(a), Some(b))]
}
pub fn add_rule(r: DeviceTaintRule) -> Unit {
    vec![Change::Rule(None, Some(r))]
}

/// A slice reason: taint `index` of `device` in (this version of) `slice`.
pub fn rs(slice: &Slice, device: &str, index: usize) -> TrackedTaint {
    TrackedTaint::Slice {
        slice: Arc::new(slice.clone()),
        device: device.into(),
        index,
    }
}

/// A rule reason.
pub fn rr(rule: &DeviceTaintRule) -> TrackedTaint {
    TrackedTaint::Rule(Arc::new(Rule::from(rule)))
}

/// `evictionAndReason{when, reasons...}`.
pub fn e(when: Timestamp, reason: Vec<TrackedTaint>) -> EvictionAndReason {
    EvictionAndReason { when, reason }
}

/// The work item of a pod.
pub fn pod_item(p: &Pod) -> WorkItem {
    WorkItem::Pod(pod_ref(p))
}

/// The work item of a rule.
pub fn rule_item(r: &DeviceTaintRule) -> WorkItem {
    let r = Rule::from(r);
    WorkItem::rule(&r.name, &r.uid)
}

/// Seconds.
pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Controller state and queue, as upstream's `state`.
#[derive(Clone, Default)]
pub struct State {
    /// Pods in the API and the cache (initial state only).
    pub pods: Vec<Pod>,
    /// Rules in the API and the cache (initial state only).
    pub rules: Vec<DeviceTaintRule>,
    /// Slices in `pools`.
    pub slices: Vec<Slice>,
    /// `allocatedClaims` with their evictions.
    pub claims: Vec<(Claim, Option<EvictionAndReason>)>,
    /// `deletePodAt`.
    pub delete_pod_at: Vec<(Pod, EvictionAndReason)>,
    /// `taintRuleStats`: evicted pods by rule UID.
    pub stats: Vec<(&'static str, u64)>,
    /// Ready items (a set).
    pub ready: Vec<WorkItem>,
    /// Delayed items with their delays (a set).
    pub later: Vec<(WorkItem, Duration)>,
}

/// A rule in the API with its one `EvictionInProgress` condition.
#[derive(Clone)]
pub struct RuleStatus {
    pub rule: DeviceTaintRule,
    pub status: &'static str,
    pub reason: &'static str,
    pub message: String,
    pub ltt: Timestamp,
}

/// `inProgress(rule, status, reason, message, ltt)`.
pub fn in_progress(
    rule: DeviceTaintRule,
    status: bool,
    reason: &'static str,
    message: &str,
    ltt: Timestamp,
) -> RuleStatus {
    RuleStatus {
        rule,
        status: if status { "True" } else { "False" },
        reason,
        message: message.to_owned(),
        ltt,
    }
}

/// A condition as compared: type, status, reason, message, observedGeneration,
/// lastTransitionTime.
type ConditionFields = (String, String, String, String, Option<i64>, Timestamp);

/// A rule's name and its conditions.
type RuleConditions = (String, Vec<ConditionFields>);

/// One processing step.
#[derive(Clone, Default)]
pub struct Step {
    pub stats: Vec<(&'static str, u64)>,
    pub delete_pod_at: Vec<(Pod, EvictionAndReason)>,
    /// Pods in the API afterwards.
    pub pods: Vec<Pod>,
    /// Rules in the API afterwards.
    pub rules: Vec<RuleStatus>,
    /// The queue after processing: (ready, later).
    pub processed: (Vec<WorkItem>, Vec<(WorkItem, Duration)>),
    pub advance: Duration,
    /// The queue after `advance`.
    pub shifted: (Vec<WorkItem>, Vec<(WorkItem, Duration)>),
}

/// An event upstream's FakeRecorder records: (namespace, name, uid, message).
pub type Ev = (&'static str, &'static str, &'static str, &'static str);

pub const CANCEL_POD_EVICTION: Ev = ("default", "my-pod", "1234", "Cancelling deletion");
pub const DELETE_POD_EVENT: Ev = ("default", "my-pod", "1234", "Marking for deletion");
pub const DELETE_POD_EVENT_OTHER_NAMESPACE: Ev =
    ("default-other", "my-pod", "1234-2", "Marking for deletion");
pub const DELETE_POD_EVENT_OTHER_NAME: Ev =
    ("default", "my-pod-other", "1234-3", "Marking for deletion");

/// One `TestController` case.
#[derive(Clone, Default)]
pub struct Case {
    /// Upstream's case name.
    pub name: &'static str,
    /// `workloadResourceClaimsEnabled`.
    pub workload: bool,
    pub initial: State,
    pub events: Vec<Unit>,
    pub want: State,
    /// `None`: upstream's default, one step after which everything is empty if anything is
    /// ready, else none.
    pub process: Option<Vec<Step>>,
    pub want_events: Vec<Ev>,
}

/// The pod cache: what the API server holds.
struct ServerPods(ApiServer);

impl PodStore for ServerPods {
    fn get(&self, namespace: &str, name: &str) -> Option<Pod> {
        match self.0.peek(Kind::Pod, namespace, name)? {
            Object::Pod(p) => Some(Arc::unwrap_or_clone(p)),
            _ => None,
        }
    }
    fn list(&self) -> Vec<Pod> {
        self.0
            .peek_all(Kind::Pod)
            .into_iter()
            .filter_map(|o| match o {
                Object::Pod(p) => Some(Arc::unwrap_or_clone(p)),
                _ => None,
            })
            .collect()
    }
}

/// The rule cache, written only by the test.
#[derive(Default)]
struct MemRules(Mutex<BTreeMap<String, Rule>>);

impl RuleStore for MemRules {
    fn get(&self, name: &str) -> Option<Rule> {
        self.0.lock().expect("lock").get(name).cloned()
    }
}

fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for rest in permutations(n - 1) {
        for at in 0..=rest.len() {
            let mut p = rest.clone();
            p.insert(at, n - 1);
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Runs `case` in every order of its top-level events.
pub fn run(case: Case) {
    for perm in permutations(case.events.len()) {
        let name = perm
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        Run::new(&case).go(&case, &perm, &format!("{} [{name}]", case.name));
    }
}

struct Run {
    rt: ManualRuntime,
    server: ApiServer,
    rules: Arc<MemRules>,
    recorder: Arc<RecordingRecorder>,
    controller: Arc<Controller>,
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

fn claim_map(
    claims: &[(Claim, Option<EvictionAndReason>)],
) -> BTreeMap<(SmolStr, SmolStr), (Claim, Option<EvictionAndReason>)> {
    claims
        .iter()
        .map(|(c, e)| {
            (
                (c.namespace.clone(), c.name.clone()),
                (c.clone(), e.clone()),
            )
        })
        .collect()
}

fn pod_map(
    entries: &[(Pod, EvictionAndReason)],
) -> BTreeMap<taintsim_timed_worker_queue::NamespacedObject, EvictionAndReason> {
    entries
        .iter()
        .map(|(p, e)| (pod_ref(p), e.clone()))
        .collect()
}

fn stats_map(stats: &[(&str, u64)]) -> BTreeMap<String, u64> {
    stats.iter().map(|(u, n)| ((*u).to_owned(), *n)).collect()
}

fn pools_of(pools: &Pools) -> BTreeMap<(SmolStr, SmolStr), (Vec<Slice>, i64)> {
    pools
        .iter()
        .map(|(id, p)| {
            let slices = p.slices().values().map(|s| (**s).clone()).collect();
            (id.clone(), (slices, p.max_generation()))
        })
        .collect()
}

impl Run {
    fn new(case: &Case) -> Self {
        let rt = ManualRuntime::new(t0());
        let dyn_rt: Arc<dyn Runtime> = Arc::new(rt.clone());
        let server = ApiServer::new(
            dyn_rt.clone(),
            ApiServerConfig {
                default_taint_time_added: false,
                // Upstream's TestController runs on client-go's fake clientset, which stores
                // anything (a pod update that sets nodeName, claims without drivers' checks).
                validation: false,
                ..ApiServerConfig::default()
            },
        );
        let rules = Arc::new(MemRules::default());
        for p in &case.initial.pods {
            server.create(Object::from(p.clone())).expect("initial pod");
        }
        for r in &case.initial.rules {
            server
                .create(Object::from(r.clone()))
                .expect("initial rule");
            let rule = Rule::from(r);
            rules
                .0
                .lock()
                .expect("lock")
                .insert(rule.name.clone(), rule);
        }
        let recorder = Arc::new(RecordingRecorder::default());
        let controller = Controller::new(Deps {
            rt: dyn_rt.clone(),
            client: Arc::new(ApiClient::new(server.clone(), dyn_rt)),
            pods: Arc::new(ServerPods(server.clone())),
            rules: rules.clone(),
            recorder: recorder.clone(),
            metrics: Arc::new(Metrics::default()),
            config: Config {
                workload_resource_claims: case.workload,
                ..Config::default()
            },
        });
        let initial = &case.initial;
        controller.restore(CoreState {
            delete_pod_at: pod_map(&initial.delete_pod_at),
            allocated_claims: initial
                .claims
                .iter()
                .map(|(c, e)| {
                    let claim = AllocatedClaim {
                        claim: Arc::new(c.clone()),
                        eviction: e.clone(),
                    };
                    ((c.namespace.clone(), c.name.clone()), claim)
                })
                .collect(),
            pools: Pools::from_slices(initial.slices.iter().cloned().map(Arc::new)),
            taint_rule_stats: stats_map(&initial.stats),
            ..CoreState::default()
        });
        Self {
            rt,
            server,
            rules,
            recorder,
            controller,
        }
    }

    fn apply(&self, change: &Change) {
        let c = &self.controller;
        match change {
            Change::Slice(old, new) => c.handle_slice_change(old.as_ref(), new.as_ref()),
            Change::Claim(old, new) => c.handle_claim_change(old.as_ref(), new.as_ref()),
            Change::Pod(old, new) => {
                match (old, new) {
                    (_, Some(p)) if self.server.peek(Kind::Pod, ns(p), name(p)).is_some() => {
                        let mut p = p.clone();
                        p.metadata.resource_version = None;
                        self.server
                            .update(Object::from(p.clone()))
                            .expect("update pod");
                        self.server
                            .update_status(Object::from(p))
                            .expect("update pod status");
                    }
                    (_, Some(p)) => {
                        self.server
                            .create(Object::from(p.clone()))
                            .expect("create pod");
                    }
                    (Some(p), None) => {
                        let pre = Preconditions::default();
                        self.server
                            .delete(Kind::Pod, ns(p), name(p), &pre)
                            .expect("delete pod");
                    }
                    (None, None) => {}
                }
                c.handle_pod_change(old.as_ref(), new.as_ref());
            }
            Change::Rule(old, new) => {
                if let Some(r) = new {
                    self.server
                        .create(Object::from(r.clone()))
                        .expect("create rule");
                    let rule = Rule::from(r);
                    self.rules
                        .0
                        .lock()
                        .expect("lock")
                        .insert(rule.name.clone(), rule);
                }
                let (old, new) = (old.as_ref().map(Rule::from), new.as_ref().map(Rule::from));
                c.handle_rule_change(old.as_ref(), new.as_ref());
            }
        }
    }

    fn queue(&self) -> (Vec<WorkItem>, Vec<(WorkItem, Duration)>) {
        let q = self.controller.queue();
        let now = self.rt.now();
        let later = q
            .waiting()
            .into_iter()
            .map(|(item, at)| {
                let left = Duration::try_from(at.duration_since(now)).unwrap_or_default();
                (item, left)
            })
            .collect();
        (sorted(q.ready()), sorted(later))
    }

    fn check_state(
        &self,
        what: &str,
        stats: &[(&str, u64)],
        delete_pod_at: &[(Pod, EvictionAndReason)],
        claims: &[(Claim, Option<EvictionAndReason>)],
    ) {
        let st = self.controller.snapshot();
        assert_eq!(st.taint_rule_stats, stats_map(stats), "{what}: ruleStats");
        assert_eq!(
            st.delete_pod_at,
            pod_map(delete_pod_at),
            "{what}: deletePodAt"
        );
        let got: BTreeMap<_, _> = st
            .allocated_claims
            .iter()
            .map(|(k, c)| (k.clone(), ((*c.claim).clone(), c.eviction.clone())))
            .collect();
        assert_eq!(got, claim_map(claims), "{what}: allocatedClaims");
    }

    fn go(self, case: &Case, perm: &[usize], what: &str) {
        for &i in perm {
            for change in &case.events[i] {
                self.apply(change);
            }
        }
        let want = &case.want;
        self.check_state(what, &want.stats, &want.delete_pod_at, &want.claims);
        assert_eq!(
            pools_of(&self.controller.snapshot().pools),
            pools_of(&Pools::from_slices(
                want.slices.iter().cloned().map(Arc::new)
            )),
            "{what}: pools"
        );
        assert_eq!(
            self.queue(),
            (sorted(want.ready.clone()), sorted(want.later.clone())),
            "{what}: queue after the events"
        );
        let steps = case.process.clone().unwrap_or_else(|| {
            if want.ready.is_empty() {
                Vec::new()
            } else {
                vec![Step::default()]
            }
        });
        for (n, step) in steps.iter().enumerate() {
            let what = format!("{what} step {}", n + 1);
            let c = self.controller.clone();
            self.rt.spawn(
                "worker".to_owned(),
                Box::pin(async move {
                    c.work_until_empty().await;
                }),
            );
            self.rt.run_until_stalled();
            self.check_state(&what, &step.stats, &step.delete_pod_at, &want.claims);
            let pods: Vec<(String, String, String)> = sorted(
                self.server
                    .peek_all(Kind::Pod)
                    .iter()
                    .map(|o| {
                        (
                            o.namespace().to_owned(),
                            o.name().to_owned(),
                            o.uid().to_owned(),
                        )
                    })
                    .collect(),
            );
            let want_pods: Vec<(String, String, String)> = sorted(
                step.pods
                    .iter()
                    .map(|p| {
                        (
                            ns(p).to_owned(),
                            name(p).to_owned(),
                            p.metadata.uid.clone().unwrap_or_default(),
                        )
                    })
                    .collect(),
            );
            assert_eq!(pods, want_pods, "{what}: pods in the API");
            assert_eq!(
                self.rules_in_api(),
                rule_statuses(&step.rules),
                "{what}: rules in the API"
            );
            let (ready, later) = step.processed.clone();
            assert_eq!(
                self.queue(),
                (sorted(ready), sorted(later)),
                "{what}: queue after processing"
            );
            self.rt.advance(step.advance);
            let (ready, later) = step.shifted.clone();
            assert_eq!(
                self.queue(),
                (sorted(ready), sorted(later)),
                "{what}: queue after advancing"
            );
        }
        let events: Vec<(String, String, String, String)> = sorted(
            self.recorder
                .events()
                .into_iter()
                .map(|e| {
                    assert_eq!(
                        (e.event_type.as_str(), e.reason.as_str()),
                        ("Normal", "DeviceTaintManagerEviction")
                    );
                    let r = e.regarding;
                    (
                        r.uid.unwrap_or_default(),
                        r.namespace.unwrap_or_default(),
                        r.name.unwrap_or_default(),
                        e.message,
                    )
                })
                .collect(),
        );
        let want_events: Vec<_> = sorted(
            case.want_events
                .iter()
                .map(|(ns, name, uid, msg)| {
                    (
                        (*uid).to_owned(),
                        (*ns).to_owned(),
                        (*name).to_owned(),
                        (*msg).to_owned(),
                    )
                })
                .collect(),
        );
        assert_eq!(events, want_events, "{what}: events");
    }

    /// Every rule in the API: name and its conditions (type, status, reason, message,
    /// observedGeneration, lastTransitionTime).
    fn rules_in_api(&self) -> Vec<RuleConditions> {
        self.server
            .peek_all(Kind::DeviceTaintRule)
            .iter()
            .filter_map(|o| match o {
                Object::Rule(r) => Some((
                    r.metadata.name.clone().unwrap_or_default(),
                    r.status
                        .iter()
                        .flat_map(|s| s.conditions.iter().flatten())
                        .map(|c| {
                            (
                                c.type_.clone(),
                                c.status.clone(),
                                c.reason.clone(),
                                c.message.clone(),
                                c.observed_generation,
                                c.last_transition_time.0,
                            )
                        })
                        .collect(),
                )),
                _ => None,
            })
            .collect()
    }
}

fn rule_statuses(rules: &[RuleStatus]) -> Vec<RuleConditions> {
    sorted(
        rules
            .iter()
            .map(|r| {
                (
                    r.rule.metadata.name.clone().unwrap_or_default(),
                    vec![(
                        "EvictionInProgress".to_owned(),
                        r.status.to_owned(),
                        r.reason.to_owned(),
                        r.message.clone(),
                        // observedGeneration is the rule's generation, 0, which is omitted.
                        None,
                        r.ltt,
                    )],
                )
            })
            .collect(),
    )
}

fn ns(p: &Pod) -> &str {
    p.metadata.namespace.as_deref().unwrap_or_default()
}

fn name(p: &Pod) -> &str {
    p.metadata.name.as_deref().unwrap_or_default()
}
