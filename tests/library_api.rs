//! The library API for users' own tests (`taintsim::Scenario`, `Verdict`): a failed
//! expectation panics (or errs) with `taintsim run`'s report and a replay command that really
//! re-runs the failure; load and override errors name what is wrong.

use std::path::PathBuf;

use taintsim::{CheckError, Scenario, Schedule, Strategy};
use taintsim_cli::{Status, run_with};

fn bundled(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

/// Splits a replay command as a POSIX shell would (the commands here quote nothing).
fn words(command: &str) -> Vec<&str> {
    command.split_whitespace().collect()
}

#[test]
fn assert_ok_should_panic_with_the_report_and_its_replay_command() {
    let verdict = Scenario::load(bundled("updatework-panic.json"))
        .and_then(|s| s.set("queue", "v3"))
        .and_then(|s| s.check())
        .expect("runs");
    assert!(!verdict.ok, "{verdict}");
    let panic = std::panic::catch_unwind(|| verdict.assert_ok()).expect_err("it panics");
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .expect("a formatted panic message");
    assert!(
        message.starts_with("FAIL ") && message.contains("expected panic, observed pass"),
        "{message}"
    );
    let replay = verdict.replay.clone().expect("a replay command");
    assert!(message.contains(&format!("replay: {replay}")), "{message}");
    assert!(replay.ends_with("--set queue=v3"), "{replay}");
    let err = verdict
        .into_result()
        .expect_err("the sibling does not panic");
    assert_eq!(err.to_string(), message);
}

#[test]
fn a_pct_failure_should_replay_with_its_command_line() {
    let verdict = Scenario::load(bundled("updatework-panic.json"))
        .expect("loads")
        .explore(Strategy::Pct { depth: 3 }, 0..1000)
        .expect("runs");
    verdict.assert_ok();
    let first = verdict.first_failure.as_ref().expect("the panic was found");
    let seed = first.seed().expect("a PCT schedule has a seed");
    assert!(matches!(first.schedule, Schedule::Pct { depth: 3, .. }));
    let replay = verdict.replay.as_deref().expect("a replay command");
    // The file explores 0..2000 at random: the command names the strategy and the range.
    assert!(
        replay.contains(&format!(
            "--seed {seed} --strategy pct --depth 3 --seeds 0..1000"
        )),
        "{replay}"
    );
    let status = run_with(&taintsim::controllers(), words(replay));
    assert_eq!(status, Status::Ok, "{replay} reproduces the expected panic");
}

#[test]
fn a_recorded_log_should_be_checked_as_its_one_schedule() {
    let file = bundled("regressions/queue-v3.json");
    let verdict = Scenario::load(&file).and_then(|s| s.check()).expect("runs");
    assert!(verdict.ok, "{verdict}");
    assert_eq!(verdict.schedules, 1);
    let first = verdict
        .first_failure
        .as_ref()
        .expect("the recorded violation");
    assert_eq!(first.schedule, Schedule::Recorded);
    assert_eq!(first.seed(), None);
    assert_eq!(
        verdict.replay.as_deref(),
        Some(format!("taintsim replay {}", file.display()).as_str())
    );
}

#[test]
fn load_and_override_errors_should_name_what_is_wrong() {
    let missing = Scenario::load("no/such/file.json").expect_err("no such file");
    assert!(matches!(missing, CheckError::Load(_)), "{missing:?}");
    assert!(
        missing.to_string().starts_with("no/such/file.json: "),
        "{missing}"
    );

    let scenario = Scenario::load(bundled("updatework-panic.json")).expect("loads");
    let bad = scenario
        .clone()
        .set("queue", "v9")
        .expect_err("no queue v9");
    assert!(matches!(bad, CheckError::Override(_)), "{bad:?}");
    assert!(bad.to_string().contains("\"v9\""), "{bad}");

    let empty = scenario
        .explore(Strategy::Random, 5..5)
        .expect_err("an empty range judges nothing");
    assert!(empty.to_string().contains("empty"), "{empty}");
}
