//! `taintsim run`: check scenario files and folders against their expectations
//! ([`taintsim_check::check_file`] judges each file; this module prints the verdicts).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use serde::Serialize;
use taintsim_check::{CheckError, Verdict, check_file_with_progress, expectation_short};
use taintsim_plugin::Registry;
use taintsim_scenario::load;

use crate::Status;
use crate::cli::{DEFAULT_SAVE_DIR, RunArgs};
use crate::progress::Bar;

/// One scenario's line in the table and entry in `--json`: the file's verdict, or why it has
/// none.
#[derive(Debug)]
pub struct ScenarioReport {
    /// The file, as found.
    pub file: String,
    /// The verdict, or the load or run error.
    pub result: Result<Verdict, CheckError>,
    /// Wall-clock milliseconds (0 for a file that did not load).
    pub elapsed_ms: u64,
}

/// The JSON of one [`ScenarioReport`].
#[derive(Serialize)]
struct ReportJson<'a> {
    /// The file, as found.
    file: &'a str,
    /// The scenario's name; `null` if the file did not load.
    name: Option<&'a str>,
    /// Whether the expectation holds.
    ok: bool,
    /// The expectation, short form (`pass`, `panic`, `violation:<oracle>`, ...); `null` if the
    /// file did not load.
    expected: Option<String>,
    /// The outcome found: the expected one when it was found, else the first unexpected one;
    /// `error` if the scenario could not be loaded or run.
    observed: &'a str,
    /// Schedules run.
    schedules: u64,
    /// Schedules that did not pass.
    failures: u64,
    /// The first schedule that did not pass.
    first_failure: Option<FirstFailureJson>,
    /// Wall-clock milliseconds.
    elapsed_ms: u64,
    /// Why the scenario could not be loaded or run (a `file:line:column` load error).
    error: Option<String>,
    /// The command that replays the first failure (or, if nothing failed, the first schedule).
    replay: Option<&'a str>,
    /// Schedules per outcome.
    outcomes: &'a BTreeMap<String, u64>,
}

/// The first failing schedule of a scenario.
#[derive(Serialize)]
struct FirstFailureJson {
    /// Its seed; `null` when a decision log was replayed.
    seed: Option<u64>,
    /// What went wrong.
    message: String,
}

const NO_OUTCOMES: &BTreeMap<String, u64> = &BTreeMap::new();

impl ScenarioReport {
    /// The scenario's name; `None` if the file did not load.
    pub fn name(&self) -> Option<&str> {
        match &self.result {
            Ok(v) => Some(&v.name),
            Err(e) => e.scenario().map(|(name, _)| name),
        }
    }

    /// Whether the expectation holds.
    pub fn ok(&self) -> bool {
        self.result.as_ref().is_ok_and(|v| v.ok)
    }

    /// The expectation, short form; `None` if the file did not load.
    pub fn expected(&self) -> Option<String> {
        match &self.result {
            Ok(v) => Some(v.expected()),
            Err(e) => e.scenario().map(|(_, expect)| expectation_short(expect)),
        }
    }

    /// The outcome shown, short form; `error` without a verdict.
    pub fn observed(&self) -> &str {
        self.result.as_ref().map_or("error", |v| &v.observed)
    }

    /// Schedules run.
    pub fn schedules(&self) -> u64 {
        self.result.as_ref().map_or(0, |v| v.schedules)
    }

    /// Why the file has no verdict.
    pub fn error(&self) -> Option<String> {
        self.result.as_ref().err().map(ToString::to_string)
    }

    /// The first failure's message.
    pub fn first_failure_message(&self) -> Option<String> {
        let v = self.result.as_ref().ok()?;
        v.first_failure.as_ref().map(|f| f.message())
    }

    fn json(&self) -> ReportJson<'_> {
        let verdict = self.result.as_ref().ok();
        ReportJson {
            file: &self.file,
            name: self.name(),
            ok: self.ok(),
            expected: self.expected(),
            observed: self.observed(),
            schedules: self.schedules(),
            failures: verdict.map_or(0, |v| v.failures),
            first_failure: verdict.and_then(|v| {
                v.first_failure.as_ref().map(|f| FirstFailureJson {
                    seed: f.seed(),
                    message: f.message(),
                })
            }),
            elapsed_ms: self.elapsed_ms,
            error: self.error(),
            replay: verdict.and_then(|v| v.replay.as_deref()),
            outcomes: verdict.map_or(NO_OUTCOMES, |v| &v.outcomes),
        }
    }
}

#[derive(Serialize)]
struct RunJson<'a> {
    ok: bool,
    scenarios: Vec<ReportJson<'a>>,
}

/// Runs `taintsim run`.
pub fn run(registry: &Registry, args: &RunArgs) -> anyhow::Result<Status> {
    let started = Instant::now();
    let mut reports = Vec::new();
    for path in &args.paths {
        match load::find_scenarios(path) {
            Ok(files) if files.is_empty() => reports.push(error_report(
                path,
                "no scenario files (*.json) found".into(),
            )),
            Ok(files) => {
                for file in files {
                    reports.push(run_file(registry, &file, args));
                }
            }
            Err(e) => reports.push(error_report(path, format!("cannot read: {e}"))),
        }
    }
    let total_ms = millis(started);
    let status = reports
        .iter()
        .map(|r| match (&r.result, r.ok()) {
            (Err(_), _) => Status::Error,
            (Ok(_), true) => Status::Ok,
            (Ok(_), false) => Status::Failed,
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
            scenarios: reports.iter().map(ScenarioReport::json).collect(),
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_table(&reports);
        print_summary(&reports, total_ms);
        for r in reports.iter().filter(|r| !r.ok()) {
            println!();
            print!("{}", failure_text(r));
        }
    }
    Ok(status)
}

/// A path that names no scenario file: a row with only its error, `PATH: message`.
fn error_report(path: &Path, message: String) -> ScenarioReport {
    ScenarioReport {
        file: path.display().to_string(),
        result: Err(CheckError::Load(load::LoadError {
            file: path.to_owned(),
            line: 0,
            column: 0,
            field: String::new(),
            message,
        })),
        elapsed_ms: 0,
    }
}

/// Loads, runs and judges one file, with a progress bar on terminals.
fn run_file(registry: &Registry, file: &Path, args: &RunArgs) -> ScenarioReport {
    let started = Instant::now();
    tracing::debug!(file = %file.display(), "running scenario");
    let label = file.display().to_string();
    let mut bar: Option<Bar> = None;
    let overrides = args
        .set
        .overrides(Some(Path::new(DEFAULT_SAVE_DIR)))
        .jobs(args.jobs.get());
    let result = check_file_with_progress(registry, file, &overrides, &mut |p| {
        bar.get_or_insert_with(|| {
            Bar::new(crate::common::show_progress(args.json), p.total, &label)
        })
        .update(p);
    });
    if let Some(bar) = bar {
        bar.finish();
    }
    let elapsed_ms = match &result {
        Err(CheckError::Load(_) | CheckError::Override(_)) => 0,
        _ => millis(started),
    };
    ScenarioReport {
        file: label,
        result,
        elapsed_ms,
    }
}

fn millis(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The report of one failed scenario; it ends with the replay command, if there is a schedule
/// to replay.
pub fn failure_text(r: &ScenarioReport) -> String {
    match &r.result {
        Ok(verdict) => verdict.to_string(),
        Err(e) => format!("ERROR {e}\n"),
    }
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
                match (&r.result, r.ok()) {
                    (Err(_), _) => "ERROR".into(),
                    (Ok(_), true) => "ok".into(),
                    (Ok(_), false) => "FAIL".into(),
                },
                r.file.clone(),
                r.expected().unwrap_or_else(|| "-".into()),
                r.observed().to_owned(),
                r.schedules().to_string(),
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
    let ok = reports.iter().filter(|r| r.ok()).count();
    let errors = reports.iter().filter(|r| r.result.is_err()).count();
    let failed = reports.len() - ok - errors;
    let schedules: u64 = reports.iter().map(ScenarioReport::schedules).sum();
    println!();
    println!(
        "{} scenario{}: {ok} ok, {failed} failed, {errors} error{}; {schedules} schedule{} in {total_ms} ms",
        reports.len(),
        if reports.len() == 1 { "" } else { "s" },
        if errors == 1 { "" } else { "s" },
        if schedules == 1 { "" } else { "s" },
    );
}
