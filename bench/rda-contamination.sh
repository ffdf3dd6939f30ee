#!/bin/sh
# RDA against ae and DAGMM when the training rows contain anomalies (docs/rda.md): bench csv (the detectors'
# own defaults; the same splits as bench paper) with --train-contamination c = 0, 0.5, 1 of the training half's
# anomaly rows, 5 seeds, no untrained control. Writes docs/results/contamination/<set>-<variant>-c<c>.json.
# Epoch caps keep the whole run to ~10 minutes on 2 cores: ae/rda on Arrhythmia --epochs 50 (default 200),
# DAGMM --epochs 1000 on both (default 10,000 / 5,000). Usage: sh bench/rda-contamination.sh (after npm run build);
# results already written are kept (delete them to rerun); ABERRANT_CLI names another build of the CLI.
set -e
cli=${ABERRANT_CLI:-dist/src/cli/main.js}
out=docs/results/contamination
mkdir -p "$out"
for set in thyroid arrhythmia; do
  if [ "$set" = arrhythmia ]; then ae="--epochs 50"; else ae=""; fi
  for c in 0 0.5 1; do
    for v in ae rda rda-sparse dagmm; do
      case $v in
        ae) args="--model ae $ae" ;;
        rda) args="--model rda $ae" ;;
        rda-sparse) args="--model rda $ae --param score=sparse" ;;
        dagmm) args="--model dagmm --epochs 1000" ;;
      esac
      f="$out/$set-$v-c$c.json"
      if [ -s "$f" ]; then continue; fi
      # shellcheck disable=SC2086
      node "$cli" bench csv "data/$set.csv" --label-column label --runs 5 --seed 1 --no-control \
        --train-contamination "$c" $args --json > "$f.tmp"
      mv "$f.tmp" "$f"
      echo "$set $v c=$c done" >&2
    done
  done
done
