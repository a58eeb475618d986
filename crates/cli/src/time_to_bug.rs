//! `taintsim time-to-bug`: for every scenario under the given paths whose expectation is a
//! failure, how long the simulator takes to find it (random, pct, exhaustive) and whether
//! `taintsim stress` (real threads on tokio) finds it within a cap. Prints one Markdown row per
//! scenario, then "simulator found K of K, median T; stress found M of K within C"
//! (docs/performance.md, "Time to bug across the catalogue").
//!
//! - random and pct: `explore` from the scenario's first seed, stopping at the first failure,
//!   over at most `SEARCH_SEEDS` seeds; pct at the scenario's depth.
//! - exhaustive: the scenario's own exhaustive search (DPOR, its `max-schedules` capped at
//!   `EXHAUSTIVE_CAP`); the time and schedule count are those at the first failing schedule
//!   (the search itself runs on to its end, which is not timed).
//! - stress: `stress_run` again and again (the `taintsim stress` defaults: one tokio worker
//!   thread per CPU, time × 1000) until a run shows the expected failure or `--stress-cap`.
//!
//! A strategy counts as finding the bug only if its first failure matches the scenario's
//! expectation. The simulator's time for a scenario is its fastest strategy's.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use taintsim_check::{
    ExhaustiveOptions, ExploreOptions, explore, explore_exhaustive_each, startup_end,
};
use taintsim_plugin::Registry;
use taintsim_scenario::format::{Expectation, Scenario, SeedRange, StrategyName};
use taintsim_scenario::load;
use taintsim_stress::{StressOptions, stress_run};

use crate::Status;

/// `taintsim time-to-bug`.
#[derive(Debug, Args)]
pub struct TimeToBugArgs {
    /// Scenario files or folders (default: `scenarios/`).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Real seconds the stress search of one scenario may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub stress_cap: f64,
    /// Only scenarios whose path contains this text.
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub filter: String,
}

/// A duration for humans: `12.3 µs`, `4.56 ms`, `1.23 s`.
fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.0} µs", s * 1e6)
    }
}

/// The most seeds one random or pct search runs before giving up.
const SEARCH_SEEDS: u64 = 20_000;
/// The most schedules of an exhaustive search.
const EXHAUSTIVE_CAP: u64 = 20_000;

/// What one search found: the time and schedules to its first matching failure.
#[derive(Clone, Copy)]
struct Found {
    took: Duration,
    schedules: u64,
}

/// `Some` if the search found the expected failure; the error text if it could not run.
type Cell = Result<Option<Found>, String>;

fn cell_text(c: &Cell) -> String {
    match c {
        Ok(Some(f)) => format!("{} ({})", human(f.took), f.schedules),
        Ok(None) => "not found".into(),
        Err(e) => format!("n/a: {}", e.chars().take(40).collect::<String>()),
    }
}

fn seeded(scenario: &Scenario, strategy: StrategyName) -> Cell {
    let start = scenario.explore.seeds.start;
    let options = ExploreOptions {
        strategy,
        seeds: SeedRange {
            start,
            end: start + SEARCH_SEEDS,
        },
        depth: scenario.explore.depth,
        stop_on_failure: true,
        max_steps: scenario.explore.max_steps,
    };
    let began = Instant::now();
    let summary = explore(scenario, &options, &mut |_| {}).map_err(|e| e.to_string())?;
    let took = began.elapsed();
    Ok(summary
        .first_failure
        .filter(|f| f.result.observed.matches(&scenario.expect))
        .map(|_| Found {
            took,
            schedules: summary.schedules,
        }))
}

fn exhaustive(scenario: &Scenario) -> Cell {
    let mut options = ExhaustiveOptions::from(&scenario.explore);
    options.max_schedules = options.max_schedules.min(EXHAUSTIVE_CAP);
    // The canonical startup prefix, as `taintsim explore --strategy exhaustive` takes it ("" if
    // the controller never syncs: the whole run is searched).
    let label = startup_end(scenario, options.max_steps)
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let began = Instant::now();
    let mut found = None;
    explore_exhaustive_each(scenario, &label, &options, &mut |result, progress| {
        if found.is_none() && result.observed.matches(&scenario.expect) {
            found = Some(Found {
                took: began.elapsed(),
                schedules: progress.schedules,
            });
        }
    })
    .map_err(|e| e.to_string())?;
    Ok(found)
}

fn stress(scenario: &Scenario, cap: Duration) -> Cell {
    let options = StressOptions::default();
    let began = Instant::now();
    let mut runs = 0;
    while began.elapsed() < cap {
        let run = stress_run(scenario, &options).map_err(|e| e.to_string())?;
        runs += 1;
        if run.observed.matches(&scenario.expect) {
            return Ok(Some(Found {
                took: began.elapsed(),
                schedules: runs,
            }));
        }
    }
    Ok(None)
}

/// Runs `taintsim time-to-bug`.
pub fn time_to_bug(registry: &Registry, args: &TimeToBugArgs) -> anyhow::Result<Status> {
    let cap = Duration::from_secs_f64(args.stress_cap.max(0.0));
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        args.paths.clone()
    };
    let mut files = Vec::new();
    for p in &paths {
        files.extend(load::find_scenarios(p)?);
    }
    files.sort();
    println!(
        "| Scenario | random | pct | exhaustive | stress (cap {}) |",
        human(cap)
    );
    println!("|---|---|---|---|---|");
    let (mut rows, mut sim_found, mut stress_found) = (0, 0, 0);
    let mut sim_times = Vec::new();
    for path in files {
        let name = path.display().to_string();
        if !name.contains(&args.filter) {
            continue;
        }
        let scenario = load::load_file(&path, registry)?;
        if scenario.expect == Expectation::Pass {
            continue;
        }
        rows += 1;
        let cells = [
            seeded(&scenario, StrategyName::Random),
            seeded(&scenario, StrategyName::Pct),
            exhaustive(&scenario),
        ];
        let fastest = cells
            .iter()
            .filter_map(|c| c.as_ref().ok().copied().flatten())
            .map(|f| f.took)
            .min();
        if let Some(t) = fastest {
            sim_found += 1;
            sim_times.push(t);
        }
        let stressed = stress(&scenario, cap);
        if matches!(stressed, Ok(Some(_))) {
            stress_found += 1;
        }
        println!(
            "| `{name}` | {} | {} | {} | {} |",
            cell_text(&cells[0]),
            cell_text(&cells[1]),
            cell_text(&cells[2]),
            match &stressed {
                Ok(Some(f)) => format!("{} ({} runs)", human(f.took), f.schedules),
                other => cell_text(other),
            }
        );
    }
    sim_times.sort();
    let median = sim_times
        .get(sim_times.len() / 2)
        .map_or_else(|| "-".into(), |t| human(*t));
    println!(
        "simulator found {sim_found} of {rows}, median {median}; stress found {stress_found} \
         of {rows} within {}",
        human(cap)
    );
    Ok(if sim_found == rows {
        Status::Ok
    } else {
        Status::Failed
    })
}
