/**
 * The paper's protocol (see paper.ts) on any labelled table and any registered detector: per run a random
 * 50/50 split, fit on the normal rows of the training half (labels are used only to pick those rows and to
 * score the test half), flag the top `ratio` of test scores where ratio is the table's anomaly rate, report
 * precision/recall/F1, AUROC and AP. Same JSON shape as `bench paper`. The control is the same detector with
 * 0 training epochs, for detectors that train by epochs.
 */
import { selectRows, type Table } from '../data/table.js';
import { Rng } from '../engine/rng.js';
import { detectorEntry } from '../detectors/registry.js';
import { aggregate, evaluate, splitRun, type BenchResult, type Protocol, type RunMetrics } from './paper.js';

export interface LabelledBenchOptions {
  detector: string;
  params?: Record<string, unknown>;
  labelColumn: string;
  drop?: string[];
  runs: number;
  seed: number;
  protocol: Protocol;
  noControl?: boolean;
  onRun?: (r: RunMetrics, i: number, control: RunMetrics | null) => void;
}

export function runLabelledBenchmark(table: Table, labels: Uint8Array, name: string, o: LabelledBenchOptions): BenchResult {
  if (!(Number.isInteger(o.runs) && o.runs > 0)) throw new Error(`runs must be a positive integer, got ${o.runs}`);
  if (labels.length !== table.rowCount) throw new Error(`labels: ${labels.length} values for ${table.rowCount} rows`);
  const anomalies = labels.reduce((a, b) => a + b, 0);
  if (anomalies === 0 || anomalies === labels.length) throw new Error(`${table.source}: label column "${o.labelColumn}" must contain both classes (found ${anomalies} anomalies in ${labels.length} rows)`);
  const entry = detectorEntry(o.detector);
  const hasEpochs = 'epochs' in entry.paramsSchema.shape;
  const ratio = anomalies / labels.length;
  const idx = Int32Array.from({ length: table.rowCount }, (_, i) => i);
  const ds = { sampleRun: () => ({ idx, labels }) };
  const t0 = performance.now();
  const runs: RunMetrics[] = [], control: RunMetrics[] = [];
  let resolved: Record<string, unknown> = {};
  for (let r = 0; r < o.runs; r++) {
    const seed = o.seed + r;
    const split = splitRun(ds, new Rng(seed), o.protocol, ratio);
    if (split.fit.length < 2) throw new Error(`run ${r + 1}: only ${split.fit.length} normal training rows`);
    const fitTable = selectRows(table, split.fit), testTable = selectRows(table, split.test);
    const one = (extra: Record<string, unknown>): RunMetrics => {
      const t = performance.now();
      const det = entry.create({ ...o.params, seed, ...extra });
      det.fit(fitTable, { labelColumn: o.labelColumn, drop: o.drop });
      if (!('epochs' in extra)) resolved = det.resolvedConfig();
      const scores = det.scoreSamples(testTable);
      return { seed, ...evaluate(scores, split.testLabels, split.ratio), seconds: (performance.now() - t) / 1000 };
    };
    const run = one({});
    runs.push(run);
    const ctl = o.noControl || !hasEpochs ? null : one({ epochs: 0 });
    if (ctl) control.push(ctl);
    o.onRun?.(run, r, ctl);
  }
  const agg = aggregate(runs), cagg = aggregate(control);
  return {
    dataset: name, model: o.detector,
    protocol: o.protocol === 'paper'
      ? `paper: random 50/50 split; fit on normal rows of the training half; flag the top ${ratio.toFixed(4)} (the data's anomaly rate) of test scores`
      : 'half-normal: fit on a random half of the normal rows; test on the other half plus all anomalies; flag the test anomaly rate',
    config: { ...o.params, resolved, labelColumn: o.labelColumn, anomalyRatio: ratio, rows: table.rowCount },
    runs, ...agg,
    control: { description: hasEpochs ? 'the same detector and seed with 0 training epochs, same splits' : 'none (detector has no training epochs)', runs: control, mean: cagg.mean, std: cagg.std },
    paper: null,
    seconds: (performance.now() - t0) / 1000,
  };
}
