# The everyday commands. `just --list` shows them; `.ci/run` runs `just ci`.

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes.
default:
    @just --list

# The main job (the README's first command): run every bundled scenario, check its expectation.
run *ARGS:
    cargo run --release -p taintsim-cli -- run scenarios/ {{ARGS}}

# The whole test suite (the README's test command).
test:
    cargo test --workspace

# Formatting and clippy, as CI checks them.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

# Format the code.
fmt:
    cargo fmt --all

# The loom models (crates/timed-worker-queue/tests/loom_*.rs and
# crates/controllers/device/tests/loom_*.rs): release mode, one test binary per model file,
# each printing its preemption bound and iteration count. Never `--all-features`.
loom:
    for f in crates/timed-worker-queue/tests/loom_*.rs; do cargo test -p taintsim-timed-worker-queue --features loom --release --test "$(basename "$f" .rs)" -- --nocapture; done
    for f in crates/controllers/device/tests/loom_*.rs; do cargo test -p taintsim-controller-device --features loom --release --test "$(basename "$f" .rs)" -- --nocapture; done

# The deliberate-bug test (tests/deliberate_bug.rs) on a controller built with its toleration
# seconds off by one: an oracle must catch it, as the plain build's run of the same test shows
# it catching nothing. Its own target directory, so the cfg does not rebuild target/debug.
mutant:
    cargo test -p taintsim --features mutant-toleration-seconds --test deliberate_bug -- --nocapture

# The fixed-controller proptest properties with 10 000 generated cases (`cargo test` runs 256).
proptest-long CASES="10000":
    PROPTEST_CASES={{CASES}} cargo test --release -p taintsim --test proptest_generated -- --nocapture fixed_controller_should_satisfy_every_oracle empty_effect_tolerations_should_pass

# Fuzz one cargo fuzz target (event_sequence, scenario_file) for SECONDS, on the stable
# toolchain (SANITIZER=none); SANITIZER=address builds with AddressSanitizer through
# RUSTC_BOOTSTRAP=1. Installs cargo-fuzz if missing and seeds the corpus from scenarios/.
# Crashes land in fuzz/artifacts/TARGET/; `taintsim import-fuzz` turns one into a scenario.
fuzz TARGET SECONDS="60" SANITIZER="none":
    command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
    fuzz/seed-corpus.sh
    dict=""; [ "{{TARGET}}" = scenario_file ] && dict="-dict=fuzz/scenario_file.dict"; \
    if [ "{{SANITIZER}}" != none ]; then export RUSTC_BOOTSTRAP=1; fi; \
    cargo fuzz run --fuzz-dir fuzz -s {{SANITIZER}} {{TARGET}} fuzz/corpus/{{TARGET}} -- -max_total_time={{SECONDS}} -print_final_stats=1 $dict

# The CI smoke: each fuzz target for 60 s (fails on any crash).
fuzz-smoke SECONDS="60":
    just fuzz event_sequence {{SECONDS}}
    just fuzz scenario_file {{SECONDS}}

# What .ci/run runs.
ci: lint test loom mutant run (fuzz-smoke "30")

# The criterion benchmarks (benches/, see docs/performance.md) with short settings; each prints
# `RESULT` and `TARGET` lines with its ratio against a baseline measured in the same run. Not in CI.
bench *ARGS:
    cargo bench --bench apiserver_ops --bench controller_scale --bench schedules_per_sec --bench time_to_bug --bench virtual_time -- --warm-up-time 1 --measurement-time 3 {{ARGS}} 2>&1 | tee target/bench.log
    @grep -E '^(RESULT|TARGET) ' target/bench.log
