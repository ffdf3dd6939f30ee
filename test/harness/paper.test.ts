import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { bundledDataDir, loadPaperDataset, type BenchDataset } from '../../src/data/datasets/bundled.js';
import { parseCsv } from '../../src/data/readers/index.js';
import { labelsFromColumn } from '../../src/data/labels.js';
import { TsKernels, withKernels } from '../../src/engine/backend/index.js';
import { Rng } from '../../src/engine/rng.js';
import { extendMismatch, matrixSource, mergeRuns, runBenchmark, runPaperBenchmark, splitRun, type BenchResult } from '../../src/harness/paper.js';
import { runLabelledBenchmark } from '../../src/harness/labelled.js';
import { summarize } from '../../src/harness/stats.js';
import { createDetector } from '../../src/detectors/registry.js';
import { auroc } from '../../src/metrics/ranking.js';
import { dagmmPaperParams, PAPER_CONFIGS } from '../../src/detectors/dagmm/paper-configs.js';

/** 300 normal rows on a noisy line, 30 anomalies off it. */
function synthetic(): BenchDataset {
  const r = new Rng(5), rows = 330, cols = 6;
  const x = new Float32Array(rows * cols), labels = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const t = r.uniform(), anomaly = i >= 300;
    labels[i] = anomaly ? 1 : 0;
    for (let j = 0; j < cols; j++) x[i * cols + j] = anomaly ? r.uniform() * 3 : t * (j + 1) / cols + 0.02 * r.normal();
  }
  const idx = Int32Array.from({ length: rows }, (_, i) => i);
  return { name: 'thyroid', base: { name: 'synthetic', rows, cols, x, labels, columns: [], description: 'synthetic' }, sampleRun: () => ({ idx, labels }) };
}

const METRICS = ['precision', 'recall', 'f1', 'auroc', 'ap'] as const;
const metrics = (runs: BenchResult['runs']): number[][] => runs.map((r) => METRICS.map((k) => r[k]));

describe('benchmark harness', () => {
  const ds = synthetic();
  const src = matrixSource(ds.base, ds.sampleRun, 30 / 330, 'the synthetic anomaly rate');
  const dagmm = { model: 'dagmm', params: dagmmPaperParams(PAPER_CONFIGS.thyroid) };
  it('produces the documented JSON shape, deterministically for a seed', () => {
    const a = runBenchmark(src, { ...dagmm, runs: 2, seed: 3, protocol: 'paper', epochs: 3 }, { paper: { precision: 1, recall: 1, f1: 1 } });
    const b = runBenchmark(src, { ...dagmm, runs: 2, seed: 3, protocol: 'paper', epochs: 3 });
    assert.deepEqual(a.runs.map((r) => r.seed), [3, 4]);
    for (const k of METRICS) {
      assert.ok(Number.isFinite(a.mean[k]) && Number.isFinite(a.std[k]) && a.ci95[k][0] <= a.mean[k] && a.mean[k] <= a.ci95[k][1], k);
    }
    assert.deepEqual(metrics(a.runs), metrics(b.runs));
    assert.equal(a.control.runs.length, 2);
    assert.ok(a.seconds > 0 && a.protocol.startsWith('paper'));
    assert.deepEqual(a.flagging, { rule: a.flagging.rule, ratio: 30 / 330, usesTestLabels: false });
    assert.equal(a.config.epochs, 3);
    assert.equal((a.config.resolved as { epochs: number }).epochs, 3);
  });
  it('mergeRuns: seeds 3-4 then 5-7 give the runs, summaries and control of one 5-seed call; mismatches are refused', () => {
    const o = { ...dagmm, protocol: 'paper' as const, epochs: 2 };
    const whole = runBenchmark(src, { ...o, runs: 5, seed: 3 });
    const merged = mergeRuns(runBenchmark(src, { ...o, runs: 2, seed: 3 }), runBenchmark(src, { ...o, runs: 3, seed: 5 }));
    const strip = (r: BenchResult): unknown => ({ ...r, seconds: 0, runs: metrics(r.runs), control: { ...r.control, runs: metrics(r.control.runs) } });
    assert.deepEqual(merged.runs.map((r) => r.seed), [3, 4, 5, 6, 7]);
    assert.deepEqual(strip(merged), strip(whole));
    const first = runBenchmark(src, { ...o, runs: 2, seed: 3 });
    assert.throws(() => mergeRuns(first, runBenchmark(src, { ...o, runs: 1, seed: 6 })), /start at seed 6, not 5/);
    assert.throws(() => mergeRuns(first, runBenchmark(src, { ...o, runs: 1, seed: 5, epochs: 3 })), /different configuration/);
    assert.throws(() => mergeRuns(first, runBenchmark(src, { ...o, runs: 1, seed: 5, noControl: true })), /different untrained control/);
    const next = runBenchmark(src, { ...o, runs: 1, seed: 5 });
    assert.throws(() => mergeRuns(first, { ...next, jobs: 2 }), /different jobs: 1 in the existing runs, 2 in the added ones/);
    assert.throws(() => mergeRuns({ ...first, threads: 1 }, { ...next, threads: 2 }), /different kernel threads: 1 in the existing runs, 2/);
  });
  it('extendMismatch names what an --extend run would fail to merge on, before any seed runs', () => {
    const had = { backend: 'native', threads: 1 };
    assert.equal(extendMismatch(had, { ...had, jobs: 1 }), null);
    assert.equal(extendMismatch({ ...had, jobs: 2 }, { ...had, jobs: 2 }), null);
    assert.equal(extendMismatch(had, { ...had, jobs: 2 }), 'jobs: 1 in the existing runs, 2 in the added ones');
    assert.equal(extendMismatch(had, { backend: 'typescript', threads: 1, jobs: 1 }), 'backend: "native" in the existing runs, "typescript" in the added ones');
    assert.equal(extendMismatch(had, { backend: 'native', threads: 2, jobs: 1 }), 'kernel threads: 1 in the existing runs, 2 in the added ones');
  });
  it('half-normal flags the test anomaly rate and says that it uses the test labels', () => {
    const r = runBenchmark(src, { ...dagmm, runs: 1, seed: 1, protocol: 'half-normal', epochs: 2, noControl: true });
    assert.ok(r.protocol.startsWith('half-normal'));
    assert.equal(r.flagging.usesTestLabels, true);
    assert.match(r.flagging.rule, /test labels/);
    assert.equal(r.control.runs.length, 0);
    assert.match(r.control.description, /skipped/);
    // Anomalies this easy are found by the scores' ranking.
    assert.ok(r.runs[0].auroc > 0.8, `AUROC ${r.runs[0].auroc}`);
  });
  it('unsupervised fits every row, anomalies included, scores those same rows and flags the fixed ratio', () => {
    const split = splitRun(ds, new Rng(7), 'unsupervised', 0.1);
    assert.deepEqual(Array.from(split.fit), Array.from({ length: 330 }, (_, i) => i));
    assert.deepEqual(Array.from(split.test), Array.from(split.fit));
    assert.equal(split.fitAnomalies, 30);
    assert.equal(split.testLabels.reduce((a, b) => a + b, 0), 30);
    assert.equal(split.ratio, 0.1);
    const r = runBenchmark(src, { model: 'pca', runs: 2, seed: 1, protocol: 'unsupervised' });
    assert.ok(r.protocol.startsWith('unsupervised'));
    assert.deepEqual(r.flagging, { rule: r.flagging.rule, ratio: 30 / 330, usesTestLabels: false });
    // PCA makes no random choice and every seed sees the same rows: identical runs.
    assert.deepEqual(metrics(r.runs.slice(0, 1)), metrics(r.runs.slice(1)));
    assert.ok(r.runs[0].auroc > 0.9, `AUROC ${r.runs[0].auroc}`);
  });
  it('unsupervised takes the fitted rows\' own scores: kNN leaves each row out of its neighbours, as PyOD\'s decision_scores_', () => {
    const r = runBenchmark(src, { model: 'knn', runs: 1, seed: 1, protocol: 'unsupervised' });
    const split = splitRun(ds, new Rng(1), 'unsupervised', 0.1);
    const det = createDetector('knn', { seed: 1 }).fit(src.rows(split.fit), src.fitOptions);
    assert.equal(r.runs[0].auroc, auroc(det.trainingScores!, split.testLabels));
    // Re-scoring the same rows finds each at distance 0 from itself: different (smaller) scores.
    const again = det.scoreSamples(src.rows(split.test));
    assert.ok(again.some((v, i) => v < det.trainingScores![i] - 1e-9));
  });
  it('runs any registered detector through the same protocol (the autoencoder, with its untrained control)', () => {
    const r = runBenchmark(src, { model: 'ae', params: { learningRate: 1e-2 }, runs: 2, seed: 1, protocol: 'paper', epochs: 30 });
    assert.equal(r.model, 'ae');
    assert.equal(r.control.runs.length, 2);
    assert.ok(r.mean.auroc > 0.9, `AUROC ${r.mean.auroc}`);
    assert.match(r.control.description, /0 training epochs/);
    assert.equal((r.config.resolved as { epochs: number }).epochs, 30);
  });
  it('training contamination: normal rows of the training half plus that fraction of its anomaly rows; test rows unchanged', () => {
    const split = (c: number) => splitRun(ds, new Rng(7), 'paper', 0.1, c);
    const clean = split(0), half = split(0.5), all = split(1);
    const isAnomaly = (r: number) => ds.base.labels[r] === 1;
    const trainHalf = new Set(Array.from({ length: 330 }, (_, i) => i).filter((i) => !clean.test.includes(i)));
    const trainAnomalies = [...trainHalf].filter(isAnomaly);
    assert.ok(trainAnomalies.length > 0);
    assert.ok(!Array.from(clean.fit).some(isAnomaly) && clean.fitAnomalies === 0);
    // c = 1 fits on the whole training half; c = 0.5 on its normal rows plus round(half) of its anomaly rows.
    assert.deepEqual([...all.fit].sort((a, b) => a - b), [...trainHalf].sort((a, b) => a - b));
    const m = Math.round(0.5 * trainAnomalies.length);
    assert.equal(Array.from(half.fit).filter(isAnomaly).length, m);
    assert.equal(half.fitAnomalies, m);
    assert.deepEqual(Array.from(half.fit).filter((r) => !isAnomaly(r)), Array.from(clean.fit));
    for (const s of [half, all]) {
      assert.ok(Array.from(s.fit).every((r) => trainHalf.has(r)), 'no test row is fitted on');
      assert.deepEqual(s.test, clean.test);
      assert.deepEqual(s.testLabels, clean.testLabels);
    }
    assert.throws(() => splitRun(ds, new Rng(7), 'half-normal', 0.1, 0.5), /paper protocol/);
    assert.throws(() => splitRun(ds, new Rng(7), 'paper', 0.1, 1.5), /fraction in \[0, 1\]/);
  });
  it('training contamination through the harness: the detector gets feature rows only; runs report what was fitted', () => {
    const seen: number[] = [];
    const spy = { ...src, rows: (idx: Int32Array) => { seen.push(idx.length); return src.rows(idx); } };
    const r = runBenchmark(spy, { model: 'ae', runs: 1, seed: 7, protocol: 'paper', epochs: 1, noControl: true, trainContamination: 1 });
    const all = splitRun(ds, new Rng(7), 'paper', 0.1, 1);
    assert.deepEqual(seen, [all.fit.length, all.test.length]);
    assert.deepEqual([r.runs[0].trainRows, r.runs[0].trainAnomalies], [all.fit.length, all.fitAnomalies]);
    assert.equal(r.config.trainContamination, 1);
    assert.match(r.protocol, /plus 1 of the anomaly rows of the training half/);
    // Fitted matrices have the source's feature columns only: the labels never reach the detector.
    assert.equal((src.rows(all.fit) as { cols: number }).cols, ds.base.cols);
  });
  it('rejects a bad run count and an unknown detector', () => {
    assert.throws(() => runBenchmark(src, { ...dagmm, runs: 0, seed: 1, protocol: 'paper' }), /runs must be a positive integer/);
    assert.throws(() => runBenchmark(src, { model: 'nope', runs: 1, seed: 1, protocol: 'paper' }), /unknown detector "nope"/);
  });
});

describe('DAGMM on Thyroid through the detector contract', () => {
  const thyroid = loadPaperDataset('thyroid');
  /*
   * bench paper --dataset thyroid --runs 2 --epochs 50 (TypeScript backend) as the pre-contract
   * implementation (its own min-max on float32 matrices, trainDagmm, scoreEnergies) measured it, per run:
   * precision, recall, F1, AUROC, AP. The contract path must reproduce them exactly (with torch's Adam, the
   * default of that implementation; DAGMM's default is tf1 since 2026-12-01).
   */
  const BEFORE = {
    paper: {
      trained: [
      [0.46808510638297873, 0.4489795918367347, 0.4583333333333333, 0.8499883350182751, 0.3684712032927257],
      [0.40425531914893614, 0.3958333333333333, 0.39999999999999997, 0.858360536815379, 0.39817564420645374],
      ],
      control: [
      [0.3617021276595745, 0.3469387755102041, 0.35416666666666663, 0.8755846377745437, 0.26260110218627597],
      [0.44680851063829785, 0.4375, 0.4421052631578947, 0.8824696227783823, 0.43087881403463923],
      ],
    },
    'half-normal': {
      trained: [
      [0.6344086021505376, 0.6344086021505376, 0.6344086021505376, 0.9333742402992052, 0.639244981852481],
      [0.45161290322580644, 0.45161290322580644, 0.45161290322580644, 0.8742753623188406, 0.4615131691472963],
      ],
      control: [
      [0.5913978494623656, 0.5913978494623656, 0.5913978494623656, 0.9083859280037401, 0.5453956831180481],
      [0.44086021505376344, 0.44086021505376344, 0.44086021505376344, 0.9113604488078542, 0.5177184143608727],
      ],
    },
  };
  for (const protocol of ['paper', 'half-normal'] as const) {
    it(`reproduces the pre-contract numbers, ${protocol} protocol`, () => {
      const r = withKernels(new TsKernels(), () => runPaperBenchmark(thyroid, { model: 'dagmm', runs: 2, seed: 1, protocol, epochs: 50, params: { adamEpsilon: 'torch' } }));
      assert.deepEqual(metrics(r.runs), BEFORE[protocol].trained);
      assert.deepEqual(metrics(r.control.runs), BEFORE[protocol].control);
      assert.equal(r.config.compression, PAPER_CONFIGS.thyroid.compression);
      assert.deepEqual(r.paper, { precision: 0.4766, recall: 0.4834, f1: 0.4782 });
    });
  }
  it('bench csv on thyroid.csv and bench paper on the bundled Thyroid are one protocol: same numbers', () => {
    const table = parseCsv(readFileSync(`${bundledDataDir()}/thyroid.csv`, 'utf8'), { source: 'thyroid.csv' });
    const labels = labelsFromColumn(table, 'label', null);
    const o = { runs: 1, seed: 4, protocol: 'paper' as const, epochs: 2 };
    const viaPaper = runPaperBenchmark(thyroid, { model: 'dagmm', ...o });
    const viaCsv = runLabelledBenchmark(table, labels, 'thyroid.csv', { detector: 'dagmm', params: dagmmPaperParams(PAPER_CONFIGS.thyroid), labelColumn: 'label', ...o });
    // Same split and scores; only the flagged fraction differs (Table 1's 2.5% vs the file's own rate).
    assert.deepEqual(viaCsv.runs.map((r) => [r.auroc, r.ap]), viaPaper.runs.map((r) => [r.auroc, r.ap]));
    assert.equal(viaCsv.flagging.ratio, labels.reduce((a, b) => a + b, 0) / labels.length);
  });
});

describe('summary statistics', () => {
  it('mean, sample std and t interval', () => {
    const s = summarize([1, 2, 3, 4]);
    assert.equal(s.mean, 2.5);
    assert.ok(Math.abs(s.std - Math.sqrt(5 / 3)) < 1e-12);
    const half = 3.182 * Math.sqrt(5 / 3) / 2;
    assert.ok(Math.abs(s.ci95[1] - (2.5 + half)) < 1e-9);
  });
});
