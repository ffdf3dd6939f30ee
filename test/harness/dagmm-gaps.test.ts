/**
 * The DAGMM gaps study (bench/dagmm-gaps.ts, bench/dagmm-gaps-table.ts) and the harness options it needs:
 * where the scaler is fitted, the per-run hook, the KDDCUP encoding variant, skip/resume and the JSON shape
 * on a tiny Thyroid run, and the table on a fixture.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import type { BenchDataset } from '../../src/data/datasets/bundled.js';
import { dagmmPaperParams, PAPER_CONFIGS } from '../../src/detectors/dagmm/paper-configs.js';
import { matrixSource, prescaleRun, runBenchmark, splitRun } from '../../src/harness/paper.js';
import { kddBinaryAsOneColumn, runStudy, studyCells, type GapResult } from '../../bench/dagmm-gaps.js';
import { COLLAPSE_PHI, GAPS_BEGIN, GAPS_END, gapsMarkdown, spearman } from '../../bench/dagmm-gaps-table.js';
import { withBlock } from '../../bench/table2.js';

/** 200 normal rows on a noisy line, 20 anomalies off it, 6 columns. */
function synthetic(): BenchDataset {
  const r = new Rng(8), rows = 220, cols = 6;
  const x = new Float32Array(rows * cols), labels = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const t = r.uniform(), anomaly = i >= 200;
    labels[i] = anomaly ? 1 : 0;
    for (let j = 0; j < cols; j++) x[i * cols + j] = anomaly ? 5 + r.uniform() * 3 : t * (j + 1) + 0.02 * r.normal();
  }
  const idx = Int32Array.from({ length: rows }, (_, i) => i);
  return { name: 'thyroid', base: { name: 'synthetic', rows, cols, x, labels, columns: [], description: 'synthetic' }, sampleRun: () => ({ idx, labels }) };
}

describe('harness: scalerRows and onFitted', () => {
  const ds = synthetic();
  const src = matrixSource(ds.base, ds.sampleRun, 20 / 220, 'synthetic');
  const dagmm = { model: 'dagmm', params: dagmmPaperParams(PAPER_CONFIGS.thyroid), epochs: 2, noControl: true };

  it('prescaleRun fits min-max on the chosen rows: the run (0..1 over every row) or the training half', () => {
    const split = splitRun(src, new Rng(1), 'paper', src.ratio);
    const test = new Set(split.test);
    const half = split.run.filter((r) => !test.has(r));
    for (const [which, fitted] of [['run', split.run], ['training-half', half]] as const) {
      const s = prescaleRun(src, split, which, 'minmax');
      assert.equal(s.scalerRows, fitted.length);
      const m = s.test as { data: Float32Array; rows: number; cols: number }, f = s.fit as typeof m;
      // Column 0 over the chosen rows spans exactly [0, 1]; fit and test rows are subsets of the run.
      const col0 = (a: typeof m): number[] => Array.from({ length: a.rows }, (_, i) => a.data[i * a.cols]);
      const all = [...col0(f), ...col0(m)];
      const lo = Math.min(...Array.from(fitted, (r) => ds.base.x[r * 6])), hi = Math.max(...Array.from(fitted, (r) => ds.base.x[r * 6]));
      all.forEach((v, i) => assert.ok(Number.isFinite(v), `${i}`));
      if (which === 'run') assert.ok(Math.abs(Math.min(...all)) < 1e-6 && Math.abs(Math.max(...all) - 1) < 1e-6);
      const raw = ds.base.x[split.fit[0] * 6];
      assert.ok(Math.abs(f.data[0] - (raw - lo) / (hi - lo)) < 1e-5);
    }
  });

  it('scalerRows fitted is the default (same metrics); the others change the rows the detector sees', () => {
    const a = runBenchmark(src, { ...dagmm, runs: 1, seed: 2, protocol: 'paper' });
    const b = runBenchmark(src, { ...dagmm, runs: 1, seed: 2, protocol: 'paper', scalerRows: 'fitted' });
    assert.deepEqual(a.runs.map((r) => [r.f1, r.auroc]), b.runs.map((r) => [r.f1, r.auroc]));
    assert.ok(!('scalerRows' in a.config) && b.config.scalerRows === 'fitted');
    const c = runBenchmark(src, { ...dagmm, runs: 1, seed: 2, protocol: 'paper', scalerRows: 'run' });
    assert.match(String(c.config.scaling), /every row of the run/);
    assert.ok(c.runs[0].auroc !== a.runs[0].auroc || c.runs[0].f1 !== a.runs[0].f1);
  });

  it('refuses scalerRows other than fitted outside the paper protocol, and unknown values', () => {
    assert.throws(() => runBenchmark(src, { ...dagmm, runs: 1, seed: 1, protocol: 'half-normal', scalerRows: 'run' }), /paper protocol/);
    assert.throws(() => runBenchmark(src, { ...dagmm, runs: 1, seed: 1, protocol: 'paper', scalerRows: 'all' as 'run' }), /scalerRows/);
  });

  it('onFitted sees each run\'s fitted detector once (not the control\'s)', () => {
    const seen: number[] = [];
    runBenchmark(src, { ...dagmm, noControl: false, runs: 2, seed: 1, protocol: 'paper', onFitted: (i, det, rows) => { assert.ok(det.fitted); assert.equal(rows.testLabels.length, 110); seen.push(i); } });
    assert.deepEqual(seen, [0, 1]);
  });
});

describe('study: KDDCUP encoding variant and the cells', () => {
  it('drops the `=0` column of each binary symbolic column and narrows the compression network to match', () => {
    const other = Array.from({ length: 117 }, (_, j) => `c${j}`);
    const columns = [...other.slice(0, 10), 'land=0', 'land=1', ...other.slice(10, 50), 'logged_in=0', 'logged_in=1', 'is_guest_login=0', 'is_guest_login=1', ...other.slice(50, 114)];
    assert.equal(columns.length, 120);
    const x = Float32Array.from({ length: 2 * 120 }, (_, i) => i);
    const ds: BenchDataset = { name: 'kddcup-rev', base: { name: 'k', rows: 2, cols: 120, x, labels: new Uint8Array(2), columns, description: '' }, sampleRun: () => ({ idx: Int32Array.of(0, 1), labels: new Uint8Array(2) }) };
    const v = kddBinaryAsOneColumn(ds);
    assert.equal(v.ds.base.cols, 117);
    assert.ok(!v.ds.base.columns.some((c) => c.endsWith('=0')));
    assert.equal(v.ds.base.x[117 + 10], 120 + 11); // row 1, 'land=1' (source column 11)
    assert.match(String(v.params.compression), /^FC\(117,60,tanh\).*FC\(60,117,none\)$/);
    assert.throws(() => kddBinaryAsOneColumn({ ...ds, base: { ...ds.base, columns: other.slice(0, 120) } }), /land=0/);
  });

  it('runs the default first, the epoch choice on the small sets only, the KDDCUP encoding on KDDCUP-Rev only', () => {
    const cells = studyCells({ datasets: ['thyroid', 'kddcup-rev'], choices: ['epoch', 'kdd-onehot'] }).map((c) => `${c.dataset}/${c.choice?.name ?? 'default'}/${c.alt?.name ?? 'default'}`);
    assert.deepEqual(cells, ['thyroid/default/default', 'thyroid/epoch/full-batches', 'thyroid/epoch/steps', 'kddcup-rev/default/default', 'kddcup-rev/kdd-onehot/binary-one-column']);
    assert.throws(() => studyCells({ datasets: ['thyroid'], choices: ['optimizer'] }), /unknown choice "optimizer"/);
    assert.throws(() => studyCells({ datasets: ['kddcup' as 'thyroid'], choices: [] }), /unknown data set "kddcup"/);
  });
});

describe('study: a tiny Thyroid run', () => {
  const out = mkdtempSync(join(tmpdir(), 'dagmm-gaps-'));
  after(() => rmSync(out, { recursive: true, force: true }));
  const o = { datasets: ['thyroid'] as const, choices: ['adam-epsilon'], runs: 1, slowRuns: 1, seed: 1, epochs: 2, out, command: 'test', log: () => {} };

  it('writes one JSON per cell with the harness result and per-seed collapse diagnostics, then skips them', () => {
    const first = runStudy(o);
    assert.equal(first.written.length, 2);
    const r = JSON.parse(readFileSync(join(out, 'thyroid--adam-epsilon--tf1.json'), 'utf8')) as GapResult;
    assert.equal(r.study, 'dagmm-gaps');
    assert.equal(r.choice, 'adam-epsilon');
    assert.equal(r.alternative, 'tf1');
    assert.equal(r.dataset, 'thyroid');
    assert.equal(r.epochsOverride, 2);
    assert.equal(r.runs.length, 1);
    assert.equal((r.config.resolved as Record<string, unknown>).adamEpsilon, 'tf1');
    const d = r.diagnostics[0];
    assert.equal(d.seed, 1);
    assert.equal(d.phi.length, 2);
    assert.ok(Math.abs(d.phi[0] + d.phi[1] - 1) < 1e-5 && d.effectiveK >= 1 && d.effectiveK <= 2);
    assert.ok(d.argmaxShareLargest >= 0 && d.argmaxShareLargest <= 1);
    assert.deepEqual(d.zNames, ['z_c', 'relative-euclidean', 'cosine']);
    assert.equal(d.zColumnAuroc.length, 3);
    const base = JSON.parse(readFileSync(join(out, 'thyroid--default--default.json'), 'utf8')) as GapResult;
    assert.equal(base.choice, 'default');
    const mtime = statSync(join(out, 'thyroid--default--default.json')).mtimeMs;
    const again = runStudy(o);
    assert.deepEqual([again.written.length, again.kept.length], [0, 2]);
    assert.equal(statSync(join(out, 'thyroid--default--default.json')).mtimeMs, mtime);
  });
});

describe('study table', () => {
  const run = (seed: number, f1: number, auroc: number) => ({ seed, precision: f1, recall: f1, f1, auroc, ap: 0, seconds: 1 });
  const diag = (seed: number, phi: number[]) => ({ seed, phi, effectiveK: 1, largest: 0, argmaxShareLargest: 1, argmaxCounts: [1, 0], meanMaxMembership: 0.9, jitter: [0, 0], zNames: ['z_c'], zColumnAuroc: [0.2], lastEpoch: null });
  const result = (choice: string, alternative: string, f1s: number[], phis: number[][]): GapResult => ({
    study: 'dagmm-gaps', choice, alternative, description: '', question: '', epochsOverride: null, failures: [], command: '', dataset: 'thyroid', model: 'dagmm', protocol: 'paper',
    config: {}, runs: f1s.map((f, i) => run(i + 1, f, 0.9)), diagnostics: phis.map((p, i) => diag(i + 1, p)),
    mean: { precision: 0, recall: 0, f1: f1s.reduce((a, b) => a + b, 0) / f1s.length, auroc: 0.9, ap: 0 }, std: { precision: 0, recall: 0, f1: 0, auroc: 0, ap: 0 },
    ci95: { precision: [0, 0], recall: [0, 0], f1: [0, 0], auroc: [0, 0], ap: [0, 0] }, control: { description: '', runs: [], mean: {} as never, std: {} as never },
    paper: null, flagging: { rule: '', ratio: 0.025, usesTestLabels: false }, seconds: 1,
  });

  it('renders one row per alternative, default first, with paired deltas and collapse counts', () => {
    const md = gapsMarkdown([
      result('init', 'torch-default', [0.5, 0.2, 0.6], [[0.5, 0.5], [1, 0], [0.6, 0.4]]),
      result('default', 'default', [0.4, 0.4, 0.4], [[0.995, 0.005], [0.5, 0.5], [0.5, 0.5]]),
    ]);
    const lines = md.split('\n');
    const def = lines.findIndex((l) => l.startsWith('| **default**')), alt = lines.findIndex((l) => l.startsWith('| init: torch-default'));
    assert.ok(def > 0 && alt > def);
    // Per-seed differences +0.1, -0.2, +0.2: mean +0.0333, 2 better / 1 worse; 1 of 3 runs collapsed in each.
    assert.match(lines[alt], /\| \+0\.0333 \(2\/1\) \|/);
    assert.match(lines[alt], /\| 1\/3 \|/);
    assert.match(lines[def], /\| 1\/3 \|/);
    assert.match(lines[alt], /\| 0\.200 \/ 0\.550 \|$/);
    assert.match(md, /max\(AUROC, 1 - AUROC\)/);
    assert.ok(md.includes(`>= ${COLLAPSE_PHI}`));
    assert.ok(md.startsWith(GAPS_BEGIN) && md.endsWith(GAPS_END));
  });

  it('Spearman: hand-computed values, ties at their average rank, NaN without spread', () => {
    // No ties: rank differences 0, 1, 1, 0 -> 1 - 6 * 2 / (4 * 15) = 0.8.
    assert.ok(Math.abs(spearman([1, 2, 3, 4], [10, 30, 20, 40]) - 0.8) < 1e-12);
    // Ties: ranks (0.5, 0.5, 2) against (0, 1, 2) -> 1.5 / sqrt(1.5 * 2).
    assert.ok(Math.abs(spearman([5, 5, 7], [1, 2, 3]) - 1.5 / Math.sqrt(3)) < 1e-12);
    assert.equal(spearman([3, 2, 1], [1, 2, 3]), -1);
    assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
    assert.ok(Number.isNaN(spearman([1, 2], [1, 2])));
  });

  it('says within each cell whether a lower final training loss goes with a higher F1', () => {
    const r = result('default', 'default', [0.9, 0.5, 0.7], [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]);
    r.diagnostics.forEach((d, i) => { d.lastEpoch = { loss: [1, 3, 2][i] }; });
    // Loss 1, 3, 2 against F1 0.9, 0.5, 0.7: a perfect inverse ranking.
    assert.match(gapsMarkdown([r]), /mean over 1 cells -1\.00 \(0 cells positive\); the default's -1\.00\./);
  });

  it('replaces only the block between the markers; says when nothing has run', () => {
    const doc = `# t\n\nprinciple\n\n${GAPS_BEGIN}\nold\n${GAPS_END}\n\ntail\n`;
    const next = withBlock(doc, gapsMarkdown([]), GAPS_BEGIN, GAPS_END);
    assert.ok(next.startsWith('# t\n\nprinciple\n\n') && next.endsWith('\n\ntail\n'));
    assert.match(next, /No results yet/);
    assert.ok(!next.includes('old'));
  });
});
