#!/bin/sh
# Runs the benchmark jobs listed in a queue file ("model dataset protocol" per line) through
# bench/run-benchmarks.ts, skipping jobs whose JSON exists. Start it twice to use both cores: a lock directory
# per job (under $LOCKS, default /tmp/aberrant-bench-locks) keeps two workers off the same job.
# Usage: sh bench/run-queue.sh [bench/queue.txt]   (after npm run build; runs niced)
# SLOW_RUNS=20 gives the large sets 20 seeds (default 5); with EXTEND=1 an existing file with fewer seeds is
# extended (run-benchmarks --extend runs only the missing seeds) instead of skipped. NICE sets the niceness (10).
# run-benchmarks rewrites a job's JSON after every seed, so a stopped worker keeps every finished seed.
queue=${1:-bench/queue.txt}
locks=${LOCKS:-/tmp/aberrant-bench-locks}
out=docs/results/benchmarks
mkdir -p "$locks"
while read -r m d p; do
  [ -z "$m" ] && continue
  [ -z "$EXTEND" ] && [ -e "$out/$m-$d-$p.json" ] && continue
  mkdir "$locks/$m-$d-$p" 2>/dev/null || continue
  ABERRANT_THREADS=${ABERRANT_THREADS:-1} nice -n "${NICE:-10}" node dist/bench/run-benchmarks.js --models "$m" --datasets "$d" --protocols "$p" --runs 20 --slow-runs "${SLOW_RUNS:-5}" ${EXTEND:+--extend} --out "$out"
done < "$queue"
