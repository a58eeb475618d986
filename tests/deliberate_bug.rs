//! Proof that the oracles can catch a bug in the controller's own toleration code (issue 17:
//! "The oracles judge the controller with the controller's own code").
//!
//! `just mutant` builds the device controller with the feature `mutant-toleration-seconds`:
//! `claimEvictionTime` then ends every finite toleration one second early
//! (crates/controllers/device/src/eviction_time.rs). The oracles' reference
//! (crates/reference) computes eviction times without the controller's code, so exploring the
//! bundled `toleration-seconds` scenario must find a `no-early-eviction` violation. In every
//! other build the same exploration must find nothing.
//!
//! A reference that called the controller's `claim_eviction_time`, as the interim one did,
//! computed the same early time and judged the early DELETE on time.

mod common;

use std::time::Instant;

use taintsim_check::oracle::OracleName;
use taintsim_check::{ExploreOptions, Observed, explore};
use taintsim_scenario::format::{SeedRange, StrategyName};
use taintsim_scenario::load::load_file;

/// Whether this build carries the deliberate bug.
const MUTANT: bool = cfg!(feature = "mutant-toleration-seconds");

/// Schedules explored per strategy.
const SEEDS: u64 = 50;

#[test]
fn an_oracle_should_catch_the_toleration_seconds_mutant_and_nothing_else() {
    let scenario = load_file(
        &common::bundled("catalogue/toleration-seconds.json"),
        &taintsim::controllers(),
    )
    .expect("the scenario loads");
    for strategy in [StrategyName::Random, StrategyName::Pct] {
        let options = ExploreOptions {
            strategy,
            seeds: SeedRange {
                start: 0,
                end: SEEDS,
            },
            depth: scenario.explore.depth,
            stop_on_failure: false,
            max_steps: scenario.explore.max_steps,
        };
        let started = Instant::now();
        let summary = explore(&scenario, &options, &mut |_| {}).expect("the scenario runs");
        println!(
            "{strategy:?}, seeds 0..{SEEDS}, mutant {MUTANT}: {} failures of {} schedules {:?} in {:.2?}",
            summary.failures,
            summary.schedules,
            summary.outcomes,
            started.elapsed()
        );
        if !MUTANT {
            assert_eq!(
                summary.failures,
                0,
                "{strategy:?}: the fixed controller failed: {:?}",
                summary
                    .first_failure
                    .map(|f| (f.seed, f.result.observed.message()))
            );
            continue;
        }
        let first = summary.first_failure.as_ref().unwrap_or_else(|| {
            panic!("{strategy:?}: no oracle caught the mutant in {SEEDS} seeds")
        });
        assert!(
            matches!(
                &first.result.observed,
                Observed::Violation {
                    oracle: OracleName::NoEarlyEviction,
                    ..
                }
            ),
            "{strategy:?}: seed {} failed otherwise: {}",
            first.seed,
            first.result.observed.message()
        );
        println!(
            "{strategy:?}: first caught at seed {}: {}",
            first.seed,
            first.result.observed.message()
        );
        assert_eq!(
            summary.outcomes.keys().collect::<Vec<_>>(),
            ["violation:no-early-eviction"],
            "{strategy:?}: every schedule should end in the same violation"
        );
    }
}
