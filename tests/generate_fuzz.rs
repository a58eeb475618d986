//! The fuzz side of [`taintsim_generate`]: the bytes the `event_sequence` target
//! decodes ([`generate::encode`] is the inverse of its decoding), importing a crash artifact
//! into a scenario file that replays the failure, and recording a failing schedule.

use std::path::Path;

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRunner};
use taintsim_check::{Observed, Schedule, run_schedule};
use taintsim_generate::arb::{GenOptions, case};
use taintsim_generate::{self as generate, Case};
use taintsim_scenario::format::Scenario;
use taintsim_scenario::load::parse;

/// The case RNG seed.
const RNG_SEED: u64 = 0x7a17_5e1d;

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: proptest::test_runner::RngSeed::Fixed(RNG_SEED),
        ..Config::default()
    })
}

fn scenario_with_queue(case: &Case, queue: &str) -> Scenario {
    let mut s = generate::to_scenario(case);
    s.behavior = generate::fixed_behavior().with("queue", queue);
    s.resolve(&taintsim::controllers())
        .expect("a known queue version");
    s
}

fn observe(scenario: &Scenario, seed: u64) -> Observed {
    run_schedule(scenario, Schedule::Random(seed), scenario.explore.max_steps)
        .expect("a generated scenario always runs")
        .observed
}

fn is_update_work_panic(o: &Observed) -> bool {
    matches!(o, Observed::Panic { message, .. } if message.contains("UpdateWork"))
}

/// The queue-v2 counterexample the toggle search shrinks to: the pod, its claim and the tainted
/// slice, all created by the actor while the controller starts.
fn v2_case() -> Case {
    serde_json::from_str(
        r#"{"objects":[],"wait_for_sync":false,"steps":[
            {"Put":{"Slice":{"slot":0,"pool":0,"generation":0,"devices":[{"device":0,"taints":[{"key":0,"value":false,"effect":"NoExecute","time_added":null}]}]}}},
            {"Put":{"Claim":{"slot":1,"allocated":true,"results":[{"pool":0,"device":0,"tolerations":[]}],"reserved_for":[{"pod":0,"stale":false}],"owner":null}}},
            {"Put":{"Pod":{"slot":0,"scheduled":true,"claims":[{"Direct":1}]}}}],"seed":0}"#,
    )
    .expect("a valid case")
}

#[test]
fn record_failure_should_write_a_scenario_that_replays_the_failure() {
    let scenario = scenario_with_queue(&v2_case(), "v2");
    let seed = (0..500)
        .find(|s| is_update_work_panic(&observe(&scenario, *s)))
        .expect("some seed panics");
    let recorded = generate::record_failure(scenario, seed).expect("records");
    let text = serde_json::to_string_pretty(&recorded).expect("serializes");
    let reloaded =
        parse(&text, Path::new("recorded.json"), &taintsim::controllers()).expect("loads");
    let log = reloaded.decisions.clone().expect("a decision log");
    let replay = run_schedule(&reloaded, Schedule::Replay(log), reloaded.explore.max_steps)
        .expect("replays");
    assert!(
        replay.observed.matches(&reloaded.expect),
        "{}",
        replay.observed.message()
    );
    assert!(is_update_work_panic(&replay.observed));
}

#[test]
fn import_fuzz_artifact_should_refuse_an_input_that_passes() {
    let err = generate::import_fuzz_artifact(&taintsim::controllers(), &[])
        .expect_err("the empty case passes");
    assert!(err.contains("passes"), "{err}");
}

#[test]
fn any_bytes_should_decode_to_a_case_the_fixed_controller_passes() {
    let mut runner = runner(64);
    let bytes = proptest::collection::vec(proptest::num::u8::ANY, 0..2048);
    let result = runner.run(&bytes, |data| {
        match generate::check_fixed(&taintsim::controllers(), &generate::decode(&data)) {
            generate::FuzzVerdict::Pass => Ok(()),
            generate::FuzzVerdict::Failure { message, .. } => Err(TestCaseError::fail(message)),
        }
    });
    result.expect("decoded fuzz input runs clean on the fixed controller");
}

#[test]
fn encode_should_give_the_bytes_that_decode_to_the_case() {
    use arbitrary::{Arbitrary, Unstructured};
    let options = GenOptions {
        empty_effect: true,
        ..GenOptions::default()
    };
    let mut runner = runner(256);
    let result = runner.run(&case(options), |c| {
        let bytes = generate::encode(&c);
        let back = Case::arbitrary_take_rest(Unstructured::new(&bytes))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        proptest::prop_assert_eq!(back, c);
        Ok(())
    });
    result.expect("encode is the inverse of arbitrary's decoding");
}

/// A fuzz input written through the target's own decoder (not a saved artifact, which would
/// break when the generators change): the queue-v2 case under the first seed whose run panics.
fn v2_artifact() -> (Vec<u8>, taintsim::plugin::Behavior) {
    let behavior =
        generate::behavior_with(&taintsim::controllers(), "queue=v2").expect("a valid override");
    let case = (0..500)
        .map(|seed| Case { seed, ..v2_case() })
        .find(|c| {
            matches!(
                generate::check_with(&taintsim::controllers(), c, behavior.clone()),
                generate::FuzzVerdict::Failure { observed: Some(ref o), .. } if is_update_work_panic(o)
            )
        })
        .expect("some seed panics");
    let bytes = generate::encode(&case);
    assert_eq!(
        generate::decode(&bytes),
        case,
        "the target decodes the same case"
    );
    (bytes, behavior)
}

#[test]
fn import_fuzz_artifact_should_write_a_scenario_that_replays_the_failure() {
    let (bytes, behavior) = v2_artifact();
    let scenario = generate::import_fuzz_artifact_with(&taintsim::controllers(), &bytes, behavior)
        .expect("imports");
    let text = serde_json::to_string_pretty(&scenario).expect("serializes");
    let reloaded =
        parse(&text, Path::new("imported.json"), &taintsim::controllers()).expect("loads");
    assert_eq!(reloaded.behavior.get("queue"), Some("v2"));
    let log = reloaded.decisions.clone().expect("a decision log");
    let replay = run_schedule(&reloaded, Schedule::Replay(log), reloaded.explore.max_steps)
        .expect("replays");
    assert!(
        is_update_work_panic(&replay.observed),
        "{}",
        replay.observed.message()
    );
    assert!(replay.observed.matches(&reloaded.expect));
    // On the fixed controller the same input passes: nothing to import.
    assert!(generate::import_fuzz_artifact(&taintsim::controllers(), &bytes).is_err());
}

#[test]
fn behavior_with_should_reject_bad_overrides() {
    assert!(generate::behavior_with(&taintsim::controllers(), "").is_ok());
    let err = generate::behavior_with(&taintsim::controllers(), "queue").expect_err("no value");
    assert!(err.contains("KEY=VALUE"), "{err}");
    let err = generate::behavior_with(&taintsim::controllers(), "nope=1").expect_err("unknown key");
    assert!(err.contains(generate::FUZZ_SET_ENV), "{err}");
}

/// Writes `fuzz/seeds/event_sequence/case-<n>.bin`: generated cases (linked pods, claims and
/// tainted slices, faults) encoded for the `event_sequence` target, so that the fuzzer starts
/// from structured worlds instead of random bytes. Run on purpose only.
#[test]
#[ignore = "rewrites fuzz/seeds/event_sequence; run with TAINTSIM_WRITE_FUZZ_SEEDS=1"]
fn write_fuzz_seeds() {
    use proptest::strategy::{Strategy, ValueTree};
    if std::env::var("TAINTSIM_WRITE_FUZZ_SEEDS").is_err() {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/event_sequence");
    let mut runner = runner(16);
    let strategy = case(GenOptions::default());
    for n in 0..16 {
        let c = strategy.new_tree(&mut runner).expect("a case").current();
        std::fs::write(dir.join(format!("case-{n}.bin")), generate::encode(&c)).expect("writes");
    }
    std::fs::write(dir.join("queue-v2-race.bin"), generate::encode(&v2_case())).expect("writes");
}
