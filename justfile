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

# The loom models (crates/controller/tests/loom_*.rs): release mode, one test binary per model
# file, each printing its preemption bound and iteration count. Never `--all-features`.
loom:
    for f in crates/controller/tests/loom_*.rs; do cargo test -p taintsim-controller --features loom --release --test "$(basename "$f" .rs)" -- --nocapture; done

# What .ci/run runs.
ci: lint test loom run

# The criterion benchmarks (benches/, see docs/performance.md) with short settings; each prints
# `RESULT` and `TARGET` lines with its ratio against a baseline measured in the same run. Not in CI.
bench *ARGS:
    cargo bench --bench apiserver_ops --bench controller_scale --bench schedules_per_sec --bench time_to_bug --bench virtual_time -- --warm-up-time 1 --measurement-time 3 {{ARGS}} 2>&1 | tee target/bench.log
    @grep -E '^(RESULT|TARGET) ' target/bench.log
