//! The stress mode (the tokio back end in a loop): a fixed scenario passes, and a panic in a
//! tokio task (an informer listener) is caught and reported as the run's outcome.

use std::path::{Path, PathBuf};
use std::time::Duration;

use taintsim_check::Observed;
use taintsim_scenario::format::Scenario;
use taintsim_scenario::load;
use taintsim_stress::{StressLimit, StressOptions, stress, stress_run};

fn scenario_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

fn options(runs: u64) -> StressOptions {
    StressOptions {
        threads: 2,
        scale: 100,
        limit: StressLimit::Runs(runs),
        run_timeout: Duration::from_secs(3),
        ..StressOptions::default()
    }
}

/// A NoExecute taint without `timeAdded` (the server does not default it) that the claim
/// tolerates for 60s: every schedule reaches `claimEvictionTime`'s nil dereference, in the
/// claim handler (initial Add) or the slice tracker's replay, both informer listener tasks.
const NIL_TIME_ADDED: &str = r#"{
  "version": 1,
  "name": "nil-time-added-panic",
  "world": {"default-taint-time-added": false},
  "objects": [
    {
      "apiVersion": "resource.k8s.io/v1beta1",
      "kind": "ResourceSlice",
      "metadata": {"name": "worker-some-driver"},
      "spec": {
        "driver": "some-driver",
        "nodeName": "worker",
        "pool": {"name": "worker", "generation": 1, "resourceSliceCount": 1},
        "devices": [
          {
            "name": "instance",
            "basic": {"taints": [{"key": "example.com/taint", "effect": "NoExecute"}]}
          }
        ]
      }
    },
    {
      "apiVersion": "resource.k8s.io/v1beta1",
      "kind": "ResourceClaim",
      "metadata": {
        "name": "my-pod-my-resource",
        "namespace": "default",
        "ownerReferences": [
          {"apiVersion": "v1", "kind": "Pod", "name": "my-pod", "uid": "1234", "controller": true}
        ]
      },
      "spec": {
        "devices": {"requests": [{"name": "req-1", "deviceClassName": "my-resource-class"}]}
      },
      "status": {
        "allocation": {
          "devices": {
            "results": [
              {
                "request": "req-1",
                "driver": "some-driver",
                "pool": "worker",
                "device": "instance",
                "tolerations": [
                  {
                    "key": "example.com/taint",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 60
                  }
                ]
              }
            ]
          }
        },
        "reservedFor": [{"resource": "pods", "name": "my-pod", "uid": "1234"}]
      }
    },
    {
      "apiVersion": "v1",
      "kind": "Pod",
      "metadata": {"name": "my-pod", "namespace": "default", "uid": "1234"},
      "spec": {
        "nodeName": "worker",
        "containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}],
        "resourceClaims": [{"name": "my-resource", "resourceClaimName": "my-pod-my-resource"}]
      }
    }
  ],
  "steps": ["wait-for-sync", {"advance": "2m"}],
  "expect": {"outcome": "panic", "message-contains": "claimEvictionTime"}
}"#;

fn nil_time_added() -> Scenario {
    load::parse(
        NIL_TIME_ADDED,
        Path::new("nil-time-added-panic.json"),
        &taintsim::controllers(),
    )
    .expect("valid scenario")
}

#[test]
fn stress_of_the_fixed_initial_eviction_should_pass_every_run() {
    let scenario = load::load_file(
        &scenario_file("eviction-initial.json"),
        &taintsim::controllers(),
    )
    .expect("loads");
    let mut seen = 0;
    let summary = stress(&scenario, &options(3), &mut |p| seen = p.runs).expect("runs");
    assert_eq!(summary.runs, 3);
    assert_eq!(seen, 3, "progress after every run");
    assert_eq!(
        summary.failures, 0,
        "first failure: {:?}",
        summary.first_failure
    );
    assert!(summary.ok);
    assert_eq!(summary.outcomes.get("pass"), Some(&3));
}

/// The latest controller on tokio: TestRetry's failed GET is requeued with the workqueue's
/// rate limiter on real (scaled) time, and every run evicts the pod once.
#[test]
fn stress_of_the_latest_retry_should_pass_every_run() {
    let scenario = load::load_file(
        &scenario_file("latest/retry.json"),
        &taintsim::controllers(),
    )
    .expect("loads");
    let summary = stress(&scenario, &options(3), &mut |_| {}).expect("runs");
    assert_eq!(summary.runs, 3);
    assert_eq!(
        summary.failures, 0,
        "first failure: {:?}",
        summary.first_failure
    );
    assert_eq!(summary.outcomes.get("pass"), Some(&3));
}

#[test]
fn a_panic_in_a_tokio_task_should_be_caught_and_reported() {
    let scenario = nil_time_added();
    let run = stress_run(&scenario, &options(1)).expect("runs");
    let Observed::Panic {
        message,
        actor,
        location,
        ..
    } = &run.observed
    else {
        panic!("expected a panic, got {:?}", run.observed);
    };
    assert!(message.contains("claimEvictionTime"), "{message}");
    assert!(
        ["claim-handler", "slice-tracker", "controller"].contains(&actor.as_str()),
        "the panic names its task: {actor}"
    );
    assert!(
        location
            .as_deref()
            .is_some_and(|l| l.contains("eviction_time.rs")),
        "{location:?}"
    );
    assert!(run.panics >= 1);
}

#[test]
fn stress_of_a_scenario_expecting_a_panic_should_hold_when_every_run_panics() {
    let scenario = nil_time_added();
    let summary = stress(&scenario, &options(3), &mut |_| {}).expect("runs");
    assert_eq!(summary.runs, 3);
    assert_eq!(summary.failures, 3);
    assert_eq!(summary.outcomes.get("panic"), Some(&3));
    let first = summary.first_failure.as_ref().expect("a failure");
    assert_eq!(first.run, 1);
    assert!(first.observed.message().contains("claimEvictionTime"));
    assert_eq!(summary.first_expected.as_ref(), Some(first));
    assert!(summary.ok);
}

#[test]
fn stop_on_failure_should_end_the_session_at_the_first_failing_run() {
    let scenario = nil_time_added();
    let options = StressOptions {
        stop_on_failure: true,
        limit: StressLimit::Duration(Duration::from_secs(2)),
        ..options(0)
    };
    let summary = stress(&scenario, &options, &mut |_| {}).expect("runs");
    assert_eq!((summary.runs, summary.failures), (1, 1));
    assert!(summary.ok);
}
