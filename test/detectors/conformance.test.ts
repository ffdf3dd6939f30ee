/**
 * Checks every registered detector must pass (after scikit-learn's check_estimator): shapes, determinism,
 * threshold consistency, input forms, model-file round trip, and bad-input errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tableFromRecords } from '../../src/data/table.js';
import { Rng } from '../../src/engine/rng.js';
import { detectorEntries, loadDetector } from '../../src/detectors/registry.js';
import { auroc } from '../../src/metrics/ranking.js';

/** 300 inliers near a 1-d curve in 5-d, plus 15 far outliers (last rows). */
function data(seed = 4): { rows: number[][]; labels: number[] } {
  const r = new Rng(seed), rows: number[][] = [], labels: number[] = [];
  for (let i = 0; i < 315; i++) {
    const out = i >= 300, t = r.uniform();
    rows.push(Array.from({ length: 5 }, (_, j) => (out ? 3 * r.normal() : Math.sin(t * (j + 1)) + 0.03 * r.normal())));
    labels.push(out ? 1 : 0);
  }
  return { rows, labels };
}

for (const entry of detectorEntries()) {
  // An alias creates its target's detector, which is checked under its own name; see the alias check below.
  if (entry.aliasOf) continue;
  const make = (extra: Record<string, unknown> = {}) => entry.create({ ...entry.quickParams, seed: 3, ...extra });
  describe(`detector conformance: ${entry.name}`, () => {
    const { rows, labels } = data();
    const fitted = make({ threshold: { contamination: 0.05 } }).fit(rows);
    const scores = fitted.scoreSamples(rows);

    it('scores one finite value per row; higher = more anomalous on easy outliers', () => {
      assert.equal(scores.length, rows.length);
      assert.ok(scores.every(Number.isFinite));
      // A detector registered as unreliable is there to be studied: its ranking is what the benchmarks measure.
      if (!entry.unreliable) assert.ok(auroc(scores, labels) > 0.9, `AUROC ${auroc(scores, labels)}`);
    });

    it('predict is score > threshold; contamination flags that fraction of the training rows', () => {
      const pred = fitted.predict(rows);
      scores.forEach((s, i) => assert.equal(pred[i], s > fitted.threshold ? 1 : 0));
      const flagged = pred.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(flagged - 0.05 * rows.length) <= 2, `flagged ${flagged} of ${rows.length}`);
      const byValue = make({ threshold: { value: 1.5 } }).fit(rows);
      assert.equal(byValue.threshold, 1.5);
    });

    it('predictProba is the rank among calibration scores: in [0, 1] and monotone in the score', () => {
      const p = fitted.predictProba(rows);
      const order = Array.from(scores.keys()).sort((a, b) => scores[a] - scores[b]);
      for (let i = 1; i < order.length; i++) assert.ok(p[order[i]] >= p[order[i - 1]]);
      assert.ok(p.every((v) => v >= 0 && v <= 1));
      const above = Array.from(p).filter((_, i) => scores[i] > fitted.threshold);
      assert.ok(above.every((v) => v >= 0.9), 'rows above a 5% contamination threshold rank above 90%');
    });

    it('holdout threshold: a fraction of rows is held out and the threshold is their quantile', () => {
      const d = make({ threshold: { holdout: 0.2, quantile: 0.95 } }).fit(rows);
      assert.equal(d.training?.holdoutRows, 63);
      assert.equal(d.training?.rows, 252);
      assert.ok(Number.isFinite(d.threshold));
    });

    it(entry.seedFree ? 'is deterministic and the same for every seed (no random choice)' : 'is deterministic for a seed and differs across seeds', () => {
      assert.deepEqual(Array.from(make({ threshold: { contamination: 0.05 } }).fit(rows).scoreSamples(rows)), Array.from(scores));
      const other = Array.from(make({ seed: 4 }).fit(rows).scoreSamples(rows));
      if (entry.seedFree) assert.deepEqual(other, Array.from(scores));
      else assert.notDeepEqual(other, Array.from(scores));
    });

    it('accepts number[][], typed matrices and tables alike', () => {
      const flat = Float64Array.from(rows.flat());
      assert.deepEqual(Array.from(fitted.scoreSamples({ data: flat, rows: rows.length, cols: 5 })), Array.from(scores));
      const table = tableFromRecords(rows.map((r) => Object.fromEntries(r.map((v, j) => [`f${j}`, v]))));
      assert.deepEqual(Array.from(fitted.scoreSamples(table)), Array.from(scores));
    });

    it('round-trips through a model file: same scores, labels, probabilities; same bytes when saved again', () => {
      const bytes = fitted.toBytes('2026-01-01T00:00:00.000Z');
      const back = loadDetector(bytes, 'm.abr');
      assert.equal(back.name, entry.name);
      assert.equal(back.threshold, fitted.threshold);
      assert.deepEqual(Array.from(back.scoreSamples(rows)), Array.from(scores));
      assert.deepEqual(Array.from(back.predictProba(rows)), Array.from(fitted.predictProba(rows)));
      assert.deepEqual(back.toBytes('2026-01-01T00:00:00.000Z'), bytes);
      const tampered = bytes.slice(); tampered[tampered.length - 40] ^= 1;
      assert.throws(() => loadDetector(tampered, 'm.abr'), /m\.abr.*(corrupted|modified)/);
    });

    it('round-trips through JSON (JSON.stringify / parse) to identical scores', () => {
      const j = JSON.parse(JSON.stringify(fitted.toJSON()));
      assert.deepEqual(Array.from(loadDetector(j).scoreSamples(rows)), Array.from(scores));
      j.tensors[0].data[0] = 'x';
      assert.throws(() => loadDetector(j, 'm.json'), /m\.json/);
      const k = JSON.parse(JSON.stringify(fitted.toJSON()));
      k.manifest.threshold.referenceQuantiles.pop();
      assert.throws(() => loadDetector(k, 'k.json'), /k\.json: .*threshold is malformed: referenceQuantiles/);
      const t = JSON.parse(JSON.stringify(fitted.toJSON()));
      t.manifest.training.seconds = 'slow';
      assert.throws(() => loadDetector(t, 't.json'), /t\.json: .*training is malformed: seconds/);
    });

    it('scores huge and infinite values as finite, extreme anomalies (the finite-score rule)', () => {
      const inlier = rows[0];
      const wild = [1e25, -1e30, 1e39, 1e308, -1e308, Infinity, -Infinity, 3.4e38];
      const probe: number[][] = [];
      for (const v of wild) for (let j = 0; j < 5; j++) probe.push(inlier.map((x, k) => (k === j ? v : x)));
      probe.push(wild.slice(0, 5));
      const det = fitted.scoreDetailed(probe);
      assert.ok(det.scores.every(Number.isFinite), `non-finite score among ${Array.from(det.scores).join(', ')}`);
      det.scores.forEach((s, i) => assert.ok(s > fitted.threshold, `probe row ${i + 1} scores ${s}, not above the threshold ${fitted.threshold}`));
      assert.equal(det.clamped, probe.length + 4, 'every wild value is counted as clamped');
      assert.ok(fitted.predict(probe).every((l) => l === 1));
      // Training rows with values beyond float32 are refused with the row and column named.
      assert.throws(() => make().fit([...rows.slice(0, 20), [1, 2, 1e39, 4, 5]]), /row 21.*"f2".*beyond/);
    });

    it('rejects bad input with errors that name the problem', () => {
      assert.throws(() => make().scoreSamples(rows), /not fitted/);
      assert.throws(() => make().fit([]), /at least 2 training rows|no rows|no data/);
      assert.throws(() => fitted.scoreSamples([[1, 2, 3]]), /column|f3|features/);
      assert.throws(() => make({ epochs: -1 }), /epochs/);
      assert.throws(() => make({ threshold: { contamination: 0.7 } }), /threshold/);
      assert.throws(() => make({ nonsense: 1 }), /nonsense/);
      const strict = make({ preprocessing: { missing: 'error' } }).fit(rows);
      assert.throws(() => strict.scoreSamples([[1, 2, NaN, 4, 5]]), /row 1.*f2|f2.*row 1/);
    });
  });
}

for (const entry of detectorEntries().filter((e) => e.aliasOf)) {
  describe(`detector alias: ${entry.name} = ${entry.aliasOf}`, () => {
    it('creates its target detector with the same parameters, scores and model files', () => {
      const target = detectorEntries().find((e) => e.name === entry.aliasOf)!;
      assert.ok(target && !target.aliasOf, `${entry.aliasOf} is registered and not an alias`);
      assert.equal(entry.paramsSchema, target.paramsSchema);
      const { rows } = data();
      const params = { ...target.quickParams, seed: 3 };
      const a = entry.create(params).fit(rows), b = target.create(params).fit(rows);
      assert.equal(a.name, target.name);
      assert.deepEqual(Array.from(a.scoreSamples(rows)), Array.from(b.scoreSamples(rows)));
      assert.equal(loadDetector(a.toBytes('2026-01-01T00:00:00.000Z'), 'm.abr').name, target.name);
    });
  });
}
