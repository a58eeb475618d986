//! `taintsim run`: check scenario files and folders against their expectations.

use std::path::Path;
use std::time::Instant;
use taintsim_plugin::Registry;

use anyhow::Context as _;
use serde::Serialize;
use taintsim_check::{
    ExhaustiveOptions, ExploreOptions, ExploreSummary, Observed, Schedule, expectation_short,
    explore, run_schedule,
};
use taintsim_scenario::load;
use taintsim_scenario::model::{Expectation, Scenario, StrategyName};

use crate::Status;
use crate::cli::{RunArgs, SetArgs};
use crate::common::{self, ReplayTarget, replay_command};
use crate::progress::Bar;

/// One scenario's line in the table and entry in `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    /// The file, as found.
    pub file: String,
    /// The scenario's name; `null` if the file did not load.
    pub name: Option<String>,
    /// Whether the expectation holds.
    pub ok: bool,
    /// The expectation, short form (`pass`, `panic`, `violation:<oracle>`, ...); `null` if the
    /// file did not load.
    pub expected: Option<String>,
    /// The outcome found: the expected one when it was found, else the first unexpected one;
    /// `error` if the scenario could not be loaded or run.
    pub observed: String,
    /// Schedules run.
    pub schedules: u64,
    /// Schedules that did not pass.
    pub failures: u64,
    /// The first schedule that did not pass.
    pub first_failure: Option<FirstFailure>,
    /// Wall-clock milliseconds.
    pub elapsed_ms: u64,
    /// Why the scenario could not be loaded or run (a `file:line:column` load error).
    pub error: Option<String>,
    /// The command that replays the first failure (or, if nothing failed, the first schedule).
    pub replay: Option<String>,
    /// Schedules per outcome.
    pub outcomes: std::collections::BTreeMap<String, u64>,
    /// Human explanation of a failed expectation, for the text report and JUnit.
    #[serde(skip)]
    pub explanation: Vec<String>,
}

/// The first failing schedule of a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct FirstFailure {
    /// Its seed; `null` when a recorded decision log was replayed.
    pub seed: Option<u64>,
    /// What went wrong.
    pub message: String,
}

#[derive(Serialize)]
struct RunJson<'a> {
    ok: bool,
    scenarios: &'a [ScenarioReport],
}

/// Runs `taintsim run`.
pub fn run(registry: &Registry, args: &RunArgs) -> anyhow::Result<Status> {
    let started = Instant::now();
    let mut reports = Vec::new();
    for path in &args.paths {
        match load::find_scenarios(path) {
            Ok(files) if files.is_empty() => reports.push(error_report(
                path,
                format!("{}: no scenario files (*.json) found", path.display()),
            )),
            Ok(files) => {
                for file in files {
                    reports.push(run_file(registry, &file, &args.set, args.json));
                }
            }
            Err(e) => reports.push(error_report(
                path,
                format!("{}: cannot read: {e}", path.display()),
            )),
        }
    }
    let total_ms = started.elapsed().as_millis() as u64;
    let status = reports
        .iter()
        .map(|r| match (&r.error, r.ok) {
            (Some(_), _) => Status::Error,
            (None, true) => Status::Ok,
            (None, false) => Status::Failed,
        })
        .max()
        .unwrap_or(Status::Ok);

    if let Some(junit) = &args.junit {
        let xml = crate::junit::render(&reports, total_ms, &args.set);
        if let Some(dir) = junit.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the directory {}", dir.display()))?;
        }
        std::fs::write(junit, xml)
            .with_context(|| format!("cannot write the JUnit report {}", junit.display()))?;
    }

    if args.json {
        let out = RunJson {
            ok: status == Status::Ok,
            scenarios: &reports,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_table(&reports);
        print_summary(&reports, total_ms);
        for r in reports.iter().filter(|r| !r.ok) {
            println!();
            print!("{}", failure_text(r));
        }
    }
    Ok(status)
}

fn error_report(path: &Path, error: String) -> ScenarioReport {
    ScenarioReport {
        file: path.display().to_string(),
        name: None,
        ok: false,
        expected: None,
        observed: "error".into(),
        schedules: 0,
        failures: 0,
        first_failure: None,
        elapsed_ms: 0,
        error: Some(error),
        replay: None,
        outcomes: Default::default(),
        explanation: Vec::new(),
    }
}

/// Loads, runs and judges one file.
fn run_file(registry: &Registry, file: &Path, set: &SetArgs, json: bool) -> ScenarioReport {
    let started = Instant::now();
    tracing::debug!(file = %file.display(), "running scenario");
    let scenario = match common::load_scenario(registry, file, set) {
        Ok(s) => s,
        Err(e) => return error_report(file, format!("{e:#}")),
    };
    let mut report = if let Some(log) = &scenario.decisions {
        replay_recorded(file, &scenario, log.clone(), set)
    } else {
        explore_file(file, &scenario, set, json)
    };
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    report
}

fn base_report(file: &Path, scenario: &Scenario) -> ScenarioReport {
    ScenarioReport {
        file: file.display().to_string(),
        name: Some(scenario.name.clone()),
        ok: false,
        expected: Some(expectation_short(&scenario.expect)),
        observed: String::new(),
        schedules: 0,
        failures: 0,
        first_failure: None,
        elapsed_ms: 0,
        error: None,
        replay: None,
        outcomes: Default::default(),
        explanation: Vec::new(),
    }
}

/// A scenario with a recorded decision log: replay exactly that schedule.
fn replay_recorded(
    file: &Path,
    scenario: &Scenario,
    log: taintsim_sim::DecisionLog,
    set: &SetArgs,
) -> ScenarioReport {
    let mut report = base_report(file, scenario);
    let result = match run_schedule(scenario, Schedule::Replay(log), scenario.explore.max_steps) {
        Ok(r) => r,
        Err(e) => {
            report.observed = "error".into();
            report.error = Some(format!("{}: cannot run: {e}", file.display()));
            return report;
        }
    };
    let observed = &result.observed;
    report.schedules = 1;
    report.failures = u64::from(!observed.is_pass());
    report.outcomes.insert(observed.short(), 1);
    report.observed = observed.short();
    report.ok = observed.matches(&scenario.expect);
    if !observed.is_pass() {
        report.first_failure = Some(FirstFailure {
            seed: None,
            message: observed.message(),
        });
    }
    report.replay = Some(replay_command(file, scenario, &ReplayTarget::Recorded, set));
    if !report.ok {
        report.explanation.push(format!(
            "the recorded decision log ({} steps) ended with: {}",
            result.report.steps,
            observed.message()
        ));
    }
    report
}

/// A scenario without a recorded log: explore it with its own settings.
fn explore_file(file: &Path, scenario: &Scenario, set: &SetArgs, json: bool) -> ScenarioReport {
    let mut report = base_report(file, scenario);
    let options = ExploreOptions::from(&scenario.explore);
    if options.strategy == StrategyName::Exhaustive {
        return exhaustive_file(file, scenario, set, json, report);
    }
    let bar = Bar::new(
        common::show_progress(json),
        options.seeds.len(),
        &file.display().to_string(),
    );
    let summary = explore(scenario, &options, &mut |p| bar.update(p));
    bar.finish();
    let summary = match summary {
        Ok(s) => s,
        Err(e) => {
            report.observed = "error".into();
            report.error = Some(format!("{}: cannot run: {e}", file.display()));
            return report;
        }
    };
    report.ok = summary.ok;
    report.schedules = summary.schedules;
    report.failures = summary.failures;
    report.observed = observed_short(
        summary.first_failure.as_ref().map(|f| &f.result.observed),
        summary.ok,
        &summary.outcomes,
        &scenario.expect,
    );
    report.outcomes = summary.outcomes.clone();
    let seed = match &summary.first_failure {
        Some(f) => {
            report.first_failure = Some(FirstFailure {
                seed: Some(f.seed),
                message: f.result.observed.message(),
            });
            f.seed
        }
        None => options.seeds.start,
    };
    // A replay command only where there is something to look at: a failure, or a failed
    // expectation (then the first schedule shows what happened instead).
    report.replay = (summary.first_failure.is_some() || !summary.ok).then(|| {
        replay_command(
            file,
            scenario,
            &ReplayTarget::Seed {
                seed,
                strategy: options.strategy,
                depth: options.depth,
                seeds: options.seeds,
                max_steps: options.max_steps,
            },
            set,
        )
    });
    if !report.ok {
        report.explanation = explain(&summary, scenario, &options);
    }
    report
}

/// A scenario whose `explore.strategy` is `exhaustive`: search it with its own bounds
/// (`explore.max-schedules`, `explore.max-steps`), judge its expectation over the schedules
/// explored, and save the first failure's decision log where `explore` saves it by default.
/// An incomplete search is said so in the explanation (and makes a `pass` expectation fail:
/// the file asked for a proof within the bound).
fn exhaustive_file(
    file: &Path,
    scenario: &Scenario,
    set: &SetArgs,
    json: bool,
    mut report: ScenarioReport,
) -> ScenarioReport {
    let options = ExhaustiveOptions::from(&scenario.explore);
    let save = Path::new(crate::cli::DEFAULT_SAVE_DIR);
    let searched = match crate::exhaustive::search(file, scenario, options, Some(save), set, json) {
        Ok(s) => s,
        Err(e) => {
            report.observed = "error".into();
            report.error = Some(format!("{e:#}"));
            return report;
        }
    };
    let summary = &searched.summary;
    let proved = summary.complete || !matches!(scenario.expect, Expectation::Pass);
    report.ok = summary.ok && proved;
    report.schedules = summary.schedules;
    report.failures = summary.failures;
    report.outcomes = summary.outcomes.clone();
    report.observed = observed_short(
        summary.first_failure.as_ref().map(|f| &f.result.observed),
        summary.ok,
        &summary.outcomes,
        &scenario.expect,
    );
    if let Some(f) = &summary.first_failure {
        report.first_failure = Some(FirstFailure {
            seed: None,
            message: f.result.observed.message(),
        });
    }
    report.replay = searched.replay.clone();
    if !report.ok {
        report.explanation = crate::exhaustive::describe(&searched);
        match &summary.first_failure {
            Some(f) => report
                .explanation
                .push(format!("first failure: {}", f.result.observed.message())),
            None if !proved => {}
            None => report.explanation.push(format!(
                "expected {}, but no schedule failed",
                describe_expectation(&scenario.expect)
            )),
        }
    }
    report
}

/// The outcome to show: the expected one if it was found and nothing else failed, else the
/// first unexpected one.
fn observed_short(
    first: Option<&Observed>,
    ok: bool,
    outcomes: &std::collections::BTreeMap<String, u64>,
    expect: &Expectation,
) -> String {
    let Some(first) = first else {
        return "pass".into();
    };
    if !first.matches(expect) || ok {
        return first.short();
    }
    // The first failure was the expected kind, but another kind turned up later.
    let expected = expectation_short(expect);
    outcomes
        .keys()
        .find(|k| *k != "pass" && **k != expected)
        .cloned()
        .unwrap_or_else(|| first.short())
}

/// Why the expectation does not hold, in a few lines.
fn explain(summary: &ExploreSummary, scenario: &Scenario, options: &ExploreOptions) -> Vec<String> {
    let strategy = match options.strategy {
        StrategyName::Pct => format!("pct depth {}", options.depth),
        _ => "random".into(),
    };
    let counts: Vec<String> = summary
        .outcomes
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    let mut lines = vec![format!(
        "{} schedule{} ({strategy}, seeds {}): {}",
        summary.schedules,
        if summary.schedules == 1 { "" } else { "s" },
        options.seeds,
        counts.join(", ")
    )];
    match &summary.first_failure {
        None => lines.push(format!(
            "expected {}, but no schedule failed",
            describe_expectation(&scenario.expect)
        )),
        Some(f) => {
            if matches!(scenario.expect, Expectation::Pass) {
                lines.push(format!("seed {}: {}", f.seed, f.result.observed.message()));
            } else if f.result.observed.matches(&scenario.expect) {
                lines.push(format!(
                    "found the expected {}, but also other failures (first at seed {}: {})",
                    describe_expectation(&scenario.expect),
                    f.seed,
                    f.result.observed.message()
                ));
            } else {
                lines.push(format!(
                    "expected {}; seed {}: {}",
                    describe_expectation(&scenario.expect),
                    f.seed,
                    f.result.observed.message()
                ));
            }
        }
    }
    lines
}

/// An expectation in words.
pub fn describe_expectation(expect: &Expectation) -> String {
    match expect {
        Expectation::Pass => "pass".into(),
        Expectation::Panic { message_contains } => {
            format!("a panic containing {message_contains:?}")
        }
        Expectation::Violation { oracle } => format!("a violation of {oracle}"),
        Expectation::AssertionFailure {
            message_contains: Some(m),
        } => format!("an assertion failure containing {m:?}"),
        Expectation::AssertionFailure {
            message_contains: None,
        } => "an assertion failure".into(),
    }
}

/// The report of one failed scenario; it ends with the replay command, if there is a schedule
/// to replay.
pub fn failure_text(r: &ScenarioReport) -> String {
    let mut out = String::new();
    match (&r.error, &r.name) {
        (Some(e), _) => {
            out.push_str(&format!("ERROR {e}\n"));
            return out;
        }
        (None, Some(name)) => out.push_str(&format!(
            "FAIL {} ({name}): expected {}, observed {}\n",
            r.file,
            r.expected.as_deref().unwrap_or("?"),
            r.observed
        )),
        (None, None) => out.push_str(&format!("FAIL {}\n", r.file)),
    }
    for line in &r.explanation {
        out.push_str(&format!("  {line}\n"));
    }
    if let Some(cmd) = &r.replay {
        out.push_str(&format!("  replay: {cmd}\n"));
    }
    out
}

fn print_table(reports: &[ScenarioReport]) {
    let header = [
        "result",
        "file",
        "expected",
        "observed",
        "schedules",
        "time",
    ];
    let rows: Vec<[String; 6]> = reports
        .iter()
        .map(|r| {
            [
                match (&r.error, r.ok) {
                    (Some(_), _) => "ERROR".into(),
                    (None, true) => "ok".into(),
                    (None, false) => "FAIL".into(),
                },
                r.file.clone(),
                r.expected.clone().unwrap_or_else(|| "-".into()),
                r.observed.clone(),
                r.schedules.to_string(),
                format!("{} ms", r.elapsed_ms),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 6]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            // Numbers are right-aligned.
            if i >= 4 {
                out.push_str(&format!("{cell:>w$}"));
            } else {
                out.push_str(&format!("{cell:<w$}"));
            }
            if i + 1 < cells.len() {
                out.push_str("  ");
            }
        }
        println!("{}", out.trim_end());
    };
    line(header);
    for row in &rows {
        line(row.each_ref().map(String::as_str));
    }
}

fn print_summary(reports: &[ScenarioReport], total_ms: u64) {
    let ok = reports.iter().filter(|r| r.ok).count();
    let errors = reports.iter().filter(|r| r.error.is_some()).count();
    let failed = reports.len() - ok - errors;
    let schedules: u64 = reports.iter().map(|r| r.schedules).sum();
    println!();
    println!(
        "{} scenario{}: {ok} ok, {failed} failed, {errors} error{}; {schedules} schedule{} in {total_ms} ms",
        reports.len(),
        if reports.len() == 1 { "" } else { "s" },
        if errors == 1 { "" } else { "s" },
        if schedules == 1 { "" } else { "s" },
    );
}
