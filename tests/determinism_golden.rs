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
