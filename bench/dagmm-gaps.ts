/**
 * Issue 10, item 4: what the choices the DAGMM paper leaves open do to its results. For each choice, each
 * alternative is run alone (one change from the default), plus the default itself as the baseline, through the
 * one harness (runPaperBenchmark, paper protocol) with the paper's configuration, on Thyroid, Arrhythmia and
 * KDDCUP-Rev. One JSON per (data set, choice, alternative) in --out, skipped when it exists (resumable; delete
 * a file to rerun it). Each JSON holds the harness's result plus, per seed, the collapse diagnostics of the
 * fitted model (mixture weights, effective number of components, share of training rows whose largest
 * membership is the largest component) and, for diagnosis only, the test AUROC of each z column alone.
 * docs/dagmm-gaps.md is rendered from these files by bench/dagmm-gaps-table.ts.
 *
 *   node dist/bench/dagmm-gaps.js [--datasets thyroid,arrhythmia,kddcup-rev] [--choices scaler,init]
 *     [--runs 20] [--slow-runs 20] [--seed 1] [--epochs N (quick checks only)] [--out docs/results/studies/dagmm-gaps]
 */
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backendInfo, useBestBackend } from '../src/backend-node.js';
import { loadPaperDataset, type BenchDataset, type PaperDatasetName } from '../src/data/datasets/bundled.js';
import type { DagmmDetector } from '../src/detectors/dagmm/detector.js';
import { mixtureDiagnostics, type MixtureDiagnostics } from '../src/detectors/dagmm/diagnostics.js';
import { PAPER_CONFIGS } from '../src/detectors/dagmm/paper-configs.js';
import type { Detector } from '../src/detectors/detector.js';
import { aggregate, runPaperBenchmark, type BenchOptions, type BenchResult, type RunMetrics, type ScalerRows } from '../src/harness/paper.js';
import { Rng } from '../src/engine/rng.js';
import { auroc } from '../src/metrics/ranking.js';
import { SLOW_ROWS } from './datasets.js';

export const GAP_DATASETS = ['thyroid', 'arrhythmia', 'kddcup-rev'] as const;

/**
 * The study's baseline: DAGMM's defaults when the study began. DAGMM's Adam default moved to tf1 afterwards (the
 * decision this study's principle made), so every cell pins torch's placement unless it is the cell that varies it,
 * and the cells of every data set stay paired with the same baseline.
 */
export const STUDY_BASE_PARAMS: Readonly<Record<string, unknown>> = { adamEpsilon: 'torch' };
export type GapDataset = (typeof GAP_DATASETS)[number];

/** One alternative: detector parameters, harness options and/or a change to the data set, over the default. */
export interface Alternative {
  name: string;
  description: string;
  params?: Record<string, unknown>;
  scalerRows?: ScalerRows;
  /** A different encoding of the data set (with the compression network it needs). */
  data?: (ds: BenchDataset) => { ds: BenchDataset; params: Record<string, unknown> };
}

export interface Choice {
  name: string;
  /** What the paper says or leaves open, and what the default is. */
  question: string;
  /** The default behaviour (the baseline row). */
  defaultName: string;
  alternatives: Alternative[];
  /** Only these data sets (default: all). */
  datasets?: readonly GapDataset[];
}

/** Columns `keep` of a row-major matrix. */
function takeColumns(x: Float32Array, rows: number, cols: number, keep: readonly number[]): Float32Array {
  const out = new Float32Array(rows * keep.length);
  for (let i = 0; i < rows; i++) for (let k = 0; k < keep.length; k++) out[i * keep.length + k] = x[i * cols + keep[k]];
  return out;
}

/** The binary symbolic KDDCUP columns (one-hot as two columns by default). */
const KDD_BINARY = ['land', 'logged_in', 'is_guest_login'];

/**
 * KDDCUP with each binary symbolic column as one 0/1 column (drops `<name>=0`): 117 inputs instead of 120, and the
 * paper's compression network with that input and output width.
 */
export function kddBinaryAsOneColumn(ds: BenchDataset): { ds: BenchDataset; params: Record<string, unknown> } {
  const cols = ds.base.columns;
  if (!cols) throw new Error(`${ds.name}: the data set has no column names`);
  const keep = cols.map((c, j) => (KDD_BINARY.some((b) => c === `${b}=0`) ? -1 : j)).filter((j) => j >= 0);
  if (keep.length !== cols.length - KDD_BINARY.length) throw new Error(`${ds.name}: expected the columns ${KDD_BINARY.map((b) => `${b}=0`).join(', ')}`);
  const d = keep.length, full = cols.length;
  const base = { ...ds.base, cols: d, x: takeColumns(ds.base.x, ds.base.rows, full, keep), columns: keep.map((j) => cols[j]) };
  const compression = PAPER_CONFIGS[ds.name as 'kddcup-rev'].compression;
  const narrowed = compression.replace(`FC(${full},`, `FC(${d},`).replace(`,${full},none)`, `,${d},none)`);
  if (narrowed === compression) throw new Error(`${ds.name}: the paper's compression network does not take ${full} inputs`);
  return { ds: { ...ds, base }, params: { compression: narrowed } };
}

export const CHOICES: readonly Choice[] = [
  {
    name: 'scaler', defaultName: 'minmax',
    question: 'The paper does not name its scaler; its reference lineage (and the harness) uses min-max.',
    alternatives: [{ name: 'zscore', description: 'z-score (mean / population std of the fitted rows)', params: { preprocessing: { scaling: 'standard' } } }],
  },
  {
    name: 'scaler-rows', defaultName: 'fitted (normal training rows)',
    question: 'Which rows the scaler is fitted on is not stated. Default: the rows the model is fitted on (normal rows of the training half).',
    alternatives: [
      { name: 'training-half', description: 'every row of the training half, anomalies included', scalerRows: 'training-half' },
      { name: 'run', description: 'every row of the run, test rows included (scaling the data set before splitting)', scalerRows: 'run' },
    ],
  },
  {
    name: 'epoch', defaultName: 'passes', datasets: ['thyroid', 'arrhythmia'],
    question: 'Thyroid (20,000 epochs, batch 1024) and Arrhythmia (10,000, batch 128) have ~1.9k and ~190 training rows: an epoch is two batches, the second partial.',
    alternatives: [
      { name: 'full-batches', description: 'passes without the trailing partial batch (one step per epoch here)', params: { epochMeaning: 'full-batches' } },
      { name: 'steps', description: 'the epoch count read as optimiser steps (half the steps here)', params: { epochMeaning: 'steps' } },
    ],
  },
  {
    name: 'init', defaultName: 'glorot-uniform',
    question: 'Initialisation is not stated; TensorFlow 1 (the authors\' framework) defaults to Glorot-uniform weights and zero biases.',
    alternatives: [
      { name: 'glorot-normal', description: 'Glorot-normal weights, zero biases', params: { init: 'glorot-normal' } },
      { name: 'torch-default', description: 'PyTorch nn.Linear default (U(+-1/sqrt(fan_in)) weights and biases)', params: { init: 'torch-default' } },
    ],
  },
  {
    name: 'adam-epsilon', defaultName: 'torch',
    question: 'Adam\'s epsilon placement: torch adds eps to sqrt of the bias-corrected v; TensorFlow 1 adds it to sqrt(v) with the bias correction in the step size.',
    alternatives: [{ name: 'tf1', description: 'TensorFlow 1 AdamOptimizer placement (eps 1e-8)', params: { adamEpsilon: 'tf1' } }],
  },
  {
    name: 'cov-eps', defaultName: '1e-6',
    question: 'The covariance diagonal term is not stated (implementations use tiny values); growing retry jitter is added only when a covariance is still not positive definite.',
    alternatives: [
      { name: '1e-12', description: 'diagonal term 1e-12 (retry jitter then does the protecting)', params: { covEps: 1e-12 } },
      { name: '1e-3', description: 'diagonal term 1e-3', params: { covEps: 1e-3 } },
    ],
  },
  {
    name: 'gmm-params', defaultName: 'whole-training-set',
    question: 'The GMM used at test time: the paper computes phi, mu, Sigma over the training set; implementations also keep running or last-batch estimates.',
    alternatives: [
      { name: 'running-average', description: 'moving average of the training batches\' estimates (decay 0.99)', params: { gmmParams: 'running-average' } },
      { name: 'last-batch', description: 'the last training batch\'s estimates', params: { gmmParams: 'last-batch' } },
    ],
  },
  {
    name: 'kdd-onehot', defaultName: 'all symbolic one-hot (120)', datasets: ['kddcup-rev'],
    question: 'KDDCUP\'s 120 inputs: the paper one-hot encodes the symbolic columns; binary symbolic columns can be two one-hot columns (default, 120 with is_host_login constant) or one 0/1 column.',
    alternatives: [{ name: 'binary-one-column', description: 'land, logged_in, is_guest_login as one 0/1 column each (117 inputs)', data: kddBinaryAsOneColumn }],
  },
];

/** Collapse diagnostics of one seed, plus (diagnosis only) each z column's test AUROC. */
export interface SeedDiagnostics extends MixtureDiagnostics {
  seed: number;
  zNames: string[];
  zColumnAuroc: number[];
  /** Mean loss terms of the last epoch. */
  lastEpoch: Record<string, number> | null;
}

export interface GapResult extends BenchResult {
  study: 'dagmm-gaps';
  choice: string;
  alternative: string;
  description: string;
  question: string;
  diagnostics: SeedDiagnostics[];
  /** Seeds whose fit failed (e.g. training diverged, or a component got no membership in a batch); not in runs. */
  failures: { seed: number; error: string }[];
  epochsOverride: number | null;
  command: string;
}

export function seedDiagnostics(det: Detector, seed: number, fit: Parameters<Detector['transform']>[0], test: Parameters<Detector['transform']>[0], testLabels: Uint8Array): SeedDiagnostics {
  const d = det as unknown as DagmmDetector;
  const f = d.transform(fit);
  const mix = mixtureDiagnostics(d.network, d.gmmParams, f.x, f.rows);
  const t = d.transform(test);
  const { names, values } = d.embed(t.x, t.rows);
  const w = names.length;
  const zColumnAuroc = names.map((_, j) => auroc(Float64Array.from({ length: t.rows }, (_, i) => values[i * w + j]), testLabels));
  const last = d.history.at(-1);
  return { seed, ...mix, zNames: names, zColumnAuroc, lastEpoch: last ? { loss: last.loss, ...last.terms } : null };
}

export function resultFile(out: string, dataset: string, choice: string, alternative: string): string {
  return join(out, `${dataset}--${choice}--${alternative.replace(/[^A-Za-z0-9.-]+/g, '_')}.json`);
}

export interface StudyOptions {
  datasets: readonly GapDataset[];
  choices: readonly string[];
  runs: number;
  slowRuns: number;
  seed: number;
  epochs?: number;
  out: string;
  command: string;
  log?: (line: string) => void;
}

/** The (data set, choice, alternative) cells of the study, the default first per data set. */
export function studyCells(o: Pick<StudyOptions, 'datasets' | 'choices'>): { dataset: GapDataset; choice: Choice | null; alt: Alternative | null }[] {
  for (const c of o.choices) if (!CHOICES.some((x) => x.name === c)) throw new Error(`unknown choice "${c}" (available: ${CHOICES.map((x) => x.name).join(', ')})`);
  for (const d of o.datasets) if (!GAP_DATASETS.includes(d)) throw new Error(`unknown data set "${d}" (available: ${GAP_DATASETS.join(', ')})`);
  const cells: { dataset: GapDataset; choice: Choice | null; alt: Alternative | null }[] = [];
  for (const dataset of o.datasets) {
    cells.push({ dataset, choice: null, alt: null });
    for (const choice of CHOICES) {
      if (!o.choices.includes(choice.name) || (choice.datasets && !choice.datasets.includes(dataset))) continue;
      for (const alt of choice.alternatives) cells.push({ dataset, choice, alt });
    }
  }
  return cells;
}

/** Runs every missing cell; returns the files written and the files kept. */
export function runStudy(o: StudyOptions): { written: string[]; kept: string[] } {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  mkdirSync(o.out, { recursive: true });
  const written: string[] = [], kept: string[] = [];
  const loaded = new Map<string, BenchDataset>();
  for (const { dataset, choice, alt } of studyCells(o)) {
    const choiceName = choice?.name ?? 'default', altName = alt?.name ?? 'default';
    const file = resultFile(o.out, dataset, choiceName, altName);
    if (existsSync(file)) { kept.push(file); log(`${file}: exists, kept`); continue; }
    if (!loaded.has(dataset)) loaded.set(dataset, loadPaperDataset(dataset as PaperDatasetName));
    let ds = loaded.get(dataset)!;
    let params: Record<string, unknown> = { ...STUDY_BASE_PARAMS, ...alt?.params };
    if (alt?.data) { const v = alt.data(ds); ds = v.ds; params = { ...params, ...v.params }; }
    const n = ds.sampleRun(new Rng(o.seed)).idx.length > SLOW_ROWS ? o.slowRuns : o.runs;
    const diagnostics: SeedDiagnostics[] = [], runs: RunMetrics[] = [], failures: { seed: number; error: string }[] = [];
    log(`${dataset} / ${choiceName} = ${altName}: ${n} runs ...`);
    const t0 = performance.now();
    let r: BenchResult | null = null;
    // One harness call per seed (the same split and seed as run r of one call with runs n), so that a seed whose
    // training fails is recorded as a failure instead of ending the cell.
    for (let i = 0; i < n; i++) {
      const seed = o.seed + i;
      const bench: BenchOptions = {
        model: 'dagmm', runs: 1, seed, protocol: 'paper', noControl: true, params,
        ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
        ...(alt?.scalerRows ? { scalerRows: alt.scalerRows } : {}),
        onFitted: (_i, det, rows) => { diagnostics.push(seedDiagnostics(det, seed, rows.fit, rows.test, rows.testLabels)); },
      };
      try {
        r = runPaperBenchmark(ds, bench);
        const m = r.runs[0], dg = diagnostics[diagnostics.length - 1];
        runs.push(m);
        log(`  run ${i + 1}/${n} seed ${seed}: F1 ${m.f1.toFixed(4)} AUROC ${m.auroc.toFixed(4)} phi [${dg.phi.map((v) => v.toFixed(3)).join(', ')}] (${m.seconds.toFixed(1)} s)`);
      } catch (e) {
        if (diagnostics.length > runs.length) diagnostics.pop();
        failures.push({ seed, error: (e as Error).message });
        log(`  run ${i + 1}/${n} seed ${seed}: FAILED: ${(e as Error).message}`);
      }
    }
    if (!r) throw new Error(`${dataset} / ${choiceName} = ${altName}: every seed failed (${failures[0]?.error})`);
    const result: GapResult = {
      study: 'dagmm-gaps', choice: choiceName, alternative: altName,
      description: alt?.description ?? 'every choice at its default', question: choice?.question ?? '',
      ...r, runs, ...aggregate(runs), seconds: (performance.now() - t0) / 1000,
      diagnostics, failures, epochsOverride: o.epochs ?? null, command: o.command, ...backendInfo(),
    };
    // Written whole or not at all, so an interrupted study resumes cleanly.
    writeFileSync(`${file}.tmp`, `${JSON.stringify(result)}\n`);
    renameSync(`${file}.tmp`, file);
    written.push(file);
    log(`  -> ${file}: F1 ${result.mean.f1.toFixed(4)} AUROC ${result.mean.auroc.toFixed(4)}, ${(result.seconds / 60).toFixed(1)} min${failures.length ? `, ${failures.length} failed` : ''}`);
  }
  return { written, kept };
}

/** The JSON files of a study directory. */
export function studyFiles(out: string): string[] {
  return existsSync(out) ? readdirSync(out).filter((f) => f.endsWith('.json')).sort().map((f) => join(out, f)) : [];
}

if (process.argv[1]?.endsWith('dagmm-gaps.js')) {
  const argv = process.argv.slice(2);
  const opt = (name: string, fallback: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : fallback; };
  const list = (name: string, fallback: readonly string[]): string[] => opt(name, fallback.join(',')).split(',').filter(Boolean);
  const runs = Number(opt('runs', '20'));
  const epochsOpt = opt('epochs', '');
  useBestBackend('auto');
  runStudy({
    datasets: list('datasets', GAP_DATASETS) as GapDataset[], choices: list('choices', CHOICES.map((c) => c.name)),
    runs, slowRuns: Number(opt('slow-runs', String(runs))), seed: Number(opt('seed', '1')),
    epochs: epochsOpt ? Number(epochsOpt) : undefined, out: opt('out', 'docs/results/studies/dagmm-gaps'),
    command: `node dist/bench/dagmm-gaps.js ${argv.join(' ')}`.trim(),
  });
}
