//! `shrink`: the UpdateWork panic found by exploration shrinks to a small scenario whose
//! recorded decision log replays the same panic.

mod common;

use taintsim_controller::queue::QueueVersion;
use taintsim_scenario::load::parse;
use taintsim_scenario::runner::{Observed, Schedule, run_schedule};
use taintsim_scenario::shrink::{FailureKey, ShrinkOptions, shrink};

#[test]
fn updatework_panic_should_shrink_to_at_most_six_steps_and_replay() {
    let mut scenario = common::determinism_world();
    scenario.behavior.queue = QueueVersion::V2;
    let seed = (0..500)
        .find(|s| {
            let r = run_schedule(&scenario, Schedule::Random(*s), 20_000).expect("runs");
            matches!(r.observed, Observed::Panic { .. })
        })
        .expect("exploration finds the panic");
    let shrunk =
        shrink(&scenario, Schedule::Random(seed), &ShrinkOptions::default()).expect("shrinks");
    println!(
        "seed {seed}: before {:?}, after {:?}, {} runs",
        shrunk.before, shrunk.after, shrunk.runs
    );
    assert!(shrunk.after.steps <= 6, "{:?}", shrunk.after);
    assert!(shrunk.after.steps <= shrunk.before.steps);
    assert!(shrunk.after.decisions <= shrunk.before.decisions);
    assert!(
        matches!(&shrunk.observed, Observed::Panic { message, .. } if message.contains("UpdateWork"))
    );

    // The output is a scenario file: it round-trips through JSON and replays the panic.
    let text = serde_json::to_string_pretty(&shrunk.scenario).expect("serializes");
    let reloaded =
        parse(&text, std::path::Path::new("shrunk.json")).expect("the shrunk file loads");
    let log = reloaded.decisions.clone().expect("a recorded decision log");
    let original_key = FailureKey::of(&shrunk.observed);
    for _ in 0..3 {
        let replay =
            run_schedule(&reloaded, Schedule::Replay(log.clone()), 20_000).expect("replays");
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
