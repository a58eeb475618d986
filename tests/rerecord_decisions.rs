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
//!
//! A second tool rewrites the labels of every recorded log after a change of label text only
//! (for example the UIDs that step labels now carry): it replays each log by index, checking
//! that every enabled set has the recorded size and every data choice the recorded range, and
//! writes back the same choices under today's labels.
//!
//! ```sh
//! TAINTSIM_RELABEL=1 cargo test -p taintsim --test rerecord_decisions -- --ignored
//! ```

mod common;

use taintsim_check::{Schedule, run_schedule, run_strategy};
use taintsim_scenario::format::Scenario;
use taintsim_scenario::load::{find_scenarios, load_file};
use taintsim_sim::{ChooseContext, Decision, DecisionLog, Divergence, Enabled, Strategy};

#[test]
#[ignore = "rewrites bundled scenario files; run with TAINTSIM_RERECORD=1"]
fn rerecord_truncated_decision_logs() {
    for (path, scenario, log) in recorded_files("TAINTSIM_RERECORD") {
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

/// The bundled scenario files with a recorded decision log, each loaded, with its log; none
/// unless the environment variable `gate` is set, since the tools rewrite them.
fn recorded_files(gate: &str) -> Vec<(std::path::PathBuf, Scenario, DecisionLog)> {
    if std::env::var_os(gate).is_none() {
        eprintln!("set {gate}=1 to rewrite the bundled files");
        return Vec::new();
    }
    let registry = taintsim::controllers();
    let files = find_scenarios(&common::bundled("")).expect("bundled scenarios");
    files
        .into_iter()
        .filter_map(|path| {
            let scenario = load_file(&path, &registry).expect("loads");
            let log = scenario.decisions.clone()?;
            Some((path, scenario, log))
        })
        .collect()
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

#[test]
#[ignore = "rewrites bundled scenario files; run with TAINTSIM_RELABEL=1"]
fn relabel_decision_logs() {
    for (path, scenario, log) in recorded_files("TAINTSIM_RELABEL") {
        let recorded = log.entries.len();
        let strategy = Box::new(ByIndex { log, position: 0 });
        let (run, _) =
            run_strategy(&scenario, 0, strategy, scenario.explore.max_steps).expect("runs");
        assert!(
            run.observed.matches(&scenario.expect),
            "{}: the relabelled run shows {:?}, not what the file expects",
            path.display(),
            run.observed
        );
        assert_eq!(
            run.report.decisions.entries.len(),
            recorded,
            "{}",
            path.display()
        );
        let text = std::fs::read_to_string(&path).expect("readable");
        std::fs::write(&path, with_decisions(&text, &run.report.decisions)).expect("writes");
        eprintln!("{}: {recorded} decisions relabelled", path.display());
    }
}

/// Follows a log by index alone, whatever the labels say now.
struct ByIndex {
    log: DecisionLog,
    position: usize,
}

impl ByIndex {
    fn diverged(&self, found: Vec<String>) -> Divergence {
        Divergence {
            decision: self.position,
            expected: self
                .log
                .entries
                .get(self.position)
                .map_or_else(|| "<end of log>".into(), Decision::describe),
            found,
        }
    }
}

impl Strategy for ByIndex {
    fn choose(&mut self, enabled: &[Enabled], _: &ChooseContext) -> Result<usize, Divergence> {
        match self.log.entries.get(self.position) {
            Some(Decision::Schedule {
                index, enabled: n, ..
            }) if *n == enabled.len() => {
                self.position += 1;
                Ok(*index)
            }
            _ => Err(self.diverged(enabled.iter().map(Enabled::label).collect())),
        }
    }

    fn random(&mut self, label: &str, n: u64) -> Result<u64, Divergence> {
        match self.log.entries.get(self.position) {
            Some(Decision::Data { n: m, value, .. }) if *m == n => {
                self.position += 1;
                Ok(*value)
            }
            _ => Err(self.diverged(vec![label.to_owned()])),
        }
    }
}
