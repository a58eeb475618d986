//! proptest over generated worlds and event sequences ([`taintsim_generate`]).
//!
//! - The fixed controller ([`generate::fixed_behavior`]) passes every oracle on every
//!   generated case: 256 cases, or `PROPTEST_CASES` (`just proptest-long` sets 10 000).
//! - With each bug toggle switched on in turn, proptest finds a counterexample within a
//!   budget of cases and shrinks it below a bound stated per toggle.
//! - Every scenario under `scenarios/regressions/` replays to its expectation.
//!
//! The fuzz side (encoding, importing artifacts) is in `tests/generate_fuzz.rs`.
//!
//! Runs are deterministic: the case RNG is seeded (override with `PROPTEST_RNG_SEED`), and each
//! case runs its schedule seeds. `TAINTSIM_WRITE_REGRESSIONS=1 cargo test -p taintsim-scenario
//! --test proptest_generated -- --ignored` rewrites the regression files from the toggles'
//! counterexamples, shrunk again by `taintsim_shrink`.

use std::path::{Path, PathBuf};

use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestCaseError, TestError, TestRunner};
use taintsim::plugin::Behavior;
use taintsim_check::oracle::OracleName;
use taintsim_check::{ExploreOptions, Observed, RunResult, Schedule, explore, run_schedule};
use taintsim_generate::arb::{GenOptions, case};
use taintsim_generate::{self as generate, Case};
use taintsim_scenario::format::{ExploreSettings, Scenario, SeedRange, StrategyName};
use taintsim_scenario::load::{find_scenarios, load_file, parse};
use taintsim_shrink::{ShrinkOptions, shrink};

/// The case RNG seed unless `PROPTEST_RNG_SEED` is set.
const RNG_SEED: u64 = 0x7a17_5e1d;
/// Schedule seeds each toggle case runs: a failure under any of them counts, which keeps a
/// shrunk case failing although removing an object changes every later scheduling choice.
const TOGGLE_SEEDS: u64 = 4;
/// Schedule seeds per candidate in the greedy pass after proptest's shrinking.
const MINIMIZE_SEEDS: u64 = 16;

fn env_u32(name: &str) -> Option<u32> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn config(cases: u32) -> Config {
    let mut config = Config {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        ..Config::default()
    };
    if matches!(config.rng_seed, RngSeed::Random) {
        config.rng_seed = RngSeed::Fixed(RNG_SEED);
    }
    config
}

fn runner(config: Config) -> TestRunner {
    TestRunner::new(config)
}

/// The `i`-th schedule seed of a case (the case's own seed first).
fn schedule_seed(case: &Case, i: u64) -> u64 {
    let mut z = case
        .seed
        .min(u64::MAX - 1)
        .wrapping_add(i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    if i == 0 {
        return case.seed.min(u64::MAX - 1);
    }
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)).min(u64::MAX - 1)
}

fn scenario_with(case: &Case, behavior: Behavior) -> Scenario {
    let mut s = generate::to_scenario(case);
    s.behavior = behavior;
    s.resolve(&taintsim::controllers())
        .expect("a known behaviour");
    s
}

/// `case` as a scenario of the fixed controller.
fn fixed_scenario(case: &Case) -> Scenario {
    scenario_with(case, generate::fixed_behavior())
}

fn run(scenario: &Scenario, seed: u64) -> RunResult {
    run_schedule(scenario, Schedule::Random(seed), scenario.explore.max_steps)
        .expect("a generated scenario always runs")
}

fn observe(scenario: &Scenario, seed: u64) -> Observed {
    run(scenario, seed).observed
}

fn artifact_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("proptest-failures")
}

#[test]
fn fixed_controller_should_satisfy_every_oracle() {
    let cases = env_u32("PROPTEST_CASES").unwrap_or(256);
    let mut runner = runner(config(cases));
    let result = runner.run(&case(GenOptions::default()), |c| {
        let scenario = fixed_scenario(&c);
        let observed = observe(&scenario, scenario.explore.seeds.start);
        if observed.is_pass() {
            Ok(())
        } else {
            Err(TestCaseError::fail(observed.message()))
        }
    });
    if let Err(TestError::Fail(why, minimal)) = result {
        let minimal = generate::minimize(&minimal, |c| {
            let scenario = fixed_scenario(c);
            !observe(&scenario, scenario.explore.seeds.start).is_pass()
        });
        let scenario = fixed_scenario(&minimal);
        let text = serde_json::to_string_pretty(&scenario).expect("serializes");
        let dir = artifact_dir();
        let path = dir.join(format!("{}.json", scenario.name));
        let saved = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&path, &text))
            .map(|()| path.display().to_string())
            .unwrap_or_else(|e| format!("(not saved: {e})"));
        panic!(
            "the fixed controller fails a generated case: {why}\n\
             case: {}\nscenario (saved to {saved}; `taintsim shrink` it into \
             scenarios/regressions/):\n{text}",
            serde_json::to_string(&minimal).unwrap_or_default()
        );
    }
    result.expect("no other proptest error");
}

/// A bug toggle and what finding it means.
struct Toggle {
    name: &'static str,
    behavior: Behavior,
    options: GenOptions,
    /// Whether a run shows the failure this toggle causes.
    expected: fn(&RunResult) -> bool,
    /// A behaviour under which the same run must pass for the case to count (to tell a
    /// toggle's own failure from another toggle's that it also has).
    baseline: Option<Behavior>,
    /// The most generated cases to try.
    budget: u32,
    /// Schedule seeds each generated case runs during the search.
    seeds: u64,
    /// The most objects plus steps the shrunk case may have.
    bound: usize,
    /// Whether the regression file may be shrunk further by `taintsim_shrink`, which
    /// keeps the panic site or the oracle (and `marks`) but not a baseline.
    shrink_schedule: bool,
    /// Coverage marks the shrunk regression must still pass.
    marks: &'static [&'static str],
}

fn fixed_with(key: &str, value: &str) -> Behavior {
    generate::fixed_behavior().with(key, value)
}

fn is_update_work_panic(o: &Observed) -> bool {
    matches!(o, Observed::Panic { message, .. } if message.contains("UpdateWork"))
}

fn is_violation(r: &RunResult, oracle: OracleName) -> bool {
    matches!(&r.observed, Observed::Violation { oracle: got, .. } if *got == oracle)
}

fn toggles() -> Vec<Toggle> {
    vec![
        Toggle {
            name: "queue-v2",
            behavior: fixed_with("queue", "v2"),
            options: GenOptions::default(),
            expected: |r| is_update_work_panic(&r.observed),
            baseline: None,
            budget: 500,
            seeds: TOGGLE_SEEDS,
            bound: 6,
            shrink_schedule: true,
            marks: &[],
        },
        Toggle {
            name: "queue-v0",
            behavior: fixed_with("queue", "v0"),
            options: GenOptions::default(),
            // The stale nil entry itself: the work finished after the pod's Delete
            // notification removed its key, v0 stored nil again, and a later UpdateWork for a
            // pod of the same name dereferences it.
            expected: |r| {
                is_update_work_panic(&r.observed)
                    && r.report.trace.has_mark("queue.v0.restore-nil-after-cancel")
            },
            baseline: None,
            budget: 2000,
            seeds: TOGGLE_SEEDS,
            bound: 10,
            shrink_schedule: true,
            marks: &["queue.v0.restore-nil-after-cancel"],
        },
        Toggle {
            name: "queue-v3",
            behavior: fixed_with("queue", "v3"),
            options: GenOptions::default(),
            expected: |r| is_violation(r, OracleName::NoEarlyEviction),
            baseline: None,
            budget: 3000,
            seeds: 1,
            bound: 10,
            shrink_schedule: true,
            marks: &[],
        },
        Toggle {
            name: "pod-update-filter-claim-statuses",
            behavior: fixed_with("pod-update-filter", "claim-statuses"),
            options: GenOptions::default(),
            expected: |r| is_violation(r, OracleName::EventualEviction),
            baseline: None,
            budget: 500,
            seeds: TOGGLE_SEEDS,
            bound: 6,
            shrink_schedule: true,
            marks: &[],
        },
        Toggle {
            name: "handle-pods-return",
            behavior: fixed_with("handle-pods", "return"),
            options: GenOptions::default(),
            expected: |r| is_violation(r, OracleName::EventualEviction),
            baseline: None,
            budget: 500,
            seeds: TOGGLE_SEEDS,
            bound: 4,
            shrink_schedule: true,
            marks: &[],
        },
        Toggle {
            name: "retries-fixed",
            behavior: fixed_with("retries", "fixed"),
            options: GenOptions::default(),
            expected: |r| is_violation(r, OracleName::EventualEviction),
            baseline: None,
            budget: 500,
            seeds: TOGGLE_SEEDS,
            bound: 5,
            shrink_schedule: true,
            marks: &[],
        },
        Toggle {
            name: "toleration-effect-no-execute-only",
            behavior: generate::fixed_behavior(),
            options: GenOptions {
                empty_effect: true,
                ..GenOptions::default()
            },
            expected: |r| is_violation(r, OracleName::NoEarlyEviction),
            baseline: Some(fixed_with("toleration-effect", "any")),
            budget: 500,
            seeds: TOGGLE_SEEDS,
            bound: 4,
            shrink_schedule: true,
            marks: &[],
        },
    ]
}

/// The seed under which `case` shows the toggle's failure (and the baseline passes).
fn failing_seed(toggle: &Toggle, case: &Case, seeds: u64) -> Option<u64> {
    let scenario = scenario_with(case, toggle.behavior.clone());
    let baseline = toggle.baseline.clone().map(|b| scenario_with(case, b));
    (0..seeds).map(|i| schedule_seed(case, i)).find(|seed| {
        (toggle.expected)(&run(&scenario, *seed))
            && baseline
                .as_ref()
                .is_none_or(|b| observe(b, *seed).is_pass())
    })
}

/// What a toggle search found.
struct Found {
    /// The shrunk case.
    case: Case,
    /// The schedule seed under which it fails.
    seed: u64,
    /// Generated cases run until the first counterexample (1-based).
    cases: u32,
    /// Cases run while shrinking, by proptest and then by [`generate::minimize`].
    shrink_runs: u32,
    /// Size of proptest's shrunk case, before the greedy pass.
    proptest_len: usize,
}

/// Runs proptest on the property "the toggle's failure does not happen" and returns the
/// shrunk counterexample with its failing seed.
fn find(toggle: &Toggle) -> Found {
    let mut runner = runner(config(toggle.budget));
    let calls = std::cell::Cell::new(0u32);
    let first = std::cell::Cell::new(None::<u32>);
    let result = runner.run(&case(toggle.options), |c| {
        calls.set(calls.get() + 1);
        match failing_seed(toggle, &c, toggle.seeds) {
            Some(seed) => {
                first.set(first.get().or(Some(calls.get())));
                Err(TestCaseError::fail(format!("fails under seed {seed}")))
            }
            None => Ok(()),
        }
    });
    let Err(TestError::Fail(_, minimal)) = result else {
        panic!(
            "{}: proptest did not find the toggle's failure in {} cases: {result:?}",
            toggle.name, toggle.budget
        );
    };
    let proptest_len = minimal.len();
    let mut greedy = 0;
    let minimal = generate::minimize(&minimal, |c| {
        greedy += 1;
        failing_seed(toggle, c, MINIMIZE_SEEDS).is_some()
    });
    let seed = failing_seed(toggle, &minimal, MINIMIZE_SEEDS).expect("the shrunk case still fails");
    let cases = first.get().unwrap_or(0);
    Found {
        case: minimal,
        seed,
        cases,
        shrink_runs: calls.get() - cases + greedy,
        proptest_len,
    }
}

fn check_toggle(name: &str) {
    let toggle = toggles()
        .into_iter()
        .find(|t| t.name == name)
        .expect("a known toggle");
    let found = find(&toggle);
    let (minimal, seed) = (&found.case, found.seed);
    let scenario = scenario_with(minimal, toggle.behavior);
    println!(
        "{name}: found after {} cases; {} shrink runs; proptest shrunk to {}, greedy to {} \
         objects + {} steps (scenario: {} objects, {} steps), seed {seed}\n{}",
        found.cases,
        found.shrink_runs,
        found.proptest_len,
        minimal.objects.len(),
        minimal.steps.len(),
        scenario.objects.len(),
        scenario.steps.len(),
        serde_json::to_string(minimal).unwrap_or_default()
    );
    assert!(
        minimal.len() <= toggle.bound,
        "{name}: the shrunk case has {} objects and steps, more than the bound {}: {}",
        minimal.len(),
        toggle.bound,
        serde_json::to_string(minimal).unwrap_or_default()
    );
}

#[test]
fn queue_v2_should_be_found_and_shrunk() {
    check_toggle("queue-v2");
}

#[test]
fn queue_v0_should_be_found_and_shrunk() {
    check_toggle("queue-v0");
}

#[test]
fn queue_v3_should_be_found_and_shrunk() {
    check_toggle("queue-v3");
}

#[test]
fn pod_update_filter_claim_statuses_should_be_found_and_shrunk() {
    check_toggle("pod-update-filter-claim-statuses");
}

#[test]
fn handle_pods_return_should_be_found_and_shrunk() {
    check_toggle("handle-pods-return");
}

#[test]
fn retries_fixed_should_be_found_and_shrunk() {
    check_toggle("retries-fixed");
}

#[test]
fn toleration_effect_quirk_should_be_found_and_shrunk() {
    check_toggle("toleration-effect-no-execute-only");
}

#[test]
fn empty_effect_tolerations_should_pass_with_toleration_effect_any() {
    let behavior = fixed_with("toleration-effect", "any");
    let options = GenOptions {
        empty_effect: true,
        ..GenOptions::default()
    };
    let mut runner = runner(config(env_u32("PROPTEST_CASES").unwrap_or(256) / 4));
    let result = runner.run(&case(options), |c| {
        let scenario = scenario_with(&c, behavior.clone());
        let observed = observe(&scenario, scenario.explore.seeds.start);
        if observed.is_pass() {
            Ok(())
        } else {
            Err(TestCaseError::fail(observed.message()))
        }
    });
    result.expect("with toleration-effect any, empty-effect tolerations break no oracle");
}

#[test]
fn to_scenario_should_round_trip_through_the_scenario_format() {
    let mut runner = runner(config(64));
    let result = runner.run(&case(GenOptions::default()), |c| {
        let scenario = fixed_scenario(&c);
        let text = serde_json::to_string_pretty(&scenario).expect("serializes");
        let reloaded = parse(&text, Path::new("generated.json"), &taintsim::controllers())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let again = serde_json::to_string_pretty(&reloaded).expect("serializes");
        proptest::prop_assert_eq!(text, again);
        proptest::prop_assert_eq!(fixed_scenario(&c).steps.len(), scenario.steps.len());
        Ok(())
    });
    result.expect("generated scenarios are valid scenario files");
}

fn regressions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/regressions")
}

#[test]
fn regression_scenarios_should_replay_their_expectation() {
    let files = find_scenarios(&regressions_dir()).expect("scenarios/regressions exists");
    for path in files {
        let scenario = load_file(&path, &taintsim::controllers()).unwrap_or_else(|e| panic!("{e}"));
        let max_steps = scenario.explore.max_steps;
        match &scenario.decisions {
            Some(log) => {
                let r = run_schedule(&scenario, Schedule::Replay(log.clone()), max_steps)
                    .expect("runs");
                assert!(
                    r.observed.matches(&scenario.expect),
                    "{}: replay gave {}",
                    path.display(),
                    r.observed.message()
                );
            }
            None => {
                let summary = explore(
                    &scenario,
                    &ExploreOptions::from(&scenario.explore),
                    &mut |_| {},
                )
                .expect("explores");
                assert!(summary.ok, "{}: {:?}", path.display(), summary.outcomes);
            }
        }
    }
}

/// Writes `scenarios/regressions/<toggle>.json` for every toggle, shrunk by
/// `taintsim_shrink` from proptest's counterexample. Run on purpose only.
#[test]
#[ignore = "rewrites scenarios/regressions; run with TAINTSIM_WRITE_REGRESSIONS=1"]
fn write_regressions() {
    if std::env::var("TAINTSIM_WRITE_REGRESSIONS").is_err() {
        return;
    }
    for toggle in toggles() {
        let Found {
            case: minimal,
            seed,
            ..
        } = find(&toggle);
        let scenario = scenario_with(&minimal, toggle.behavior);
        let (mut out, how) = if toggle.shrink_schedule {
            let options = ShrinkOptions {
                keep_marks: toggle.marks.iter().map(|m| (*m).to_owned()).collect(),
                ..ShrinkOptions::default()
            };
            let shrunk = shrink(&scenario, Schedule::Random(seed), &options).expect("shrinks");
            let how = format!(
                "and shrunk by taintsim_shrink ({:?} -> {:?}): {}",
                shrunk.before,
                shrunk.after,
                shrunk.observed.message()
            );
            (shrunk.scenario, how)
        } else {
            let recorded = generate::record_failure(scenario, seed).expect("records");
            let how = format!("with its schedule as found: {}", recorded.description);
            (recorded, how)
        };
        out.name = format!("regression-{}", toggle.name);
        out.description = format!(
            "Found by tests/proptest_generated.rs with the toggle `{}` on the fixed controller, \
             shrunk by proptest ({} objects + {} steps of the generated case), recorded {how}",
            toggle.name,
            minimal.objects.len(),
            minimal.steps.len(),
        );
        let path = regressions_dir().join(format!("{}.json", toggle.name));
        let text = serde_json::to_string_pretty(&out).expect("serializes") + "\n";
        std::fs::write(&path, text).expect("writes");
        println!("wrote {}", path.display());
    }
    write_mixed_generations_regression();
}

/// The one failure of the fixed controller that generation found: a pool whose initial slices
/// have two generations. `to_scenario` avoids such worlds (see its docs), so this scenario is
/// built from the generated world it was first found in, with the second slice's generation
/// put back.
fn write_mixed_generations_regression() {
    let case: Case = serde_json::from_str(
        r#"{"objects":[
            {"Slice":{"slot":0,"pool":0,"generation":0,"devices":[{"device":0,"taints":[{"key":0,"value":false,"effect":"NoExecute","time_added":null}]}]}},
            {"Claim":{"slot":0,"allocated":true,"results":[{"pool":0,"device":0,"tolerations":[]}],"reserved_for":[{"pod":0,"stale":false}],"owner":null}},
            {"Pod":{"slot":0,"scheduled":true,"claims":[{"Direct":0}]}},
            {"Slice":{"slot":1,"pool":0,"generation":1,"devices":[]}}],
            "wait_for_sync":false,"steps":[],"seed":0}"#,
    )
    .expect("a valid case");
    // Bundled files have at least one step; the failure happens while the controller starts,
    // so waiting for it to sync keeps it.
    let case = Case {
        wait_for_sync: true,
        ..case
    };
    let mut scenario = fixed_scenario(&case);
    for o in &mut scenario.objects {
        if let taintsim_api::Object::SliceV1beta1(slice) = &mut o.0
            && slice.metadata.name.as_deref() == Some("slice-1")
        {
            std::sync::Arc::make_mut(slice).spec.pool.generation = 2;
        }
    }
    let seed = (0..1000)
        .find(|s| !observe(&scenario, *s).is_pass())
        .expect("some schedule evicts from the superseded generation");
    let shrunk =
        shrink(&scenario, Schedule::Random(seed), &ShrinkOptions::default()).expect("shrinks");
    let mut out = shrunk.scenario;
    out.name = "fixed-startup-mixed-generations".into();
    // The failure comes from the tracker's replay order, a recorded data choice: the file is
    // searched by random seeds rather than replaying the one schedule shrinking found.
    out.decisions = None;
    out.explore = ExploreSettings {
        strategy: StrategyName::Random,
        seeds: SeedRange {
            start: 0,
            end: 1000,
        },
        stop_on_failure: true,
        ..ExploreSettings::default()
    };
    out.description = format!(
        "Found by tests/proptest_generated.rs on the fixed 1.33 controller (not a catalogued \
         bug; write-up in docs/findings.md): pool-0 starts with slice-0 at generation 1, whose \
         device dev-0 has a NoExecute taint, and slice-1 at generation 2 without devices, so \
         dev-0 does not exist and the pod on it must stay. Upstream Run \
         (device_taint_eviction.go @ ab3cec07) registers the slice handler with the \
         resourceslicetracker only after the sync wait, and AddEventHandler replays the \
         existing slices one at a time in Go map order. In the orders that replay slice-0 \
         before slice-1, dev-0 looks tainted after slice-0 alone and the eviction starts at \
         once (no toleration, so the TimedWorkerQueue runs the work immediately); slice-1's \
         replay then cancels it, but CancelWork cannot stop work already running, and the pod \
         is deleted. The replay order is a recorded data choice, so random search finds it \
         (about every second schedule); the file expects this violation because the fixed \
         1.33 controller still has it. scenarios/latest/startup-mixed-generations.json is the \
         same world on `controller: latest`, which passes. Observed: {}",
        shrunk.observed.message()
    );
    let path = regressions_dir().join("fixed-startup-mixed-generations.json");
    let text = serde_json::to_string_pretty(&out).expect("serializes") + "\n";
    std::fs::write(&path, text).expect("writes");
    println!("wrote {} ({:?})", path.display(), shrunk.after);
}
