//! Exhaustive exploration of scenarios: the reduction keeps every outcome of the full search,
//! the UpdateWork panic (target race 1) is found, and its fix passes the whole bounded space.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use taintsim_check::{
    ExhaustiveOptions, ExhaustiveSummary, Observed, Reduction, RunResult, Schedule,
    explore_exhaustive, explore_exhaustive_each, observed_resources, run_schedule, startup_end,
};
use taintsim_scenario::format::{ActorStep, Scenario};
use taintsim_scenario::load::load_file;
use taintsim_sim::Outcome;

fn bundled(name: &str) -> Scenario {
    load_file(&common::bundled(name), &taintsim::controllers()).expect("the bundled scenario loads")
}

fn options(reduction: Reduction) -> ExhaustiveOptions {
    ExhaustiveOptions {
        max_schedules: 100_000,
        max_steps: 20_000,
        reduction,
        split_depth: 0,
    }
}

fn outcome_kinds(summary: &ExhaustiveSummary) -> BTreeSet<String> {
    summary.outcomes.keys().cloned().collect()
}

#[test]
fn exhaustive_search_should_find_the_updatework_panic() {
    let scenario = bundled("updatework-panic.json");
    let summary =
        explore_exhaustive(&scenario, &options(Reduction::Dpor), &mut |_| {}).expect("runs");
    eprintln!(
        "updatework-panic: {} schedules, {} failing, {} pruned, {} blocked",
        summary.schedules, summary.failures, summary.pruned, summary.blocked
    );
    assert!(summary.complete);
    assert!(summary.ok, "{:?}", summary.outcomes);
    assert_eq!(
        outcome_kinds(&summary),
        BTreeSet::from(["panic".to_owned(), "pass".to_owned()])
    );
    // Small enough for CI in debug builds; a jump here means lost independence.
    assert!(summary.schedules < 5_000, "{}", summary.schedules);

    let failure = summary.first_failure.expect("a failing schedule");
    let Observed::Panic { message, .. } = &failure.result.observed else {
        panic!("{:?}", failure.result.observed);
    };
    assert!(message.contains("UpdateWork"), "{message}");
    // Its decision log (schedule and data decisions) replays it exactly.
    let log = failure.result.report.decisions.clone();
    let replayed = run_schedule(&scenario, Schedule::Replay(log), 20_000).expect("replays");
    assert_eq!(replayed.observed, failure.result.observed);
    assert_eq!(
        replayed.report.trace.hash(),
        failure.result.report.trace.hash()
    );
}

#[test]
fn exhaustive_search_should_cover_updatework_fixed_without_failures() {
    let scenario = bundled("updatework-fixed.json");
    let summary =
        explore_exhaustive(&scenario, &options(Reduction::Dpor), &mut |_| {}).expect("runs");
    eprintln!(
        "updatework-fixed: {} schedules, {} pruned, {} blocked",
        summary.schedules, summary.pruned, summary.blocked
    );
    assert!(summary.complete);
    assert_eq!(summary.failures, 0, "{:?}", summary.first_failure);
    assert!(summary.ok);
    assert!(summary.schedules < 10_000, "{}", summary.schedules);
}

/// What tells one schedule's outcome from another's, up to the opaque numbers that
/// equivalent schedules hand out in another order (resourceVersions `rv=N`, worker tokens
/// `#N`, step numbers):
/// - a run stopped by a failure: the failure's kind and site (a panic's task, `file:line` and
///   message; an oracle and its message; the failed assertion);
/// - a run that reached quiescence: its outcome and its final state, as every actor's own
///   sequence of steps and coverage marks (which API calls answered what, which handlers
///   started or updated which work, which Events were written, which workers ran and how
///   they ended). Equivalent schedules only reorder steps of different actors, so they agree
///   on this; a step wrongly taken as independent changes what some actor does next.
fn outcome_key(result: &RunResult) -> String {
    let observed = &result.observed;
    let site = match observed {
        Observed::Panic {
            message,
            actor,
            location,
            ..
        } => format!("panic in {actor} at {location:?}: {message}"),
        other => other.message(),
    };
    let mut key = normalise(&format!("{}: {site}", observed.short()));
    if result.report.outcome == Outcome::Quiescent {
        let mut actors: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for e in &result.report.trace.entries {
            let mut step = e.action.clone();
            for m in &e.marks {
                step.push_str(&format!(" {{{m}}}"));
            }
            actors
                .entry(normalise(&e.actor))
                .or_default()
                .push(normalise(&step));
        }
        for (actor, steps) in actors {
            key.push_str(&format!("\n  {actor}: {}", steps.join(" | ")));
        }
    }
    key
}

/// Replaces the digits after `rv=` and `#` with `_`.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut skipping = false;
    for c in text.chars() {
        if skipping && c.is_ascii_digit() {
            continue;
        }
        skipping = false;
        out.push(c);
        if c == '#' || out.ends_with("rv=") {
            skipping = true;
            out.push('_');
        }
    }
    out
}

/// Every distinct outcome of an exhaustive search from `after` on, with the schedule count.
fn outcomes_after(
    scenario: &Scenario,
    after: &str,
    reduction: Reduction,
) -> (BTreeSet<String>, ExhaustiveSummary) {
    let mut keys = BTreeSet::new();
    let options = ExhaustiveOptions {
        reduction,
        ..options(Reduction::Dpor)
    };
    let summary = explore_exhaustive_each(scenario, after, &options, &mut |r, _| {
        keys.insert(outcome_key(r));
    })
    .expect("runs");
    assert!(summary.complete, "{reduction:?} from `{after}` incomplete");
    (keys, summary)
}

/// The soundness test of the independence relation: on small scenarios, exhaustive search
/// with each reduction finds exactly the distinct outcomes ([`outcome_key`]) of the search
/// without reduction. The scenarios are small enough for the unreduced search in debug
/// builds:
/// - `event-assert-now.json`, its pod created with the worker's `DisruptionTarget` condition
///   (so that the worker skips its status PATCH), from the actor's `wait-until pod-absent` on
///   (a later canonical prefix): whether the broadcaster writes the Event before the actor's
///   one-shot check (the async-event race); 2 outcomes;
/// - `updatework-panic.json` and `updatework-fixed.json` with every pod GET answered 404 (a
///   fault set before the first step), from the controller's initial sync on: target race 1
///   with a short worker (start, GET, 404, finish), so the pod handler's late update lands
///   before the work starts, while it runs (the panic on V2) or after it finished (a second
///   work); 9 and 11 outcomes.
#[test]
fn reduction_should_find_every_outcome_of_the_full_search() {
    let pod_gone: ActorStep = serde_json::from_str(
        r#"{"set-fault": {"name": "pod-gone", "api-error": {"verb": "get", "kind": "Pod", "status": 404}}}"#,
    )
    .expect("the step parses");
    let with_pod_gone = |file: &str| {
        let mut scenario = bundled(file);
        scenario.steps.insert(0, pod_gone.clone());
        scenario
    };
    // The canonical prefix of the device controller's scenarios ends where it syncs.
    let synced = startup_end(&bundled("updatework-fixed.json"), 20_000)
        .expect("runs")
        .expect("the device controller syncs");
    assert_eq!(synced, "controller: register slice handler");
    let cases = [
        (
            "event-assert-now.json without PATCH",
            event_race_without_patch(),
            "scenario: wait-until pod-absent default/my-pod",
        ),
        (
            "updatework-panic.json + pod-gone",
            with_pod_gone("updatework-panic.json"),
            synced.as_str(),
        ),
        (
            "updatework-fixed.json + pod-gone",
            with_pod_gone("updatework-fixed.json"),
            synced.as_str(),
        ),
    ];
    for (name, scenario, after) in cases {
        let (full, unreduced) = outcomes_after(&scenario, after, Reduction::None);
        assert!(full.len() > 1, "{name}: a single outcome tests nothing");
        for reduction in [Reduction::SleepSets, Reduction::Dpor] {
            let (reduced, summary) = outcomes_after(&scenario, after, reduction);
            eprintln!(
                "{name} after `{after}`: {} distinct outcomes; {} schedules without \
                 reduction, {} with {reduction:?}",
                full.len(),
                unreduced.schedules,
                summary.schedules
            );
            let missed: Vec<&String> = full.difference(&reduced).collect();
            assert!(
                missed.is_empty(),
                "{name}: {reduction:?} misses {} outcome(s) of the full search, e.g. {}",
                missed.len(),
                missed[0]
            );
            assert_eq!(
                reduced, full,
                "{name}: {reduction:?} found outcomes the full search did not"
            );
            assert!(summary.schedules < unreduced.schedules);
        }
    }
}

#[test]
fn max_schedules_should_leave_the_search_incomplete() {
    let scenario = bundled("updatework-fixed.json");
    let bounded = ExhaustiveOptions {
        max_schedules: 5,
        ..options(Reduction::Dpor)
    };
    let summary = explore_exhaustive(&scenario, &bounded, &mut |_| {}).expect("runs");
    assert_eq!(summary.schedules, 5);
    assert!(!summary.complete);
}

#[test]
fn a_step_limit_should_leave_the_search_incomplete() {
    let scenario = bundled("updatework-fixed.json");
    let short = ExhaustiveOptions {
        max_schedules: 20,
        max_steps: 10,
        reduction: Reduction::Dpor,
        split_depth: 0,
    };
    let summary = explore_exhaustive(&scenario, &short, &mut |_| {}).expect("runs");
    assert!(!summary.complete);
    assert!(summary.outcomes.contains_key("step-limit"));
}

#[test]
fn observed_resources_should_come_from_waits_that_can_become_false_again() {
    let scenario = bundled("updatework-panic.json");
    assert!(
        observed_resources(&scenario.steps).is_empty(),
        "wait-for-sync is monotone"
    );
    let steps: Vec<ActorStep> = serde_json::from_str(
        r#"[
            {"wait-until": {"within": "30s", "checks": [{"pod-absent": "default/a"}]}},
            {"assert-eventually": {"within": "30s", "checks": [
                {"pod-absent": "default/b"},
                {"events": {"involved": "ns/b", "objects": 1}},
                {"metrics": {"pod-deletions-total": 1}}
            ]}}
        ]"#,
    )
    .expect("steps parse");
    assert_eq!(
        observed_resources(&steps),
        ["event/ns", "pod", "pod/default/b"]
    );
}

/// `event-assert-now.json` with the pod created already carrying the worker's
/// `DisruptionTarget` condition, so that the worker skips its status PATCH.
fn event_race_without_patch() -> Scenario {
    let path = common::bundled("event-assert-now.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("readable")).expect("json");
    let pod = v["steps"]
        .as_array_mut()
        .expect("steps")
        .iter_mut()
        .find(|s| s["create"]["kind"] == "Pod")
        .expect("a pod is created");
    pod["create"]["status"] = serde_json::json!({"conditions": [{
        "type": "DisruptionTarget",
        "status": "True",
        "reason": "DeletionByDeviceTaintManager",
        "message": "Device Taint manager: deleting due to NoExecute taint",
        "lastTransitionTime": "2025-03-20T11:00:00Z"
    }]});
    taintsim_scenario::load::parse(&v.to_string(), &path, &taintsim::controllers())
        .expect("still a scenario")
}
