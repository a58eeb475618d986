//! Determinism across processes: this test binary recomputes the trace hash of every seed and
//! compares it with `tests/golden/determinism-hashes.txt`, written by an earlier process.
//!
//! A change that legitimately alters schedules (a new step, a renamed label) changes the
//! hashes; regenerate the list with `UPDATE_GOLDEN=1 cargo test -p taintsim-scenario --test
//! determinism_golden` and commit it with the change that caused it.

mod common;

use std::fmt::Write as _;

#[test]
fn trace_hashes_should_match_the_committed_golden_list() {
    let scenario = common::determinism_world();
    let mut text = String::new();
    for seed in 0..common::DETERMINISM_SEEDS {
        let _ = writeln!(text, "{seed} {:016x}", common::trace_hash(&scenario, seed));
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/determinism-hashes.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).expect("write the golden list");
        return;
    }
    let golden =
        std::fs::read_to_string(&path).expect("the golden list exists (UPDATE_GOLDEN=1 writes it)");
    let mismatches: Vec<_> = golden
        .lines()
        .zip(text.lines())
        .filter(|(g, t)| g != t)
        .take(5)
        .collect();
    assert!(
        mismatches.is_empty() && golden.lines().count() == text.lines().count(),
        "trace hashes differ from the golden list (first mismatches: golden vs now {mismatches:?}); \
         if the schedules changed on purpose, regenerate with UPDATE_GOLDEN=1"
    );
}

#[test]
fn worlds_started_from_the_stored_initial_objects_should_give_the_golden_hashes() {
    // A search stores the initial objects once (`Prepared`) and starts every world's server
    // from that snapshot; each schedule must still start from the same state as a world that
    // created them, so it gives the same hash as the golden list.
    let scenario = common::determinism_world();
    let prepared = taintsim_check::Prepared::of(&scenario);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/determinism-hashes.txt");
    let golden = std::fs::read_to_string(&path).expect("the golden list exists");
    for line in golden.lines().take(200) {
        let (seed, want) = line.split_once(' ').expect("seed and hash");
        let seed: u64 = seed.parse().expect("a seed");
        let strategy = Box::new(taintsim_sim::RandomStrategy::new_from_seed(seed));
        let (result, _) =
            taintsim_check::run_prepared(&scenario, &prepared, seed, strategy, 20_000, true)
                .expect("the scenario runs");
        assert!(result.observed.is_pass(), "seed {seed}");
        assert_eq!(
            format!("{:016x}", result.report.trace.hash()),
            want,
            "seed {seed}"
        );
    }
}
