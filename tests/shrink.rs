//! `shrink`: the UpdateWork panic that `explore` finds in `scenarios/updatework-panic.json`
//! shrinks to a small scenario whose recorded decision log replays the same panic.

use std::path::Path;

use taintsim_check::{ExploreOptions, Observed, Schedule, explore, run_schedule};
use taintsim_scenario::format::{ActorStep, Scenario};
use taintsim_scenario::load::{load_file, parse};
use taintsim_shrink::{FailureKey, ShrinkOptions, shrink, shrink_with_progress};

fn bundled(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    load_file(&path, &taintsim::controllers()).unwrap_or_else(|e| panic!("{e}"))
}

fn is_update_work_panic(o: &Observed) -> bool {
    matches!(o, Observed::Panic { message, .. } if message.contains("UpdateWork"))
}

/// The first failing seed of the scenario's own exploration (its `explore` settings).
fn explored_seed(scenario: &Scenario) -> u64 {
    let summary = explore(
        scenario,
        &ExploreOptions::from(&scenario.explore),
        &mut |_| {},
    )
    .expect("explores");
    let failure = summary.first_failure.expect("explore finds the panic");
    assert!(is_update_work_panic(&failure.result.observed));
    failure.seed
}

#[test]
fn updatework_panic_should_shrink_to_at_most_six_steps_and_replay() {
    let scenario = bundled("updatework-panic.json");
    let seed = explored_seed(&scenario);
    let mut updates = 0;
    let shrunk = shrink_with_progress(
        &scenario,
        Schedule::Random(seed),
        &ShrinkOptions::default(),
        &mut |_| updates += 1,
    )
    .expect("shrinks");
    println!(
        "seed {seed}: before {:?}, after {:?}, {} runs, {updates} progress updates",
        shrunk.before, shrunk.after, shrunk.runs
    );
    assert!(shrunk.after.steps <= 6, "{:?}", shrunk.after);
    assert!(shrunk.after.steps <= shrunk.before.steps);
    assert!(shrunk.after.objects <= shrunk.before.objects);
    assert!(shrunk.after.decisions <= shrunk.before.decisions);
    assert!(updates > 0, "progress was reported");
    assert!(is_update_work_panic(&shrunk.observed));

    // The output is a scenario file: it round-trips through JSON and replays the panic.
    let text = serde_json::to_string_pretty(&shrunk.scenario).expect("serializes");
    let reloaded = parse(&text, Path::new("shrunk.json"), &taintsim::controllers())
        .expect("the shrunk file loads");
    assert!(!reloaded.steps.is_empty(), "bundled files need a step");
    let log = reloaded.decisions.clone().expect("a recorded decision log");
    let original_key = FailureKey::of(&shrunk.observed);
    for _ in 0..3 {
        let replay =
            run_schedule(&reloaded, Schedule::Replay(log.clone()), 20_000).expect("replays");
        assert!(is_update_work_panic(&replay.observed));
        assert_eq!(
            FailureKey::of(&replay.observed),
            original_key,
            "{}",
            replay.observed.message()
        );
        assert!(
            replay.observed.matches(&reloaded.expect),
            "{}",
            replay.observed.message()
        );
    }
}

/// Padding the scenario with steps the panic does not need (advances, and a delete of a pod
/// it never created would fail, so only harmless ones) gives delta debugging something to cut.
#[test]
fn shrink_should_drop_steps_the_failure_does_not_need() {
    let mut scenario = bundled("updatework-panic.json");
    let pad = ActorStep::Advance(taintsim_scenario::duration::ScenarioDuration(
        std::time::Duration::from_millis(1),
    ));
    for _ in 0..6 {
        scenario.steps.push(pad.clone());
    }
    let seed = explored_seed(&scenario);
    let shrunk =
        shrink(&scenario, Schedule::Random(seed), &ShrinkOptions::default()).expect("shrinks");
    assert_eq!(shrunk.before.steps, 10);
    assert!(shrunk.after.steps <= 6, "{:?}", shrunk.after);
    assert!(is_update_work_panic(&shrunk.observed));
}

#[test]
fn shrink_should_refuse_a_passing_run() {
    let scenario = bundled("updatework-fixed.json");
    let err = shrink(&scenario, Schedule::Random(0), &ShrinkOptions::default())
        .expect_err("nothing to shrink");
    assert!(err.to_string().contains("passes"), "{err}");
}

/// Queue v0's stale nil entry and the plain nil race panic at the same site; keeping the v0
/// coverage mark keeps the stale-nil mechanism through shrinking.
#[test]
fn shrink_should_keep_a_required_coverage_mark() {
    const MARK: &str = "queue.v0.restore-nil-after-cancel";
    let scenario = bundled("catalogue/stale-nil-v0.json");
    let summary = explore(
        &scenario,
        &ExploreOptions::from(&scenario.explore),
        &mut |_| {},
    )
    .expect("explores");
    let failure = summary.first_failure.expect("explore finds the panic");
    assert!(failure.result.report.trace.has_mark(MARK));
    let options = ShrinkOptions {
        keep_marks: vec![MARK.to_owned()],
        ..ShrinkOptions::default()
    };
    let shrunk = shrink(&scenario, Schedule::Random(failure.seed), &options).expect("shrinks");
    assert!(is_update_work_panic(&shrunk.observed));
    assert!(
        shrunk.after.steps <= shrunk.before.steps,
        "{:?}",
        shrunk.after
    );
    let log = shrunk.scenario.decisions.clone().expect("a log");
    let replay = run_schedule(&shrunk.scenario, Schedule::Replay(log), 20_000).expect("replays");
    assert!(replay.report.trace.has_mark(MARK), "the mark is kept");

    let missing = ShrinkOptions {
        keep_marks: vec!["no.such.mark".to_owned()],
        ..ShrinkOptions::default()
    };
    let err = shrink(&scenario, Schedule::Random(failure.seed), &missing).expect_err("refused");
    assert!(err.to_string().contains("no.such.mark"), "{err}");
}
