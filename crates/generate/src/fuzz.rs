//! What the cargo fuzz target `event_sequence` checks, and turning one of its crash artifacts
//! into a scenario file (`taintsim import-fuzz ARTIFACT -o scenarios/regressions/NAME.json`).
//!
//! The target runs the [fixed controller](super::fixed_behavior). To see the fuzzer find a
//! catalogued bug, set [`FUZZ_SET_ENV`] (`TAINTSIM_FUZZ_SET=queue=v2 just fuzz
//! event_sequence`); import its artifacts with the same overrides (`taintsim import-fuzz
//! ARTIFACT --set queue=v2 -o ...`).

use arbitrary::{Arbitrary, Unstructured};
use taintsim_plugin::{Behavior, Registry};

use super::{Case, fixed_behavior, to_scenario};
use taintsim_check::{Observed, RunResult, Schedule, run_schedule};
use taintsim_scenario::format::{Expectation, Scenario, SeedRange};
use taintsim_shrink::{FailureKey, expectation_for};

/// The most initial objects a fuzz input decodes to; the rest is dropped.
pub const MAX_FUZZ_OBJECTS: usize = 8;
/// The most actor steps a fuzz input decodes to; the rest is dropped.
pub const MAX_FUZZ_STEPS: usize = 24;

/// Decodes fuzz input exactly as the `event_sequence` target does: a [`Case`] read with
/// [`arbitrary`] (empty input gives the empty case), cut to [`MAX_FUZZ_OBJECTS`] and
/// [`MAX_FUZZ_STEPS`], with empty toleration effects read as `NoExecute` (the fixed
/// controller keeps upstream's "NoExecute only" quirk of `claimEvictionTime`).
pub fn decode(bytes: &[u8]) -> Case {
    let mut case = Case::arbitrary_take_rest(Unstructured::new(bytes)).unwrap_or_default();
    case.objects.truncate(MAX_FUZZ_OBJECTS);
    case.steps.truncate(MAX_FUZZ_STEPS);
    case.without_empty_effects()
}

/// The outcome of running a case on the fixed controller.
#[derive(Debug, Clone)]
pub enum FuzzVerdict {
    /// Every oracle held.
    Pass,
    /// Something did not pass: a panic, an oracle violation, a failed actor step (a pod that
    /// the fixed controller should have evicted never went away), no quiescence within the
    /// step bound, or a scenario the runner could not start.
    Failure {
        /// The scenario that fails.
        scenario: Box<Scenario>,
        /// What happened, if it ran.
        observed: Option<Observed>,
        /// A one-line description.
        message: String,
    },
}

/// The environment variable with behaviour overrides for the `event_sequence` target:
/// `KEY=VALUE` pairs separated by commas, applied to the fixed controller (`taintsim keys`
/// lists them).
pub const FUZZ_SET_ENV: &str = "TAINTSIM_FUZZ_SET";

/// The fixed controller with the `KEY=VALUE,...` overrides of `sets` (empty: none), checked
/// against `registry`.
pub fn behavior_with(registry: &Registry, sets: &str) -> Result<Behavior, String> {
    let mut behavior = fixed_behavior();
    for pair in sets.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(format!("{FUZZ_SET_ENV}: expected KEY=VALUE, got {pair:?}"));
        };
        behavior.set(k.trim(), v.trim());
    }
    registry
        .resolve(&behavior)
        .map_err(|e| format!("{FUZZ_SET_ENV}: {e}"))?;
    Ok(behavior)
}

/// Converts `case` with [`to_scenario`] and runs it once under its seed, on the fixed
/// controller of `registry`.
pub fn run_case(registry: &Registry, case: &Case) -> (Scenario, Result<RunResult, String>) {
    run_case_with(registry, case, fixed_behavior())
}

/// [`run_case`] with another controller behaviour.
pub fn run_case_with(
    registry: &Registry,
    case: &Case,
    behavior: Behavior,
) -> (Scenario, Result<RunResult, String>) {
    let mut scenario = to_scenario(case);
    scenario.behavior = behavior;
    if let Err(e) = scenario.resolve(registry) {
        return (scenario, Err(e.to_string()));
    }
    let result = run_schedule(
        &scenario,
        Schedule::Random(scenario.explore.seeds.start),
        scenario.explore.max_steps,
    )
    .map_err(|e| e.to_string());
    (scenario, result)
}

/// Runs `case` on the fixed controller and says whether every oracle held.
pub fn check_fixed(registry: &Registry, case: &Case) -> FuzzVerdict {
    check_with(registry, case, fixed_behavior())
}

/// [`check_fixed`] with another controller behaviour.
pub fn check_with(registry: &Registry, case: &Case, behavior: Behavior) -> FuzzVerdict {
    let (scenario, result) = run_case_with(registry, case, behavior);
    match result {
        Ok(r) if r.observed.is_pass() => FuzzVerdict::Pass,
        Ok(r) => FuzzVerdict::Failure {
            message: r.observed.message(),
            observed: Some(r.observed),
            scenario: Box::new(scenario),
        },
        Err(e) => FuzzVerdict::Failure {
            scenario: Box::new(scenario),
            observed: None,
            message: format!("the generated scenario does not run: {e}"),
        },
    }
}

/// Turns a crash artifact of the `event_sequence` target into a scenario file: decodes it as
/// the target does ([`decode`]), runs it on the fixed controller under the case's seed, and
/// records the failing schedule with [`record_failure`]. The scenario is named after a hash
/// of the bytes. An error if the artifact passes on this build.
pub fn import_fuzz_artifact(registry: &Registry, bytes: &[u8]) -> Result<Scenario, String> {
    import_fuzz_artifact_with(registry, bytes, fixed_behavior())
}

/// [`import_fuzz_artifact`] for an artifact found with another controller behaviour
/// ([`FUZZ_SET_ENV`]).
pub fn import_fuzz_artifact_with(
    registry: &Registry,
    bytes: &[u8],
    behavior: Behavior,
) -> Result<Scenario, String> {
    let case = decode(bytes);
    let mut scenario = to_scenario(&case);
    scenario.behavior = behavior;
    scenario.resolve(registry).map_err(|e| e.to_string())?;
    let seed = scenario.explore.seeds.start;
    let mut scenario = record_failure(scenario, seed)?;
    scenario.name = format!("fuzz-{:016x}", fnv1a(bytes));
    scenario.description = format!(
        "Imported from a cargo fuzz event_sequence artifact ({} bytes, {} objects, {} steps, \
         seed {}): {}",
        bytes.len(),
        case.objects.len(),
        case.steps.len(),
        case.seed,
        scenario.description
    );
    Ok(scenario)
}

/// Runs `scenario` under the random schedule `seed` and, if it fails, returns it with the
/// run's decision log recorded in `decisions` (so `taintsim run` replays exactly that run)
/// and `expect` naming the failure when the format can (a panic, an oracle violation;
/// otherwise `pass`, so the file fails until the bug is fixed). The description says what
/// failed. An error if the run passes or the recorded log does not reproduce the failure.
pub fn record_failure(mut scenario: Scenario, seed: u64) -> Result<Scenario, String> {
    let max_steps = scenario.explore.max_steps;
    let result = run_schedule(&scenario, Schedule::Random(seed), max_steps)
        .map_err(|e| format!("the scenario does not run: {e}"))?;
    if result.observed.is_pass() {
        return Err(format!(
            "the run passes under seed {seed} on this build; nothing to record"
        ));
    }
    scenario.expect = match expectation_for(&result.observed) {
        e @ (Expectation::Panic { .. } | Expectation::Violation { .. }) => e,
        _ => Expectation::Pass,
    };
    scenario.description = result.observed.message();
    scenario.explore.seeds = SeedRange { start: 0, end: 1 };
    scenario.decisions = Some(result.report.decisions.clone());
    let replay = run_schedule(
        &scenario,
        Schedule::Replay(result.report.decisions),
        max_steps,
    )
    .map_err(|e| e.to_string())?;
    if FailureKey::of(&replay.observed) != FailureKey::of(&result.observed) {
        return Err(format!(
            "the recorded schedule does not reproduce the failure: {}",
            replay.observed.message()
        ));
    }
    Ok(scenario)
}

/// FNV-1a, for stable artifact names.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
