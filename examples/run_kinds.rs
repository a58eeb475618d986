//! Runs the TestEviction/update scenario (`scenarios/eviction-update.json`) for seeds
//! `0..N` in one of three ways, so that callgrind can count the instructions of each kind of
//! run (docs/performance.md, "Three kinds of run"):
//!
//! - `full`: labels on, the world built from the scenario file's objects, as `taintsim replay`
//!   runs a schedule and as the `schedules_per_sec` bench's TARGET line counts it;
//! - `labelled`: labels on, from the initial objects stored once (`Prepared`), as the
//!   exhaustive search runs each schedule;
//! - `verdict`: labels off, prepared, as `explore` runs each seed.
//!
//! ```sh
//! CARGO_PROFILE_RELEASE_DEBUG=line-tables-only cargo build --release --example run_kinds
//! valgrind --tool=callgrind target/release/examples/run_kinds full 250
//! ```
//!
//! Instructions per run are the slope between two counts (50 and 250), which cancels the
//! process start and the scenario's loading.

use std::process::ExitCode;

use taintsim_check::{Prepared, Schedule, run_prepared, run_schedule};
use taintsim_sim::RandomStrategy;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: run_kinds <full|labelled|verdict> <number of seeds>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (kind, count) = match args.as_slice() {
        [kind, count] => match count.parse::<u64>() {
            Ok(count) => (kind.as_str(), count),
            Err(e) => return fail(&format!("{count:?} is not a number of seeds: {e}")),
        },
        _ => return fail(USAGE),
    };
    if !["full", "labelled", "verdict"].contains(&kind) {
        return fail(&format!("unknown kind of run {kind:?}\n{USAGE}"));
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join("eviction-update.json");
    let scenario = match taintsim_scenario::load::load_file(&path, &taintsim::controllers()) {
        Ok(scenario) => scenario,
        Err(e) => return fail(&format!("{}: {e}", path.display())),
    };
    let max_steps = scenario.explore.max_steps;
    let prepared = Prepared::of(&scenario);
    let mut steps = 0;
    for seed in 0..count {
        let strategy = || Box::new(RandomStrategy::new_from_seed(seed));
        let run = match kind {
            "full" => run_schedule(&scenario, Schedule::Random(seed), max_steps),
            labelled => run_prepared(
                &scenario,
                &prepared,
                seed,
                strategy(),
                max_steps,
                labelled == "labelled",
            )
            .map(|(result, _)| result),
        };
        match run {
            Ok(result) => steps += result.report.steps,
            Err(e) => return fail(&format!("seed {seed}: {e}")),
        }
    }
    println!("{kind}: {count} runs, {steps} steps");
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    eprintln!("run_kinds: {message}");
    ExitCode::from(2)
}
