/**
 * ICL (src/detectors/icl): windows and complements, the contrastive loss on hand cases and against a float64
 * reference loop, its gradient by finite differences, the authors' rules for k and the ensemble, the loss floor
 * that ends training, a seeded quality floor on planted data, the model file's feature orders and errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { Tensor } from '../../src/engine/tensor.js';
import { IclDetector, iclKernelSize, iclRowLosses, windowColumns } from '../../src/detectors/icl/detector.js';
import { createDetector, detectorEntry, loadDetector } from '../../src/detectors/registry.js';
import { auroc } from '../../src/metrics/ranking.js';
import { gradCheck } from '../support/gradcheck.js';
import { planted } from '../support/planted.js';

const close = (a: number, b: number, what: string, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** ICL's per-row loss in float64: normalise over windows, then per embedding, then InfoNCE per window. */
function iclReference(c: number[][], w: number[][], n: number, tau: number): number[] {
  const m = c.length / n, u = c[0].length;
  const normalise = (e: number[][]) => {
    const out = e.map((r) => r.slice());
    for (let j = 0; j < u; j++) { const s = Math.hypot(...out.map((r) => r[j])); out.forEach((r) => { r[j] /= s; }); }
    return out.map((r) => { const s = Math.hypot(...r); return r.map((v) => v / s); });
  };
  return Array.from({ length: n }, (_, i) => {
    const cq = normalise(c.slice(i * m, (i + 1) * m)), wq = normalise(w.slice(i * m, (i + 1) * m));
    let total = 0;
    for (let j = 0; j < m; j++) {
      const s = wq.map((r) => r.reduce((a, v, t) => a + v * cq[j][t], 0) / tau);
      total += Math.log(s.reduce((a, v) => a + Math.exp(v), 0)) - s[j];
    }
    return total / m;
  });
}

describe('ICL: windows and the contrastive loss', () => {
  it('windows of k consecutive features (no wraparound) and their complements, in a feature order', () => {
    const id = windowColumns([0, 1, 2, 3, 4], 2);
    assert.equal(id.windows, 4);
    assert.deepEqual(Array.from(id.window), [0, 1, 1, 2, 2, 3, 3, 4]);
    assert.deepEqual(Array.from(id.context), [2, 3, 4, 0, 3, 4, 0, 1, 4, 0, 1, 2]);
    // Order [3, 0, 4, 1, 2]: positions j..j+1 map to those columns.
    const p = windowColumns([3, 0, 4, 1, 2], 3);
    assert.deepEqual(Array.from(p.window), [3, 0, 4, 0, 4, 1, 4, 1, 2]);
    assert.deepEqual(Array.from(p.context), [1, 2, 3, 2, 3, 0]);
    assert.throws(() => windowColumns([0, 1, 2], 3), /fewer than 2 windows/);
  });

  it('loss by hand: each complement against its own window and the others', () => {
    // 2 windows, 2-d embeddings already unit and orthogonal: S = I / tau, each window's loss log(1 + e^(-1/tau)).
    const c = new Tensor(Float32Array.from([1, 0, 0, 1]), [2, 2]);
    close(iclRowLosses(c, new Tensor(Float32Array.from([1, 0, 0, 1]), [2, 2]), 1, 1).item(), Math.log(1 + Math.exp(-1)), 'matched');
    close(iclRowLosses(c, new Tensor(Float32Array.from([2, 0, 0, 3]), [2, 2]), 1, 0.5).item(), Math.log(1 + Math.exp(-2)), 'scale-free');
    // Windows swapped: every complement is nearest the other window: log(1 + e^(1/tau)).
    close(iclRowLosses(c, new Tensor(Float32Array.from([0, 1, 1, 0]), [2, 2]), 1, 1).item(), Math.log(1 + Math.E), 'swapped');
  });

  it('agrees with a float64 reference loop; gradients by finite differences', () => {
    const rng = new Rng(2), n = 2, m = 3, u = 4;
    const c = Array.from({ length: n * m }, () => Array.from({ length: u }, () => rng.range(-1, 1)));
    const w = Array.from({ length: n * m }, () => Array.from({ length: u }, () => rng.range(-1, 1)));
    const got = iclRowLosses(new Tensor(Float32Array.from(c.flat()), [n * m, u]), new Tensor(Float32Array.from(w.flat()), [n * m, u]), n, 0.5).data;
    iclReference(c, w, n, 0.5).forEach((want, i) => close(got[i], want, `row ${i}`, 1e-5));
    gradCheck('ICL loss', ([a, b]) => iclRowLosses(a, b, n, 0.5), [{ data: c.flat(), shape: [n * m, u] }, { data: w.flat(), shape: [n * m, u] }]);
    assert.throws(() => iclRowLosses(new Tensor(new Float32Array(6), [3, 2]), new Tensor(new Float32Array(6), [3, 2]), 2, 1), /not 2 rows of the same windows/);
  });
});

describe('ICL detector', () => {
  const data = planted(5);
  const base = { seed: 1, hidden: 16, permutations: 2, batchSize: 64, learningRate: 1e-2 };

  it('the authors\' rules: k from d, the ensemble from n and d, the loss floor from d', () => {
    assert.deepEqual([6, 40, 41, 160, 161, 274].map(iclKernelSize), [2, 2, 10, 10, 11, 124]);
    const thyroid = new IclDetector().planConfig(6, 1839);
    assert.equal(thyroid.permutations, 8, 'floor(100 / (ln 1839 + 6)) + 1');
    assert.equal(thyroid.windows, 5);
    assert.equal(thyroid.stopLoss, 0.001);
    assert.equal(thyroid.context, 'FC(4,200,tanh)-FC(200,400,leaky_relu(0.2))-FC(400,200,leaky_relu(0.2))');
    assert.equal(thyroid.window, 'FC(2,50,leaky_relu(0.2))-FC(50,100,leaky_relu(0.2))-FC(100,200,leaky_relu(0.2))');
    const arrhythmia = new IclDetector().planConfig(274, 226);
    assert.deepEqual([arrhythmia.kernelSize, arrhythmia.windows, arrhythmia.permutations, arrhythmia.stopLoss], [124, 151, 1, 0.01]);
    assert.equal(arrhythmia.epochs, 2000);
    assert.equal(new IclDetector().planConfig(50, 640000).epochs, 2, 'a large training set gets fewer epochs (~20,000 steps)');
  });

  it('stops once every model\'s epoch loss is below stopLoss', () => {
    const det = new IclDetector({ ...base, epochs: 50, stopLoss: 100 }).fit(data.train.slice(0, 200));
    assert.equal(det.history.length, 1);
    assert.ok(det.history[0].terms.model1 !== undefined && det.history[0].terms.model2 !== undefined);
    assert.equal(new IclDetector({ ...base, epochs: 3, stopLoss: 0 }).fit(data.train.slice(0, 200)).history.length, 3);
  });

  it('quality on planted data: rows off the normal rows\' plane rank above them', () => {
    // Normal rows are 2 latent coordinates spread over 8 features, so any window's complement determines the
    // window; anomalies add an offset (25 noise standard deviations) the networks never saw, which breaks that
    // match for some windows.
    const a = auroc(new IclDetector({ ...base, epochs: 5 }).fit(data.train).scoreSamples(data.test), data.labels);
    const untrained = auroc(new IclDetector({ ...base, epochs: 0 }).fit(data.train).scoreSamples(data.test), data.labels);
    assert.ok(a > 0.9, `AUROC ${a}`);
    assert.ok(a > untrained, `AUROC ${a} trained, ${untrained} untrained`);
  });

  it('feature orders: random per model (identity for one model), seeded, saved in the model file', () => {
    const det = new IclDetector({ ...base, permutations: 3, epochs: 1 }).fit(data.train.slice(0, 200));
    const orders = det.featureOrders;
    assert.equal(orders.length, 3);
    for (const o of orders) assert.deepEqual(Array.from(o).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.notDeepEqual(Array.from(orders[0]), Array.from(orders[1]));
    assert.deepEqual(new IclDetector({ ...base, permutations: 3, epochs: 1 }).fit(data.train.slice(0, 200)).featureOrders.map((o) => Array.from(o)), orders.map((o) => Array.from(o)));
    assert.deepEqual(Array.from(new IclDetector({ ...base, permutations: 1, epochs: 0 }).fit(data.train.slice(0, 50)).featureOrders[0]), [0, 1, 2, 3, 4, 5, 6, 7]);
    const s = Array.from(det.scoreSamples(data.test));
    assert.deepEqual(Array.from(loadDetector(det.toBytes(), 'm.abr').scoreSamples(data.test)), s);
    const j = det.toJSON();
    const forged = (f: (st: { featureOrders: unknown[][] }) => void) => {
      const c = JSON.parse(JSON.stringify(j)) as typeof j;
      f(c.manifest.state as { featureOrders: unknown[][] });
      return () => loadDetector(c, 'm.json');
    };
    assert.throws(forged((st) => { st.featureOrders.pop(); }), /state\.featureOrders has 2 orders; the ensemble has 3 models/);
    assert.throws(forged((st) => { st.featureOrders[1][0] = st.featureOrders[1][1]; }), /featureOrders\[1\] is not a permutation of 0\.\.7/);
    assert.throws(forged((st) => { st.featureOrders[2].pop(); }), /featureOrders\[2\] is not an order of 8 features/);
  });

  it('rejects bad parameters and data by name', () => {
    assert.throws(() => new IclDetector({ hidden: 2 }), /hidden/);
    assert.throws(() => new IclDetector({ temperature: -1 }), /temperature/);
    assert.throws(() => new IclDetector({ permutations: 0 }), /permutations/);
    assert.throws(() => new IclDetector().planConfig(2, 100), /needs at least 3 features/);
    assert.throws(() => new IclDetector({ kernelSize: 8 }).planConfig(8, 100), /kernelSize 8 leaves fewer than 2 windows of 8 features \(at most 7\)/);
  });

  it('paper configurations: the authors\' rules; no published number recorded', () => {
    const e = detectorEntry('icl');
    for (const pc of Object.values(e.paperConfigs)) {
      assert.equal(pc.results, undefined);
      assert.deepEqual(pc.params, { hidden: 200, temperature: 0.01, learningRate: 1e-3, epochs: 2000, batchSize: 64 });
      assert.doesNotThrow(() => createDetector('icl', pc.params));
    }
  });
});
