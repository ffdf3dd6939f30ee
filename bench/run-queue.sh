#!/bin/sh
# Runs the benchmark jobs listed in a queue file ("model dataset protocol" per line) through
# bench/run-benchmarks.ts, skipping jobs whose JSON exists. Start it twice to use both cores: a lock directory
# per job (under $LOCKS, default /tmp/aberrant-bench-locks) keeps two workers off the same job.
# Usage: sh bench/run-queue.sh [bench/queue.txt]   (after npm run build; runs niced)
# SLOW_RUNS=20 gives the large sets 20 seeds (default 5); with EXTEND=1 an existing file with fewer seeds is
# extended (run-benchmarks --extend runs only the missing seeds) instead of skipped. NICE sets the niceness (10).
# BY_SEED=1 runs each job one seed at a time (--runs 1, 2, ... with --extend), so the JSON holds every finished
# seed when a long job is stopped (run-benchmarks writes its file only at the end of a run).
queue=${1:-bench/queue.txt}
locks=${LOCKS:-/tmp/aberrant-bench-locks}
out=docs/results/benchmarks
mkdir -p "$locks"
while read -r m d p; do
  [ -z "$m" ] && continue
  [ -z "$EXTEND" ] && [ -e "$out/$m-$d-$p.json" ] && continue
  mkdir "$locks/$m-$d-$p" 2>/dev/null || continue
  if [ -n "$BY_SEED" ]; then
    slow=${SLOW_RUNS:-5}
    # Start past the seeds the file holds: each call loads the data set (seconds on the large ones) to find them.
    have=$(node -e 'try { console.log(require(process.argv[1]).runs.length) } catch { console.log(0) }' "$PWD/$out/$m-$d-$p.json")
    for n in $(seq $((have + 1 > 20 ? 20 : have + 1)) 20); do
      ABERRANT_THREADS=${ABERRANT_THREADS:-1} nice -n "${NICE:-10}" node dist/bench/run-benchmarks.js --models "$m" --datasets "$d" --protocols "$p" --runs "$n" --slow-runs "$((n < slow ? n : slow))" --extend --out "$out" || break
    done
  else
    ABERRANT_THREADS=${ABERRANT_THREADS:-1} nice -n "${NICE:-10}" node dist/bench/run-benchmarks.js --models "$m" --datasets "$d" --protocols "$p" --runs 20 --slow-runs "${SLOW_RUNS:-5}" ${EXTEND:+--extend} --out "$out"
  fi
done < "$queue"
