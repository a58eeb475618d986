#!/bin/sh
# Seeds the fuzz corpora: every scenario file under scenarios/ for `scenario_file`, and the
# committed seed inputs for `event_sequence`. Run from anywhere; safe to run again.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/fuzz/corpus/scenario_file" "$root/fuzz/corpus/event_sequence"
find "$root/scenarios" -name '*.json' | while read -r f; do
    name=$(printf '%s' "${f#"$root/scenarios/"}" | tr '/' '_')
    cp "$f" "$root/fuzz/corpus/scenario_file/$name"
done
cp "$root/fuzz/seeds/event_sequence/"* "$root/fuzz/corpus/event_sequence/"
