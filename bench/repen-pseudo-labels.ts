/**
 * What REPEN's triplets are made of: for each data set, the unsupervised protocol's training rows (every row),
 * the LeSiNN pseudo-outliers REPEN draws its negatives from, and how many of them are labelled anomalies
 * (precision, and its lift over the data's anomaly rate), beside REPEN's AUROC gain over its untrained control
 * from the committed benchmark JSON. Labels enter only these counts. Pseudo-labels come from the input space,
 * so a fit with 0 epochs gives the same ones as the trained fit of the same seed.
 * Usage: node dist/bench/repen-pseudo-labels.js [--datasets thyroid,arrhythmia,...] [--seeds 5] [--suite-dir D]
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RepenDetector } from '../src/detectors/repen/detector.js';
import { Rng } from '../src/engine/rng.js';
import { splitRun } from '../src/harness/paper.js';
import { checkArgs } from './args.js';
import { DEFAULT_SUITE_DIR, loadBenchData } from './datasets.js';

const USAGE = `
node dist/bench/repen-pseudo-labels.js [--datasets thyroid,arrhythmia,wdbc,cardiotocography,landsat,mnist,aloi]
  [--seeds 5] [--suite-dir ${DEFAULT_SUITE_DIR}]
Prints JSON: per data set, REPEN's pseudo-outliers on the unsupervised protocol's training rows, the share of them
that are anomalies, and REPEN's AUROC gain over its untrained control (docs/results/benchmarks).`;

checkArgs(process.argv.slice(2), ['datasets', 'seeds', 'suite-dir'], USAGE);
const { values } = parseArgs({ options: { datasets: { type: 'string' }, seeds: { type: 'string' }, 'suite-dir': { type: 'string' } } });
const datasets = (values.datasets ?? 'thyroid,arrhythmia,wdbc,cardiotocography,landsat,mnist,aloi').split(',');
const seeds = Number(values.seeds ?? 5);
if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`--seeds must be a positive integer, got ${values.seeds}`);

/** Mean per-seed AUROC difference trained - control from a committed result, or null. */
function trainingGain(dataset: string): { auroc: number; control: number; gain: number; seeds: number } | null {
  const file = `docs/results/benchmarks/repen-${dataset}-unsupervised.json`;
  if (!existsSync(file)) return null;
  const r = JSON.parse(readFileSync(file, 'utf8')) as { runs: { auroc: number }[]; control: { runs: { auroc: number }[] } };
  const n = Math.min(r.runs.length, r.control.runs.length);
  let a = 0, c = 0;
  for (let i = 0; i < n; i++) { a += r.runs[i].auroc; c += r.control.runs[i].auroc; }
  return { auroc: a / n, control: c / n, gain: (a - c) / n, seeds: n };
}

const rows: Record<string, unknown>[] = [];
for (const name of datasets) {
  const data = await loadBenchData(name, values['suite-dir'] ?? DEFAULT_SUITE_DIR);
  const perSeed: { outliers: number; anomalies: number }[] = [];
  let rate = 0;
  for (let s = 1; s <= seeds; s++) {
    // The harness's rows of seed s (splitRun, as runBenchmark calls it): every row of the run's sample.
    const split = splitRun(data.source, new Rng(s), 'unsupervised', data.source.ratio);
    const labels = split.testLabels;
    rate = labels.reduce((a, b) => a + b, 0) / labels.length;
    const det = new RepenDetector({ seed: s, epochs: 0 }).fit(data.source.rows(split.fit), data.source.fitOptions);
    const out = det.pseudoOutlierRows!;
    perSeed.push({ outliers: out.length, anomalies: Array.from(out).filter((i) => labels[i] === 1).length });
  }
  const outliers = perSeed.reduce((a, p) => a + p.outliers, 0) / seeds;
  const precision = perSeed.reduce((a, p) => a + p.anomalies / p.outliers, 0) / seeds;
  rows.push({
    dataset: name, rows: data.rows, anomalyRate: rate, pseudoOutliers: outliers, precision, lift: precision / rate,
    anomaliesAmongPseudoOutliersShareOfAllAnomalies: perSeed.reduce((a, p) => a + p.anomalies, 0) / seeds / (rate * data.rows),
    repen: trainingGain(name),
  });
  process.stderr.write(`${name}: ${outliers.toFixed(0)} pseudo-outliers, precision ${precision.toFixed(3)} (rate ${rate.toFixed(3)})\n`);
}
process.stdout.write(`${JSON.stringify({ protocol: 'unsupervised', seeds, datasets: rows }, null, 2)}\n`);
