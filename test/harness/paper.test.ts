import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BenchDataset } from '../../src/data/datasets/bundled.js';
import { Rng } from '../../src/engine/rng.js';
import { runDagmmBenchmark } from '../../src/harness/paper.js';
import { summarize } from '../../src/harness/stats.js';
import { PAPER_CONFIGS } from '../../src/detectors/dagmm/paper-configs.js';

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

describe('paper harness', () => {
  const cfg = { ...PAPER_CONFIGS.thyroid, anomalyRatio: 30 / 330 };
  it('produces the documented JSON shape, deterministically for a seed', () => {
    const a = runDagmmBenchmark(synthetic(), cfg, { runs: 2, seed: 3, protocol: 'paper', epochs: 3 }, { precision: 1, recall: 1, f1: 1 });
    const b = runDagmmBenchmark(synthetic(), cfg, { runs: 2, seed: 3, protocol: 'paper', epochs: 3 }, null);
    assert.deepEqual(a.runs.map((r) => r.seed), [3, 4]);
    for (const k of ['precision', 'recall', 'f1', 'auroc', 'ap'] as const) {
      assert.ok(Number.isFinite(a.mean[k]) && Number.isFinite(a.std[k]) && a.ci95[k][0] <= a.mean[k] && a.mean[k] <= a.ci95[k][1], k);
      assert.deepEqual(a.runs.map((r) => r[k]), b.runs.map((r) => r[k]));
    }
    assert.equal(a.control.runs.length, 2);
    assert.ok(a.seconds > 0 && a.protocol.startsWith('paper'));
  });
  it('half-normal protocol runs and flags the test anomaly rate', () => {
    const r = runDagmmBenchmark(synthetic(), cfg, { runs: 1, seed: 1, protocol: 'half-normal', epochs: 2, noControl: true }, null);
    assert.ok(r.protocol.startsWith('half-normal'));
    assert.equal(r.control.runs.length, 0);
    // Anomalies this easy are found by the scores' ranking.
    assert.ok(r.runs[0].auroc > 0.8, `AUROC ${r.runs[0].auroc}`);
  });
  it('rejects a bad run count', () => {
    assert.throws(() => runDagmmBenchmark(synthetic(), cfg, { runs: 0, seed: 1, protocol: 'paper' }, null), /runs must be a positive integer/);
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
