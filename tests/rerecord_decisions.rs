//! Maintenance: extends the recorded decision logs of bundled scenario files whose runs got
//! longer, for example since a violation no longer ends a run. Each such file's log replays up
//! to its end and the run then goes on with random choices from seed 0; the whole run's log is
//! written back, and the file must still meet its expectation.
//!
//! ```sh
//! TAINTSIM_RERECORD=1 cargo test -p taintsim --test rerecord_decisions -- --ignored
//! ```
//!
//! Files whose log already covers the whole run are left alone. `tests/scenarios.rs` checks
//! every recorded log against its file's expectation on every test run.

mod common;

use taintsim_check::{Schedule, run_schedule};
use taintsim_scenario::load::{find_scenarios, load_file};

#[test]
#[ignore = "rewrites bundled scenario files; run with TAINTSIM_RERECORD=1"]
fn rerecord_truncated_decision_logs() {
    if std::env::var_os("TAINTSIM_RERECORD").is_none() {
        eprintln!("set TAINTSIM_RERECORD=1 to rewrite the bundled files");
        return;
    }
    let registry = taintsim::controllers();
    let files = find_scenarios(&common::bundled("")).expect("bundled scenarios");
    for path in files {
        let scenario = load_file(&path, &registry).expect("loads");
        let Some(log) = scenario.decisions.clone() else {
            continue;
        };
        let max_steps = scenario.explore.max_steps;
        let exact =
            run_schedule(&scenario, Schedule::Replay(log.clone()), max_steps).expect("runs");
        if !matches!(exact.observed, taintsim_check::Observed::Divergence { .. }) {
            continue;
        }
        // Past the log's end the run picks at random from seed 0: any continuation will do,
        // since the whole run's log is recorded and checked against the expectation.
        let longer =
            run_schedule(&scenario, Schedule::ReplayThenRandom(log, 0), max_steps).expect("runs");
        assert!(
            longer.observed.matches(&scenario.expect),
            "{}: the continued run shows {:?}, not what the file expects",
            path.display(),
            longer.observed
        );
        let text = std::fs::read_to_string(&path).expect("readable");
        let text = with_decisions(&text, &longer.report.decisions);
        std::fs::write(&path, text).expect("writes");
        eprintln!(
            "{}: {} -> {} decisions",
            path.display(),
            scenario.decisions.as_ref().map_or(0, |l| l.entries.len()),
            longer.report.decisions.entries.len()
        );
    }
}

/// `text` with its `decisions` value, which must be the file's last key (as the writers of
/// recorded files put it), replaced by `log`. The rest of the file keeps its text and key order.
fn with_decisions(text: &str, log: &taintsim_sim::DecisionLog) -> String {
    let at = text
        .rfind("\n  \"decisions\": ")
        .expect("a top-level decisions key, last in the file");
    let pretty = serde_json::to_string_pretty(log).expect("serialises");
    let indented = pretty.replace('\n', "\n  ");
    format!("{}\n  \"decisions\": {indented}\n}}\n", &text[..at])
}
