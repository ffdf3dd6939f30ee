/**
 * The DAGMM paper's evaluation protocol (Zong et al. 2018, Section 4.2) as a reusable harness.
 *
 * protocol 'paper' (the paper's): per run, a random 50/50 split of all rows; the model is fitted on the
 * normal-class rows of the training half only; every test row is scored and the top `ratio` of test scores
 * (ratio from Table 1) is flagged; precision, recall and F1 on the anomaly class, plus AUROC and average
 * precision. protocol 'half-normal' (the one most later papers use): train on a random half of the normal
 * rows, test on the other half plus every anomaly; the flagged fraction is the test set's anomaly rate.
 *
 * Scaling (min-max) is fitted on the rows the model is fitted on. Every random choice of run r flows from
 * seed + r. `control` repeats each run with the same initial network left untrained, so a reader can see
 * what training adds.
 */
import type { Rng as RngType } from '../engine/rng.js';
import { Rng } from '../engine/rng.js';
import { applyMinMax, fitMinMax } from '../data/scaling.js';
import type { BenchDataset } from '../data/datasets/bundled.js';
import { takeRows } from '../data/datasets/types.js';
import { scoreEnergies } from '../detectors/dagmm/network.js';
import type { PaperConfig } from '../detectors/dagmm/paper-configs.js';
import { trainDagmm } from '../detectors/dagmm/train.js';
import { auroc, averagePrecision } from '../metrics/ranking.js';
import { flaggedCount, topKMetrics } from '../metrics/threshold.js';
import { summarize } from './stats.js';

export type Protocol = 'paper' | 'half-normal';

export interface RunMetrics { seed: number; precision: number; recall: number; f1: number; auroc: number; ap: number; seconds: number }

export type MetricName = 'precision' | 'recall' | 'f1' | 'auroc' | 'ap';
const METRICS: MetricName[] = ['precision', 'recall', 'f1', 'auroc', 'ap'];

export interface BenchResult {
  dataset: string;
  model: string;
  protocol: string;
  config: Record<string, unknown>;
  runs: RunMetrics[];
  mean: Record<MetricName, number>;
  std: Record<MetricName, number>;
  ci95: Record<MetricName, [number, number]>;
  control: { description: string; runs: RunMetrics[]; mean: Record<MetricName, number>; std: Record<MetricName, number> };
  paper: { precision: number; recall: number; f1: number } | null;
  seconds: number;
  backend?: string;
  threads?: number;
}

export interface BenchOptions {
  runs: number;
  seed: number;
  protocol: Protocol;
  /** Overrides the configuration's epochs (quick runs). */
  epochs?: number;
  /** Skip the untrained control. */
  noControl?: boolean;
  onRun?: (r: RunMetrics, i: number, control: RunMetrics | null) => void;
}

export interface Split { fit: Int32Array; test: Int32Array; testLabels: Uint8Array; ratio: number }

export function splitRun(ds: Pick<BenchDataset, 'sampleRun'>, rng: RngType, protocol: Protocol, paperRatio: number): Split {
  const { idx, labels } = ds.sampleRun(rng);
  if (protocol === 'paper') {
    const perm = rng.fork('split').permutation(idx.length);
    const nTrain = Math.floor(idx.length / 2);
    const fit: number[] = [];
    for (let i = 0; i < nTrain; i++) { const r = idx[perm[i]]; if (!labels[r]) fit.push(r); }
    const test = Int32Array.from(perm.subarray(nTrain), (p) => idx[p]);
    return { fit: Int32Array.from(fit), test, testLabels: Uint8Array.from(test, (r) => labels[r]), ratio: paperRatio };
  }
  const normals: number[] = [], anomalies: number[] = [];
  for (const r of idx) (labels[r] ? anomalies : normals).push(r);
  const perm = rng.fork('split').permutation(normals.length);
  const half = Math.floor(normals.length / 2);
  const fit = Int32Array.from(perm.subarray(0, half), (p) => normals[p]);
  const test = Int32Array.from([...Array.from(perm.subarray(half), (p) => normals[p]), ...anomalies]);
  return { fit, test, testLabels: Uint8Array.from(test, (r) => labels[r]), ratio: anomalies.length / test.length };
}

export function evaluate(scores: Float64Array, labels: Uint8Array, ratio: number): Omit<RunMetrics, 'seed' | 'seconds'> {
  const m = topKMetrics(scores, labels, flaggedCount(ratio, scores.length));
  return { precision: m.precision, recall: m.recall, f1: m.f1, auroc: auroc(scores, labels), ap: averagePrecision(scores, labels) };
}

export function aggregate(runs: RunMetrics[]): { mean: Record<MetricName, number>; std: Record<MetricName, number>; ci95: Record<MetricName, [number, number]> } {
  const mean = {} as Record<MetricName, number>, std = {} as Record<MetricName, number>, ci95 = {} as Record<MetricName, [number, number]>;
  for (const k of METRICS) {
    const s = summarize(runs.map((r) => r[k]));
    mean[k] = s.mean; std[k] = s.std; ci95[k] = s.ci95;
  }
  return { mean, std, ci95 };
}

/** Runs the protocol for DAGMM with a paper configuration. */
export function runDagmmBenchmark(ds: BenchDataset, config: PaperConfig, o: BenchOptions,
  paper: { precision: number; recall: number; f1: number } | null): BenchResult {
  if (!(Number.isInteger(o.runs) && o.runs > 0)) throw new Error(`runs must be a positive integer, got ${o.runs}`);
  const epochs = o.epochs ?? config.epochs;
  const cols = ds.base.cols;
  const t0 = performance.now();
  const runs: RunMetrics[] = [], control: RunMetrics[] = [];
  for (let r = 0; r < o.runs; r++) {
    const seed = o.seed + r;
    const rng = new Rng(seed);
    const split = splitRun(ds, rng, o.protocol, config.anomalyRatio);
    if (split.fit.length < 2) throw new Error(`run ${r + 1}: only ${split.fit.length} training rows`);
    const xFit = takeRows(ds.base.x, cols, split.fit), xTest = takeRows(ds.base.x, cols, split.test);
    const scaler = fitMinMax(xFit, split.fit.length, cols);
    applyMinMax(scaler, xFit, split.fit.length, cols);
    applyMinMax(scaler, xTest, split.test.length, cols);
    const train = (ep: number): RunMetrics => {
      const tr = performance.now();
      const model = trainDagmm(config, xFit, split.fit.length, { epochs: ep, batchSize: config.batchSize, learningRate: config.learningRate, seed });
      const scores = scoreEnergies(model.net, model.gmm, xTest, split.test.length);
      return { seed, ...evaluate(scores, split.testLabels, split.ratio), seconds: (performance.now() - tr) / 1000 };
    };
    const run = train(epochs);
    runs.push(run);
    const ctl = o.noControl ? null : train(0);
    if (ctl) control.push(ctl);
    o.onRun?.(run, r, ctl);
  }
  const agg = aggregate(runs), cagg = aggregate(control);
  return {
    dataset: ds.name, model: 'dagmm',
    protocol: o.protocol === 'paper'
      ? 'paper: random 50/50 split; fit on normal rows of the training half; flag top ratio of test energies (ratio from Table 1)'
      : 'half-normal: fit on a random half of the normal rows; test on the other half plus all anomalies; flag the test anomaly rate',
    config: { compression: config.compression, estimation: config.estimation, epochs, batchSize: config.batchSize, learningRate: config.learningRate,
      lambdaEnergy: config.lambdaEnergy, lambdaCov: config.lambdaCov, anomalyRatio: config.anomalyRatio, scaling: 'min-max fitted on the fitted rows; columns constant there encode sign(x - constant)', inputDims: cols },
    runs, ...agg,
    control: { description: 'the same network and seed, untrained (0 epochs), GMM parameters from the fitted rows, same splits', runs: control, mean: cagg.mean, std: cagg.std },
    paper,
    seconds: (performance.now() - t0) / 1000,
  };
}
