//! Go's random map order in the latest controller is a recorded data choice: re-evaluating the
//! claims after a rule change asks the runtime for their order, and the answer decides in
//! which order the pods are queued.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use taintsim_controller_device::latest::{
    Config, Controller, Deps, PodStore, Rule, RuleStore, WorkItem,
};
use taintsim_controller_device::metrics::Metrics;
use taintsim_controller_device::model::pod_ref;
use taintsim_seam::runtime::{
    BoxFuture, ManualRuntime, Runtime, StepLabel, TimerHandle, Timestamp,
};

use support::doubles::{NoApi, RecordingRecorder};
use support::latest_fixtures::*;

/// A manual runtime whose data choices come from a script, recording what was asked.
struct Scripted {
    inner: ManualRuntime,
    answers: Mutex<Vec<usize>>,
    asked: Mutex<Vec<(String, usize)>>,
}

impl Runtime for Scripted {
    fn now(&self) -> Timestamp {
        self.inner.now()
    }
    fn spawn(&self, actor: String, task: BoxFuture<()>) {
        self.inner.spawn(actor, task);
    }
    fn after(
        &self,
        d: Duration,
        actor: String,
        f: Box<dyn FnOnce() + Send>,
    ) -> Box<dyn TimerHandle> {
        self.inner.after(d, actor, f)
    }
    fn sleep(&self, d: Duration) -> BoxFuture<()> {
        self.inner.sleep(d)
    }
    fn step(&self, label: StepLabel) -> BoxFuture<()> {
        self.inner.step(label)
    }
    fn choose(&self, label: &str, options: usize) -> usize {
        self.asked
            .lock()
            .expect("lock")
            .push((label.to_owned(), options));
        let mut answers = self.answers.lock().expect("lock");
        if answers.is_empty() {
            0
        } else {
            answers.remove(0)
        }
    }
}

struct Pods(BTreeMap<(String, String), Pod>);

impl PodStore for Pods {
    fn get(&self, namespace: &str, name: &str) -> Option<Pod> {
        self.0
            .get(&(namespace.to_owned(), name.to_owned()))
            .cloned()
    }
    fn list(&self) -> Vec<Pod> {
        self.0.values().cloned().collect()
    }
}

struct NoRules;

impl RuleStore for NoRules {
    fn get(&self, _: &str) -> Option<Rule> {
        None
    }
}

/// The pods queued after `ruleEvict` is added to two allocated claims of two pods, with the
/// runtime answering `answer` for the claims' order.
fn queued_after_rule(answer: usize) -> (Vec<WorkItem>, Vec<(String, usize)>) {
    let rt = Arc::new(Scripted {
        inner: ManualRuntime::new(t0()),
        answers: Mutex::new(vec![answer]),
        asked: Mutex::default(),
    });
    let pods: BTreeMap<_, _> = [pod_with_claim_name(), pod_with_claim_name_other_name()]
        .into_iter()
        .map(|p| {
            let r = pod_ref(&p);
            ((r.namespace, r.name), p)
        })
        .collect();
    let c = Controller::new(Deps {
        rt: rt.clone(),
        client: Arc::new(NoApi),
        pods: Arc::new(Pods(pods)),
        rules: Arc::new(NoRules),
        recorder: Arc::new(RecordingRecorder::default()),
        metrics: Arc::new(Metrics::default()),
        config: Config::default(),
    });
    c.handle_claim_change(None, Some(&in_use_claim()));
    c.handle_claim_change(None, Some(&in_use_claim_other_name()));
    rt.asked.lock().expect("lock").clear();
    c.handle_rule_change(None, Some(&Rule::from(&rule_evict())));
    let asked = rt.asked.lock().expect("lock").clone();
    (c.queue().ready(), asked)
}

#[test]
fn claim_order_after_a_rule_change_should_be_a_recorded_choice() {
    let (first, asked) = queued_after_rule(0);
    assert_eq!(
        asked,
        [(
            "go map order allocatedClaims (handleRuleChange) #0".to_owned(),
            2
        )]
    );
    let (second, _) = queued_after_rule(1);
    let pod = |p: Pod| WorkItem::Pod(pod_ref(&p));
    let rule = WorkItem::rule("evict", "1234");
    assert_eq!(
        first,
        [
            rule.clone(),
            pod(pod_with_claim_name()),
            pod(pod_with_claim_name_other_name())
        ]
    );
    assert_eq!(
        second,
        [
            rule,
            pod(pod_with_claim_name_other_name()),
            pod(pod_with_claim_name())
        ],
        "the other answer, the other order"
    );
}
