/**
 * The DAGMM paper's evaluation protocol (Zong et al. 2018, Section 4.2) for every registered detector, through
 * the public detector contract (fit, scoreSamples): one split function, one preprocessing path (the
 * detector's own, fitted on the rows it is fitted on), one run loop, for the paper's data sets and for any
 * labelled table alike.
 *
 * protocol 'paper' (the paper's): per run, a random 50/50 split of all rows; the detector is fitted on the
 * normal-class rows of the training half only; every test row is scored and the top `ratio` of test scores
 * (Table 1's ratio for the paper's data sets, the file's anomaly rate for a labelled file) is flagged;
 * precision, recall and F1 on the anomaly class, plus AUROC and average precision. protocol 'half-normal' (the
 * one most later papers use): fit on a random half of the normal rows, test on the other half plus every
 * anomaly; the flagged fraction is the test set's anomaly rate, which is computed from the test labels (the
 * result says so in `flagging`). protocol 'unsupervised' (what users meet): fit on every row of the run,
 * anomalies included, and score those same rows; flag the same fraction as 'paper' (the data's known anomaly
 * rate, Table 1's for the paper's sets). Every seed sees the same rows, so run-to-run spread is the detector's
 * own randomness (none for deterministic detectors).
 *
 * `trainContamination` c (paper protocol): the fitted rows are the training half's normal rows plus a random
 * fraction c of its anomaly rows (the DAGMM paper's Table 3; c = 1 fits on the whole training half).
 *
 * `scalerRows` (paper protocol; issue 10's study of what the paper leaves open): the numeric scaling is fitted on
 * the fitted rows by the detector itself (default), or by the harness on the whole training half or on every row
 * of the run (the same Preprocessor with the detector's scaling; the detector then scales with 'none').
 *
 * Labels choose the training rows and enter the metrics; the detector never sees them.
 * Every random choice of run r flows from seed + r. `control` repeats each run with the detector's
 * untrained control (for deep detectors the same initial networks, not trained), so a reader can see what
 * training adds.
 */
import type { Rng as RngType } from '../engine/rng.js';
import { Rng } from '../engine/rng.js';
import type { BenchDataset } from '../data/datasets/bundled.js';
import { PAPER_ANOMALY_RATIOS } from '../data/datasets/table1.js';
import { takeRows, type LabelledDataset } from '../data/datasets/types.js';
import { Preprocessor, type Scaling } from '../data/preprocess.js';
import { inferSchema } from '../data/schema.js';
import { toTable, type DataInput, type Detector, type FitOptions } from '../detectors/detector.js';
import { detectorEntry } from '../detectors/registry.js';
import { auroc, averagePrecision } from '../metrics/ranking.js';
import { flaggedCount, topKMetrics } from '../metrics/threshold.js';
import { summarize } from './stats.js';

export type Protocol = 'paper' | 'half-normal' | 'unsupervised';
/** The rows the numeric scaling is fitted on (see runBenchmark's scalerRows). */
export type ScalerRows = 'fitted' | 'training-half' | 'run';
export const SCALER_ROWS: readonly ScalerRows[] = ['fitted', 'training-half', 'run'];
export const PROTOCOLS: readonly Protocol[] = ['paper', 'half-normal', 'unsupervised'];

export interface RunMetrics {
  seed: number; precision: number; recall: number; f1: number; auroc: number; ap: number;
  /** Whole run (fit + score); trainSeconds is the fit alone (preprocessing, training, calibration). */
  seconds: number; trainSeconds?: number;
  /** With trainContamination: the fitted rows and how many of them are anomalies. */
  trainRows?: number; trainAnomalies?: number;
}

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
  /** How many test rows are flagged, and whether that used the test labels (half-normal does). */
  flagging: { rule: string; ratio: number | null; usesTestLabels: boolean };
  seconds: number;
  backend?: string;
  threads?: number;
  /** Seeds run at once in worker threads (set when more than 1; see BenchOptions.jobs). */
  jobs?: number;
}

export interface BenchOptions {
  /** A registered detector. */
  model: string;
  /** Detector parameters (over the data set's configuration, when it has one). */
  params?: Record<string, unknown>;
  runs: number;
  seed: number;
  protocol: Protocol;
  /** Overrides the configuration's epochs (quick runs). */
  epochs?: number;
  /** Skip the untrained control. */
  noControl?: boolean;
  /**
   * 'paper' protocol only: also fit on this fraction (0..1) of the training half's anomaly rows, drawn at random
   * (the DAGMM paper's Table 3: "c% of its anomaly rows"; 1 = the whole training half). The test half is
   * unchanged, so results for different fractions share their test rows. Default 0: normal rows only.
   */
  trainContamination?: number;
  /**
   * 'paper' protocol only: the rows the numeric scaling is fitted on. 'fitted' (default): the detector's own
   * preprocessing, fitted on the rows it is fitted on. 'training-half': every row of the training half,
   * anomalies included; 'run': every row of the run, test rows included. For these two the harness fits the
   * Preprocessor (the detector's scaling) on those rows, transforms the fitted and test rows with it, and fits
   * the detector with scaling 'none'.
   */
  scalerRows?: ScalerRows;
  /**
   * Seeds run at once, each in a worker thread (runBenchmarkAsync in harness/parallel.ts; runBenchmark runs one
   * seed at a time and takes only 1). Default 1. The kernels' thread count is the process's, shared by the
   * workers: a result is reproduced by the same seed, backend and kernel thread count, whatever the jobs.
   */
  jobs?: number;
  /**
   * jobs > 1: modules (URLs or absolute paths) each worker thread imports before its first seed, for detectors
   * registered outside the built-in ones (the workers know only what they import).
   */
  workerModules?: readonly string[];
  /**
   * After each run (with its control): its metrics, its 0-based index and the control's metrics. With jobs > 1
   * runs are reported as they finish, which need not be seed order.
   */
  onRun?: (r: RunMetrics, i: number, control: RunMetrics | null) => void;
  /** After each run's fit (not the control's): the fitted detector and the rows it saw, for diagnostics (jobs 1 only). */
  onFitted?: (i: number, det: Detector, rows: { fit: DataInput; test: DataInput; testLabels: Uint8Array }) => void;
}

/** Where a benchmark's rows come from: the paper's bundled data sets or a labelled table. */
export interface BenchSource {
  name: string;
  /** The rows and labels of one run (KDDCUP-Rev resamples its attack rows per run). */
  sampleRun(rng: RngType): { idx: Int32Array; labels: Uint8Array };
  /** Rows idx as detector input (features only, never labels). */
  rows(idx: Int32Array): DataInput;
  fitOptions: FitOptions;
  /** The fraction of test rows flagged under the 'paper' protocol, and where it comes from. */
  ratio: number;
  ratioSource: string;
  /** Facts about the data for the result's config. */
  config: Record<string, unknown>;
}

export interface Split {
  fit: Int32Array; test: Int32Array; testLabels: Uint8Array; ratio: number; fitAnomalies: number;
  /** Every row of the run (the fitted and test rows are drawn from these). */
  run: Int32Array;
}

/**
 * The rows of one run. Labels only choose rows here: the fitted rows (normal rows, plus under trainContamination
 * a random fraction of the training half's anomaly rows) and the test rows with their labels for the metrics.
 */
export function splitRun(ds: Pick<BenchDataset, 'sampleRun'>, rng: RngType, protocol: Protocol, paperRatio: number, trainContamination = 0): Split {
  if (!(trainContamination >= 0 && trainContamination <= 1)) throw new Error(`training contamination must be a fraction in [0, 1], got ${trainContamination}`);
  if (trainContamination > 0 && protocol !== 'paper') throw new Error('training contamination needs the paper protocol (half-normal tests on every anomaly row)');
  const { idx, labels } = ds.sampleRun(rng);
  if (protocol === 'unsupervised') {
    return { fit: idx, test: idx, testLabels: Uint8Array.from(idx, (r) => labels[r]), ratio: paperRatio, fitAnomalies: idx.reduce((a, r) => a + labels[r], 0), run: idx };
  }
  if (protocol === 'paper') {
    const perm = rng.fork('split').permutation(idx.length);
    const nTrain = Math.floor(idx.length / 2);
    const fit: number[] = [], anomalies: number[] = [];
    for (let i = 0; i < nTrain; i++) { const r = idx[perm[i]]; (labels[r] ? anomalies : fit).push(r); }
    // Its own stream, so the split itself is the same for every fraction (and as without contamination).
    const pick = rng.fork('contamination').permutation(anomalies.length);
    const m = Math.round(trainContamination * anomalies.length);
    for (let i = 0; i < m; i++) fit.push(anomalies[pick[i]]);
    const test = Int32Array.from(perm.subarray(nTrain), (p) => idx[p]);
    return { fit: Int32Array.from(fit), test, testLabels: Uint8Array.from(test, (r) => labels[r]), ratio: paperRatio, fitAnomalies: m, run: idx };
  }
  const normals: number[] = [], anomalies: number[] = [];
  for (const r of idx) (labels[r] ? anomalies : normals).push(r);
  const perm = rng.fork('split').permutation(normals.length);
  const half = Math.floor(normals.length / 2);
  const fit = Int32Array.from(perm.subarray(0, half), (p) => normals[p]);
  const test = Int32Array.from([...Array.from(perm.subarray(half), (p) => normals[p]), ...anomalies]);
  return { fit, test, testLabels: Uint8Array.from(test, (r) => labels[r]), ratio: anomalies.length / test.length, fitAnomalies: 0, run: idx };
}

/**
 * The fitted and test rows scaled by a Preprocessor fitted on other rows of the run: the training half (every
 * run row not in the test half) or the whole run. The one preprocessing code; only the rows it is fitted on change.
 */
export function prescaleRun(src: Pick<BenchSource, 'rows' | 'fitOptions'>, split: Split, which: Exclude<ScalerRows, 'fitted'>, scaling: Scaling): { fit: DataInput; test: DataInput; scalerRows: number } {
  let idx = split.run;
  if (which === 'training-half') {
    const test = new Set(split.test);
    idx = split.run.filter((r) => !test.has(r));
  }
  const table = toTable(src.rows(idx), 'scaler rows');
  const pre = Preprocessor.fit(table, inferSchema(table, src.fitOptions), { scaling });
  const apply = (rows: Int32Array): DataInput => { const m = pre.transform(toTable(src.rows(rows))); return { data: m.x, rows: m.rows, cols: m.cols }; };
  return { fit: apply(split.fit), test: apply(split.test), scalerRows: idx.length };
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

/**
 * A result with more seeds: `more` ran the seeds after `first`'s last one, with the same detector, data set,
 * protocol, configuration, backend, kernel threads and jobs (each run depends only on its seed, so the merge is
 * what one call with every seed would have given, apart from its wall time, which is the sum). Refused otherwise.
 */
export function mergeRuns<T extends BenchResult>(first: T, more: T): T {
  const what = `${first.model} on ${first.dataset}`;
  const lastSeed = first.runs[first.runs.length - 1]?.seed;
  if (more.runs[0]?.seed !== lastSeed + 1) throw new Error(`${what}: the added runs start at seed ${more.runs[0]?.seed}, not ${lastSeed + 1} (the seed after the first file's last run)`);
  const same = (k: string, a: unknown, b: unknown): void => {
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${what}: cannot merge runs with different ${k} (${JSON.stringify(a)} vs ${JSON.stringify(b)})`);
  };
  same('model', first.model, more.model); same('data set', first.dataset, more.dataset); same('protocol', first.protocol, more.protocol);
  const how = extendMismatch(first, { backend: more.backend, threads: more.threads, jobs: more.jobs ?? 1 });
  if (how) throw new Error(`${what}: cannot merge runs with different ${how}`);
  // The resolved configuration holds the last run's fitted details (e.g. a solver's iterations): not compared.
  const withoutResolved = (c: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(c).filter(([k]) => k !== 'resolved'));
  same('configuration', withoutResolved(first.config), withoutResolved(more.config));
  same('untrained control', first.control.description, more.control.description);
  const runs = [...first.runs, ...more.runs], controlRuns = [...first.control.runs, ...more.control.runs];
  const cagg = aggregate(controlRuns);
  return {
    ...first, config: more.config, runs, ...aggregate(runs),
    control: { ...first.control, runs: controlRuns, mean: cagg.mean, std: cagg.std },
    seconds: first.seconds + more.seconds,
  };
}

/**
 * How runs made with `how` differ from `existing` in what mergeRuns requires to match (backend, kernel threads,
 * seeds run at once), or null. The --extend paths check it before running, so a mismatch costs no seed's compute.
 */
export function extendMismatch(existing: Pick<BenchResult, 'backend' | 'threads' | 'jobs'>, how: { backend?: string; threads?: number; jobs: number }): string | null {
  const diff = (k: string, a: unknown, b: unknown): string | null => JSON.stringify(a) === JSON.stringify(b) ? null : `${k}: ${JSON.stringify(a)} in the existing runs, ${JSON.stringify(b)} in the added ones`;
  return diff('backend', existing.backend, how.backend) ?? diff('kernel threads', existing.threads, how.threads) ?? diff('jobs', existing.jobs ?? 1, how.jobs);
}

/** Native kernel threads for a run: the given count, else 1 when several jobs share the cores, else the default. */
export function kernelThreadsForJobs(jobs: number, threads?: number): number | undefined {
  return threads ?? (jobs > 1 ? 1 : undefined);
}

/** Throws, before any seed runs, when seeds run as `how` cannot be added to `file`'s existing runs by mergeRuns. */
export function checkExtendable(file: string, existing: Pick<BenchResult, 'runs' | 'backend' | 'threads' | 'jobs'>, how: { seed: number; backend?: string; threads?: number; jobs: number }): void {
  if (existing.runs[0]?.seed !== how.seed) throw new Error(`${file}: its runs start at seed ${existing.runs[0]?.seed}, not --seed ${how.seed}; cannot extend`);
  const mismatch = extendMismatch(existing, how);
  if (mismatch) throw new Error(`${file}: cannot extend, different ${mismatch} (give --jobs, --threads or ABERRANT_THREADS as the existing runs had them)`);
}

/** The number of seeds run at once (BenchOptions.jobs): a positive integer, 1 when not given. */
export function checkJobs(jobs: number | undefined): number {
  if (jobs === undefined) return 1;
  if (!(Number.isInteger(jobs) && jobs >= 1)) throw new Error(`jobs must be a positive integer (seeds run at once), got ${String(jobs)}`);
  return jobs;
}

/** What every seed of a benchmark shares; plain data, so a worker thread can receive it (harness/parallel.ts). */
export interface SeedSpec {
  model: string;
  /** The detector's parameters for every seed (the seed itself is added per run). */
  params: Record<string, unknown>;
  /** The untrained control's extra parameters, or null for no control. */
  control: Record<string, unknown> | null;
  protocol: Protocol;
  fitOptions: FitOptions;
}

/** The rows of run r, prepared by the harness (split, contamination, harness-side scaling). */
export interface SeedRows {
  r: number;
  seed: number;
  fit: DataInput;
  test: DataInput;
  testLabels: Uint8Array;
  /** The source's row index of each test row (what a per-row study, e.g. bench/score-by-class, joins on). */
  testIndex: Int32Array;
  ratio: number;
  /** With trainContamination: the fitted rows and how many of them are anomalies. */
  fitInfo: { trainRows?: number; trainAnomalies?: number };
}

/** One run's metrics, its control's, and the detector's resolved configuration. */
export interface SeedOutcome { r: number; run: RunMetrics; control: RunMetrics | null; resolved: Record<string, unknown> }

/**
 * A fitted detector's scores for a run's test rows. Unsupervised: the test rows are the fitted rows, and their
 * scores are the fit's own (PyOD's decision_scores_: neighbour methods leave each row out of its own neighbours;
 * re-scoring would find every row at distance 0).
 */
export function protocolScores(det: Detector, protocol: Protocol, testRows: DataInput, testCount: number): Float64Array {
  const own = protocol === 'unsupervised' ? det.trainingScores : null;
  return own && own.length === testCount ? own : det.scoreSamples(testRows);
}

/** Fits run job's detector (extraParams over the spec's: the control's) and scores its test rows under the protocol. */
export function fitAndScore(spec: SeedSpec, job: Pick<SeedRows, 'seed' | 'fit' | 'test' | 'testLabels'>, extraParams: Record<string, unknown> = {}): { det: Detector; scores: Float64Array; trainSeconds: number; seconds: number } {
  const t = performance.now();
  const det = detectorEntry(spec.model).create({ ...spec.params, seed: job.seed, ...extraParams }).fit(job.fit, spec.fitOptions);
  const trainSeconds = (performance.now() - t) / 1000;
  const scores = protocolScores(det, spec.protocol, job.test, job.testLabels.length);
  return { det, scores, trainSeconds, seconds: (performance.now() - t) / 1000 };
}

/**
 * The body of the run loop: fits and scores one run and its untrained control. The same function runs in
 * this thread (runBenchmark) or in a worker thread (runBenchmarkAsync with jobs > 1).
 */
export function runSeed(spec: SeedSpec, job: SeedRows, onFitted?: BenchOptions['onFitted']): SeedOutcome {
  const { seed, fit: fitRows, test: testRows } = job;
  const one = (extraParams: Record<string, unknown>): { m: RunMetrics; resolved: Record<string, unknown>; det: Detector } => {
    const { det, scores, trainSeconds, seconds } = fitAndScore(spec, job, extraParams);
    return { m: { seed, ...evaluate(scores, job.testLabels, job.ratio), seconds, trainSeconds, ...job.fitInfo }, resolved: det.resolvedConfig(), det };
  };
  const run = one({});
  onFitted?.(job.r, run.det, { fit: fitRows, test: testRows, testLabels: job.testLabels });
  const control = spec.control ? one(spec.control).m : null;
  return { r: job.r, run: run.m, control, resolved: run.resolved };
}

/** A benchmark checked and ready to run: what its seeds share, the rows of each run, and the result from the runs. */
export interface BenchPlan {
  spec: SeedSpec;
  runs: number;
  /** The rows of run r (0-based; seed = o.seed + r). */
  prepare(r: number): SeedRows;
  /** The result from every run's outcome, in any order (they are put in seed order). */
  finish(outcomes: readonly SeedOutcome[]): BenchResult;
}

/** Checks the options and sets up the protocol on a source (runBenchmark and runBenchmarkAsync share it). */
export function planBenchmark(src: BenchSource, o: BenchOptions, extra: { paper?: BenchResult['paper']; config?: Record<string, unknown> } = {}): BenchPlan {
  if (!(Number.isInteger(o.runs) && o.runs > 0)) throw new Error(`runs must be a positive integer, got ${o.runs}`);
  checkJobs(o.jobs);
  const entry = detectorEntry(o.model);
  const params: Record<string, unknown> = { ...o.params, ...(o.epochs !== undefined ? { epochs: o.epochs } : {}) };
  const control = o.noControl ? null : entry.untrainedControl;
  const contamination = o.trainContamination ?? 0;
  const scalerRows = o.scalerRows ?? 'fitted';
  if (!SCALER_ROWS.includes(scalerRows)) throw new Error(`scalerRows must be one of ${SCALER_ROWS.join(', ')}, got ${String(scalerRows)}`);
  if (scalerRows !== 'fitted' && o.protocol !== 'paper') throw new Error(`scalerRows ${scalerRows} needs the paper protocol (it names rows of its training half)`);
  const scaling = (params.preprocessing as { scaling?: Scaling } | undefined)?.scaling ?? 'minmax';
  // The harness scales (scalerRows other than 'fitted'): the detector then leaves the rows as they are.
  const detParams = scalerRows === 'fitted' ? params : { ...params, preprocessing: { ...(params.preprocessing as object | undefined), scaling: 'none' } };
  const t0 = performance.now();
  const prepare = (r: number): SeedRows => {
    const seed = o.seed + r;
    const split = splitRun(src, new Rng(seed), o.protocol, src.ratio, contamination);
    if (split.fit.length < 2) throw new Error(`run ${r + 1}: only ${split.fit.length} training rows`);
    const fitInfo = o.trainContamination !== undefined ? { trainRows: split.fit.length, trainAnomalies: split.fitAnomalies } : {};
    const scaled = scalerRows === 'fitted' ? null : prescaleRun(src, split, scalerRows, scaling);
    const fit = scaled ? scaled.fit : src.rows(split.fit), test = scaled ? scaled.test : src.rows(split.test);
    return { r, seed, fit, test, testLabels: split.testLabels, testIndex: split.test, ratio: split.ratio, fitInfo };
  };
  const finish = (outcomes: readonly SeedOutcome[]): BenchResult => {
    const sorted = [...outcomes].sort((a, b) => a.r - b.r);
    if (sorted.length !== o.runs || sorted.some((x, i) => x.r !== i)) throw new Error(`benchmark: expected one outcome for each of runs 0..${o.runs - 1}, got runs ${sorted.map((x) => x.r).join(', ')}`);
    const runs = sorted.map((x) => x.run);
    const controlRuns = sorted.flatMap((x) => (x.control ? [x.control] : []));
    const resolved = sorted[sorted.length - 1].resolved;
    const agg = aggregate(runs), cagg = aggregate(controlRuns);
    const paperRule = `flag the top ${src.ratio} of test scores (${src.ratioSource})`;
    const halfRule = 'flag the test set\'s anomaly rate of test scores (computed from the test labels)';
    const fitRule = contamination > 0 ? `normal rows plus ${contamination} of the anomaly rows of the training half (training contamination)` : 'normal rows of the training half';
    return {
      dataset: src.name, model: o.model,
      protocol: o.protocol === 'paper'
        ? `paper: random 50/50 split; fit on ${fitRule}; ${paperRule}`
        : o.protocol === 'unsupervised'
          ? `unsupervised: fit on every row (anomalies included) and score the same rows; ${paperRule}`
          : `half-normal: fit on a random half of the normal rows; test on the other half plus all anomalies; ${halfRule}`,
      config: {
        ...src.config, ...extra.config, ...params, resolved,
        ...(o.trainContamination !== undefined ? { trainContamination: contamination } : {}),
        scaling: scalerRows === 'fitted'
          ? `${scaling} (the detector's preprocessing), fitted on the fitted rows; columns constant there encode sign(x - constant)`
          : `${scaling}, fitted by the harness on ${scalerRows === 'run' ? 'every row of the run (test rows included)' : 'every row of the training half (anomalies included)'}; columns constant there encode sign(x - constant); the detector scales with 'none'`,
        ...(o.scalerRows !== undefined ? { scalerRows } : {}),
      },
      runs, ...agg,
      control: {
        description: control ? control.description : `none (${o.noControl ? 'skipped on request' : `${o.model} has no untrained control`})`,
        runs: controlRuns, mean: cagg.mean, std: cagg.std,
      },
      paper: extra.paper ?? null,
      flagging: o.protocol !== 'half-normal'
        ? { rule: paperRule, ratio: src.ratio, usesTestLabels: false }
        : { rule: halfRule, ratio: null, usesTestLabels: true },
      seconds: (performance.now() - t0) / 1000,
    };
  };
  return {
    spec: { model: o.model, params: detParams, control: control ? control.params : null, protocol: o.protocol, fitOptions: src.fitOptions },
    runs: o.runs, prepare, finish,
  };
}

/**
 * Runs the protocol on a source with any registered detector, one seed after the other in this thread.
 * Seeds in worker threads (jobs > 1): runBenchmarkAsync (harness/parallel.ts), same runs, same result.
 */
export function runBenchmark(src: BenchSource, o: BenchOptions, extra: { paper?: BenchResult['paper']; config?: Record<string, unknown> } = {}): BenchResult {
  const plan = planBenchmark(src, o, extra);
  const jobs = checkJobs(o.jobs);
  if (jobs > 1) throw new Error(`jobs ${jobs}: runBenchmark runs one seed at a time; seeds in worker threads need runBenchmarkAsync (harness/parallel.ts)`);
  const outcomes: SeedOutcome[] = [];
  for (let r = 0; r < o.runs; r++) {
    const out = runSeed(plan.spec, plan.prepare(r), o.onFitted);
    outcomes.push(out);
    o.onRun?.(out.run, r, out.control);
  }
  return plan.finish(outcomes);
}

/** A labelled numeric matrix (already encoded) as a benchmark source; every column is a numeric feature. */
export function matrixSource(base: LabelledDataset, sampleRun: BenchSource['sampleRun'], ratio: number, ratioSource: string): BenchSource {
  const names = Array.from({ length: base.cols }, (_, j) => `f${j}`);
  return {
    name: base.name, sampleRun, ratio, ratioSource,
    rows: (idx) => ({ data: takeRows(base.x, base.cols, idx), rows: idx.length, cols: base.cols }),
    fitOptions: { numeric: names },
    config: { anomalyRatio: ratio, inputDims: base.cols },
  };
}

/**
 * The protocol on one of the paper's data sets with any registered detector: the detector's configuration
 * for that data set when it has one (paper-configs.ts beside it), else its defaults; params override it.
 */
export function runPaperBenchmark(ds: BenchDataset, o: BenchOptions): BenchResult {
  return runBenchmark(...paperBenchmarkArgs(ds, o));
}

/** runBenchmark's arguments for one of the paper's data sets (runPaperBenchmark, and its async form in parallel.ts). */
export function paperBenchmarkArgs(ds: BenchDataset, o: BenchOptions): Parameters<typeof runBenchmark> {
  const entry = detectorEntry(o.model);
  const pc = entry.paperConfigs[ds.name];
  const src = matrixSource(ds.base, (rng) => ds.sampleRun(rng), PAPER_ANOMALY_RATIOS[ds.name], 'Table 1 of Zong et al. 2018');
  return [src, { ...o, params: { ...pc?.params, ...o.params } }, {
    paper: pc?.results ?? null,
    config: { configSource: pc ? pc.source : `${o.model} defaults (no configuration for ${ds.name})` },
  }];
}
