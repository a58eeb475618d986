//! The test of the controller seam: a deliberately tiny controller, written in this file and
//! nowhere else, runs through `taintsim run`, `taintsim explore` (random, PCT, exhaustive) and
//! `taintsim shrink`, in-process (`taintsim_cli::run_with`) over a registry that adds it to the
//! built-in controllers. Its scenario files are written by the tests into a temporary folder.
//!
//! The controller is a *pod reaper*: it deletes every pod labelled `reap=true` a fixed delay
//! (the behaviour key `delay`) after it sees the pod. Its reference model says a labelled pod
//! may be deleted once `delay` has passed since its `creationTimestamp`, and must be by
//! quiescence; an unlabelled pod never. Its bug toggle `sweep=on` makes each timer delete
//! every labelled pod in the informer cache instead of its own, so a pod created at the very
//! instant another pod's timer fires is deleted early when its creation reaches the cache
//! first: `no-early-eviction` fires on some schedules only.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use taintsim::{Registry, Scenario, Strategy, Verdict};
use taintsim_cli::{Status, run_with};

mod reaper {
    //! The tiny controller: a [`ControllerPlugin`] with its own [`Running`], its own
    //! [`Reference`] and its own behaviour keys.

    use std::collections::BTreeMap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::time::Duration;

    use k8s_openapi::api::core::v1::{ObjectReference, Pod};
    use taintsim::api::{Informer, Kind, Notification, Object, Registration};
    use taintsim::plugin::{
        Behavior, BehaviorKey, Cluster, ControllerPlugin, Due, DueView, Env, EvictionEvent,
        Generation, MarkDoc, MetricNames, Metrics, OracleName, Reference, Running,
    };
    use taintsim::seam::client::{Client, EventRecorder, Preconditions};
    use taintsim::seam::sync::Mutex;
    use taintsim::seam::{Runtime, StepLabel};

    /// The `controller` value that picks the reaper.
    pub const NAME: &str = "pod-reaper";
    /// The label that marks a pod for reaping.
    pub const LABEL: (&str, &str) = ("reap", "true");

    const GENERATIONS: [Generation; 1] = [Generation {
        name: NAME,
        doc: "a tiny controller of this test: deletes pods labelled reap=true after a delay",
    }];

    const KEYS: [BehaviorKey; 2] = [
        BehaviorKey {
            name: "delay",
            values: &["5s", "10s", "60s"],
            default: "10s",
            doc: "how long after it sees a labelled pod the reaper deletes it",
            breaks: None,
            range: None,
        },
        BehaviorKey {
            name: "sweep",
            values: &["off", "on"],
            default: "off",
            doc: "on: each timer deletes every labelled pod in the cache, also pods whose delay has not passed",
            breaks: Some(OracleName::NoEarlyEviction),
            range: None,
        },
    ];

    const METRICS: MetricNames = MetricNames {
        deletions_total: "pod_reaper_deletions_total",
        deletions_total_help: "Pods the reaper deleted",
        deletion_duration: "pod_reaper_deletion_lateness_seconds",
        deletion_duration_help: "How long after its deadline each pod was deleted",
    };

    /// Every resource the reaper's own state is: its timers.
    const STATE: &str = "reaper";
    /// The pod informer's cache, as the informer's steps name it.
    const CACHE: &str = "cache/pods";

    fn delay(behavior: &Behavior) -> Duration {
        let secs = behavior
            .get("delay")
            .and_then(|d| d.trim_end_matches('s').parse().ok())
            .unwrap_or(10);
        Duration::from_secs(secs)
    }

    fn labelled(pod: &Pod) -> bool {
        pod.metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(LABEL.0))
            .is_some_and(|v| v == LABEL.1)
    }

    fn key(pod: &Pod) -> (String, String) {
        (
            pod.metadata.namespace.clone().unwrap_or_default(),
            pod.metadata.name.clone().unwrap_or_default(),
        )
    }

    /// The reaper as a plug-in.
    #[derive(Debug, Clone, Copy)]
    pub struct Reaper;

    /// What the handler and the timers share.
    #[derive(Default)]
    struct State {
        /// `(namespace, name)` to the UID whose timer is pending.
        timers: BTreeMap<(String, String), String>,
        /// Timers started, to name each timer task uniquely (one work invocation each).
        started: u64,
    }

    struct Inner {
        rt: Arc<dyn Runtime>,
        client: Arc<dyn Client>,
        recorder: Arc<dyn EventRecorder>,
        metrics: Arc<Metrics>,
        cache: taintsim::api::Lister,
        delay: Duration,
        sweep: bool,
        state: Mutex<State>,
        synced: AtomicBool,
        pending: AtomicU64,
    }

    struct ReaperRunning {
        inner: Arc<Inner>,
        registrations: Vec<Registration>,
    }

    impl Running for ReaperRunning {
        fn has_synced(&self) -> bool {
            self.inner.synced.load(Ordering::SeqCst)
        }

        fn registrations(&self) -> Vec<Registration> {
            self.registrations.clone()
        }

        fn idle(&self) -> bool {
            self.inner.pending.load(Ordering::SeqCst) == 0
        }
    }

    impl Inner {
        /// The pod handler: start a timer for a labelled pod the first time it is seen (by
        /// UID), forget it when it goes. (A pod that loses its label keeps its timer: the
        /// reaper's scenarios never remove labels.)
        fn on_pod(self: &Arc<Self>, n: &Notification) {
            let Object::Pod(pod) = n.object() else {
                return;
            };
            let (key, uid) = (key(pod), pod.metadata.uid.clone().unwrap_or_default());
            let mut state = self.state.lock();
            match n {
                Notification::Delete(_) if state.timers.get(&key) == Some(&uid) => {
                    state.timers.remove(&key);
                }
                Notification::Delete(_) => {}
                _ if labelled(pod) && state.timers.get(&key) != Some(&uid) => {
                    state.timers.insert(key.clone(), uid.clone());
                    state.started += 1;
                    let actor = format!("reap {}/{} #{}", key.0, key.1, state.started);
                    self.pending.fetch_add(1, Ordering::SeqCst);
                    let me = self.clone();
                    self.rt
                        .spawn(actor, Box::pin(async move { me.reap(key, uid).await }));
                }
                _ => {}
            }
        }

        /// One timer: wait `delay`, then delete the pod it was started for (or, with
        /// `sweep=on`, every labelled pod in the cache).
        async fn reap(self: Arc<Self>, own: (String, String), uid: String) {
            let deadline = self.rt.now() + self.delay;
            self.rt.sleep(self.delay).await;
            let touches = [STATE, CACHE, "events"].map(str::to_owned);
            self.rt.step(StepLabel::with_touches("reap", touches)).await;
            let victims: Vec<(String, String, String)> = if self.sweep {
                self.cache
                    .list_as::<Pod>()
                    .iter()
                    .filter(|p| labelled(p))
                    .map(|p| {
                        let (ns, name) = key(p);
                        (ns, name, p.metadata.uid.clone().unwrap_or_default())
                    })
                    .collect()
            } else {
                let mut state = self.state.lock();
                if state.timers.get(&own) == Some(&uid) {
                    state.timers.remove(&own);
                    vec![(own.0.clone(), own.1.clone(), uid.clone())]
                } else {
                    Vec::new()
                }
            };
            for (i, (ns, name, uid)) in victims.into_iter().enumerate() {
                // The first event is recorded in the `reap` step's work; each later one comes
                // after a DELETE's response step, so it takes a step of its own (the
                // simulator's footprint check holds every step to what it declares).
                if i > 0 {
                    let record = StepLabel::with_touches("record event", ["events".to_owned()]);
                    self.rt.step(record).await;
                }
                let regarding = ObjectReference {
                    kind: Some("Pod".into()),
                    namespace: Some(ns.clone()),
                    name: Some(name.clone()),
                    uid: Some(uid.clone()),
                    ..Default::default()
                };
                self.recorder.eventf(
                    &regarding,
                    "Normal",
                    "Reaping",
                    "Reaping pod after its delay",
                );
                let pre = Preconditions {
                    uid: Some(uid),
                    resource_version: None,
                };
                // NotFound or a new UID under the name: the pod went; nothing to do.
                if self.client.delete_pod(&ns, &name, pre).await.is_ok() {
                    let late = self.rt.now().duration_since(deadline);
                    self.metrics.observe_deletion(late.as_secs_f64().max(0.0));
                }
            }
            self.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    impl ControllerPlugin for Reaper {
        fn name(&self) -> &'static str {
            NAME
        }

        fn generations(&self) -> &'static [Generation] {
            &GENERATIONS
        }

        fn keys(&self, _generation: &str) -> &'static [BehaviorKey] {
            &KEYS
        }

        fn kinds(&self, _behavior: &Behavior) -> Vec<Kind> {
            vec![Kind::Pod]
        }

        fn listeners(&self, _behavior: &Behavior) -> Vec<(&'static str, Kind)> {
            vec![("reaper", Kind::Pod)]
        }

        fn accepts(&self, _behavior: &Behavior, object: &Object) -> Result<(), String> {
            match object {
                Object::Pod(_) => Ok(()),
                other => Err(format!(
                    "the pod reaper watches pods only, not {}",
                    other.kind().plural()
                )),
            }
        }

        fn component(&self) -> &'static str {
            NAME
        }

        fn start(&self, env: Env) -> Arc<dyn Running> {
            let informer: Informer = env.informers.of(Kind::Pod).clone();
            let inner = Arc::new(Inner {
                rt: env.rt.clone(),
                client: env.client,
                recorder: env.recorder,
                metrics: env.metrics,
                cache: informer.lister(),
                delay: delay(&env.behavior),
                sweep: env.behavior.get("sweep") == Some("on"),
                state: Mutex::new(State::default()),
                synced: AtomicBool::new(false),
                pending: AtomicU64::new(0),
            });
            let me = inner.clone();
            let registration = informer.add_listener(
                "reaper",
                vec![STATE.into()],
                Arc::new(move |n| me.on_pod(&n)),
            );
            // Run: wait until the informer and the handler have synced, then say so.
            let (me, reg) = (inner.clone(), registration.clone());
            env.rt.spawn(
                "reaper".to_owned(),
                Box::pin(async move {
                    while !(informer.has_synced() && reg.has_synced()) {
                        me.rt.sleep(Duration::from_millis(10)).await;
                    }
                    let touches = ["controller".to_owned()];
                    me.rt.step(StepLabel::with_touches("synced", touches)).await;
                    me.synced.store(true, Ordering::SeqCst);
                }),
            );
            Arc::new(ReaperRunning {
                inner,
                registrations: vec![registration],
            })
        }

        fn metric_names(&self) -> MetricNames {
            METRICS
        }

        fn marks(&self) -> &'static [MarkDoc] {
            &[]
        }

        fn eviction_event(&self) -> EvictionEvent {
            EvictionEvent {
                reason: "Reaping",
                message_prefix: "Reaping pod",
            }
        }

        fn reference(&self, behavior: &Behavior) -> Arc<dyn Reference> {
            Arc::new(ReaperReference {
                delay: delay(behavior),
            })
        }
    }

    /// The reaper's reference model, from the pod alone: labelled pods are due `delay` after
    /// their creation, others never.
    struct ReaperReference {
        delay: Duration,
    }

    impl Reference for ReaperReference {
        fn inputs(&self) -> &'static [Kind] {
            &[]
        }

        fn view(&self, _cluster: &dyn Cluster) -> Box<dyn DueView> {
            Box::new(ReaperReference { delay: self.delay })
        }
    }

    impl DueView for ReaperReference {
        fn due(&self, _cluster: &dyn Cluster, pod: &Pod) -> Due {
            if !labelled(pod) {
                return Due::Never;
            }
            match &pod.metadata.creation_timestamp {
                Some(created) => Due::At(created.0 + self.delay),
                None => Due::Unknown("a labelled pod without creationTimestamp".into()),
            }
        }
    }
}

/// The built-in controllers and the reaper.
fn registry() -> Registry {
    taintsim::controllers().with(reaper::Reaper)
}

fn pod(name: &str, labelled: bool) -> Value {
    let mut metadata = json!({"name": name, "namespace": "default"});
    if labelled {
        metadata["labels"] = json!({reaper::LABEL.0: reaper::LABEL.1});
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}]}
    })
}

/// Pod `first` is created and, exactly `delay` later, when its timer fires, pod `second`:
/// a bystander without the label and a final check come along for the shrinker to drop.
fn reaper_scenario(name: &str, sweep: &str, expect: Value) -> Value {
    json!({
        "version": 1,
        "name": name,
        "behavior": {"controller": reaper::NAME, "delay": "10s", "sweep": sweep},
        "objects": [pod("bystander", false)],
        "steps": [
            "wait-for-sync",
            {"create": pod("first", true)},
            {"advance": "10s"},
            {"create": pod("second", true)},
            {"create": pod("late-bystander", false)},
            {"wait-until": {"within": "60s", "checks": [
                {"pod-absent": "default/first"},
                {"pod-absent": "default/second"}
            ]}}
        ],
        "expect": expect,
        "explore": {"strategy": "random", "seeds": "0..500", "stop-on-failure": true}
    })
}

fn write(dir: &Path, name: &str, scenario: &Value) -> PathBuf {
    let path = dir.join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(scenario).expect("serialisable");
    std::fs::write(&path, text).expect("written");
    path
}

/// `taintsim ARGS...` in-process over [`registry`].
fn taintsim(args: &[&str]) -> Status {
    run_with(
        &registry(),
        std::iter::once("taintsim").chain(args.iter().copied()),
    )
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

fn verdict(file: &Path, strategy: Strategy) -> Verdict {
    Scenario::load_with(&registry(), file)
        .expect("loads")
        .explore(strategy, 0..500)
        .expect("runs")
}

#[test]
fn the_fixed_reaper_should_pass_run_and_every_explore_strategy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        dir.path(),
        "reaper-pass",
        &reaper_scenario("reaper-pass", "off", json!({"outcome": "pass"})),
    );
    let f = path_str(&file);
    let save = dir.path().join("failures");
    let save = path_str(&save);
    assert_eq!(taintsim(&["run", f]), Status::Ok);
    for strategy in ["random", "pct", "exhaustive"] {
        let status = taintsim(&["explore", f, "--strategy", strategy, "--save", save]);
        assert_eq!(status, Status::Ok, "explore --strategy {strategy}");
    }
    // The exhaustive search covers more than the canonical startup: every order of the
    // reaper's timer, the actor's second create and the informer after it. For a `pass`
    // expectation `ok` also means the search was complete.
    let proof = verdict(&file, Strategy::Exhaustive);
    assert!(proof.ok, "{proof}");
    assert!(proof.schedules > 1, "{} schedules", proof.schedules);
    eprintln!("fixed reaper: exhaustive {} schedules", proof.schedules);
    // The same file with the bug: the run fails (exit 1), it does not error.
    assert_eq!(taintsim(&["run", f, "--set", "sweep=on"]), Status::Failed);
}

#[test]
fn the_sweep_bug_should_be_found_by_every_strategy_shrunk_and_replayed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let expect = json!({"outcome": "violation", "oracle": "no-early-eviction"});
    let file = write(
        dir.path(),
        "reaper-sweep",
        &reaper_scenario("reaper-sweep", "on", expect),
    );
    let f = path_str(&file);
    let save = dir.path().join("failures");
    let save_s = path_str(&save);

    assert_eq!(taintsim(&["run", f]), Status::Ok);
    for strategy in ["random", "pct", "exhaustive"] {
        let status = taintsim(&["explore", f, "--strategy", strategy, "--save", save_s]);
        assert_eq!(status, Status::Ok, "explore --strategy {strategy}");
    }
    let exhaustive_log = save.join("reaper-sweep-exhaustive.decisions.json");
    assert!(exhaustive_log.is_file(), "{}", exhaustive_log.display());

    // How many schedules each strategy needs, and that the failure is a schedule, not a
    // certainty: the exhaustive search also finds passing schedules.
    let random = verdict(&file, Strategy::Random);
    let pct = verdict(&file, Strategy::Pct { depth: 3 });
    let exhaustive = verdict(&file, Strategy::Exhaustive);
    for v in [&random, &pct, &exhaustive] {
        assert!(v.ok, "{v}");
        assert_eq!(v.observed, "violation:no-early-eviction");
    }
    assert!(
        exhaustive.outcomes.get("pass").copied().unwrap_or(0) > 0,
        "{:?}",
        exhaustive.outcomes
    );
    let seed = random
        .first_failure
        .as_ref()
        .and_then(|f| f.seed())
        .expect("a failing seed");
    eprintln!(
        "sweep bug: random first fails at seed {seed} ({} schedules), pct depth 3 after {} \
         schedules, exhaustive {} schedules with {:?}",
        random.schedules, pct.schedules, exhaustive.schedules, exhaustive.outcomes
    );

    // Shrink the random failure, then check the small file replays it.
    let small = dir.path().join("reaper-small.json");
    let seed_s = seed.to_string();
    let status = taintsim(&["shrink", f, "--seed", &seed_s, "-o", path_str(&small)]);
    assert_eq!(status, Status::Ok, "shrink");
    let shrunk = Scenario::load_with(&registry(), &small).expect("the shrunk file loads");
    let before = Scenario::load_with(&registry(), &file).expect("loads");
    let (steps, objects) = (
        shrunk.contents().steps.len(),
        shrunk.contents().objects.len(),
    );
    assert!(steps < before.contents().steps.len(), "{steps} steps");
    assert!(
        objects < before.contents().objects.len(),
        "{objects} objects"
    );
    eprintln!(
        "shrunk: {} -> {steps} steps, {} -> {objects} objects, {} decisions",
        before.contents().steps.len(),
        before.contents().objects.len(),
        shrunk.contents().decisions.as_ref().map_or(0, |d| d.len())
    );
    assert_eq!(taintsim(&["run", path_str(&small)]), Status::Ok);
    assert_eq!(taintsim(&["replay", path_str(&small)]), Status::Ok);
    let replayed = shrunk.check().expect("runs");
    assert!(replayed.ok, "{replayed}");
    assert_eq!(replayed.observed, "violation:no-early-eviction");
    assert_eq!(replayed.schedules, 1);
}

#[test]
fn the_reapers_keys_should_be_checked_like_any_controllers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut scenario = reaper_scenario("reaper-keys", "off", json!({"outcome": "pass"}));
    scenario["behavior"]["queue"] = json!("v3");
    let file = write(dir.path(), "reaper-keys", &scenario);
    let err = Scenario::load_with(&registry(), &file).expect_err("queue is the device's key");
    assert!(err.to_string().contains("does not apply"), "{err}");
    assert_eq!(taintsim(&["run", path_str(&file)]), Status::Error);
    assert_eq!(taintsim(&["keys"]), Status::Ok);
}
