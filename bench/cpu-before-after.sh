#!/bin/sh
# CPU seconds of one paper-protocol run (seed 1, no untrained control, 1 kernel thread) per model and data set, in
# two built checkouts of the project (e.g. a snapshot of an older commit and this one): shows what a code change
# did to the Table 2 runs' cost. User CPU is the steadier measure when other jobs share the cores; wall time is
# printed too. Prints one JSON object per line; metrics are printed so identical results can be checked.
# Usage: sh bench/cpu-before-after.sh BEFORE_DIR AFTER_DIR "dsebm-e arrhythmia" "dcn thyroid" ...
before=$1; after=$2; shift 2
for spec in "$@"; do
  set -- $spec
  for dir in "$before" "$after"; do
    t=$(mktemp); j=$(mktemp)
    (cd "$dir" && /usr/bin/time -f "%U %e" -o "$t" env ABERRANT_THREADS=1 node dist/src/cli/main.js bench paper --dataset "$2" --model "$1" --runs 1 --no-control --json > "$j" 2>/dev/null)
    set -- "$1" "$2" $(cat "$t")
    node -e "const r = JSON.parse(require('fs').readFileSync('$j', 'utf8')).runs[0]; console.log(JSON.stringify({ model: '$1', dataset: '$2', tree: '$dir', userCpuSeconds: $3, wallSeconds: $4, trainSeconds: r.trainSeconds, f1: r.f1, auroc: r.auroc }))"
    rm -f "$t" "$j"
  done
done
