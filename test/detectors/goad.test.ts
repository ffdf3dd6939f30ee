/**
 * GOAD (src/detectors/goad): the triplet centre loss, the cross-entropy and the score on tiny cases by hand,
 * the transformations (seeded N(0, 1), standardisation folded in), a seeded quality floor on planted data,
 * the model file's centres, parameter errors and the paper configurations.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { Tape, Tensor } from '../../src/engine/tensor.js';
import { add, logSoftmax, matmul, mean, mul, relu, reshape, scale, square, sub, sum } from '../../src/engine/ops/index.js';
import { Mlp } from '../../src/nn/mlp.js';
import { drawTransformations, GoadDetector, goadScores, transformationCrossEntropy, tripletCentreLoss } from '../../src/detectors/goad/detector.js';
import { createDetector, detectorEntry, loadDetector } from '../../src/detectors/registry.js';
import { auroc } from '../../src/metrics/ranking.js';
import { gradCheck } from '../support/gradcheck.js';
import { planted } from '../support/planted.js';

const close = (a: number, b: number, what: string, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

describe('GOAD: losses and score', () => {
  it('triplet centre loss: batch centres, own-centre distance, nearest other centre, margin', () => {
    // 2 rows x 3 transformations, 1 feature: row 0 gives [0, 10, 4], row 1 [2, 12, 8]; centres [1, 11, 6].
    // Per (row, m): pos = (z - c_m)^2, neg = nearest other centre, hinge max(0, pos + 30 - neg):
    // (0,0) 1 + 30 - 36 -> 0; (0,1) 1 + 30 - 16 = 15; (0,2) 4 + 30 - 9 = 25;
    // (1,0) 1 + 30 - 16 = 15; (1,1) 1 + 30 - 36 -> 0; (1,2) 4 + 30 - 9 = 25; mean 80 / 6.
    const z = new Tensor(Float32Array.from([0, 10, 4, 2, 12, 8]), [6, 1]);
    close(tripletCentreLoss(z, 2, 3, 30).item(), 80 / 6, 'loss');
    close(tripletCentreLoss(z, 2, 3, 0).item(), 0, 'no margin: every row is nearest its own centre');
    // The gradient flows through the features and the batch centres (values kept away from the kinks).
    gradCheck('triplet centre loss', ([t]) => tripletCentreLoss(t, 2, 3, 30), [{ data: [0, 10, 4, 2, 12, 8], shape: [6, 1] }]);
    gradCheck('triplet centre loss, 2 features', ([t]) => tripletCentreLoss(t, 2, 2, 5), [{ data: [0, 0, 3, 1, 1, 0.5, 2, 2], shape: [4, 2] }]);
    assert.throws(() => tripletCentreLoss(z, 2, 2, 1), /6 feature rows are not 2 rows x 2 transformations/);
  });

  it('cross-entropy of the transformation labels: row i*M + m has class m', () => {
    // Row 0 (class 0): logits [0, ln 3] -> P = 1/4; row 1 (class 1): [0, 0] -> P = 1/2; mean -log P = 1.5 ln 2.
    const logits = new Tensor(Float32Array.from([0, Math.log(3), 0, 0]), [2, 2]);
    close(transformationCrossEntropy(logits, 1, 2).item(), 1.5 * Math.LN2, 'cross-entropy');
    const tape = new Tape();
    const l = new Tensor(Float32Array.from([0, Math.log(3), 0, 0]), [2, 2], true);
    tape.backward(tape.record(() => transformationCrossEntropy(l, 1, 2)));
    // d/dlogits = (softmax - onehot) / rows: row 0 [0.25 - 1, 0.75] / 2, row 1 [0.5, 0.5 - 1] / 2.
    [-0.375, 0.375, 0.25, -0.25].forEach((g, i) => close(l.grad![i], g, `gradient ${i}`));
    tape.release();
    assert.throws(() => transformationCrossEntropy(logits, 2, 2), /\[4, 2\]/);
  });

  it('the fused losses equal the chains of tensor ops they replace, values and gradients', () => {
    // The reference: GOAD's losses written with the engine's ops (the implementation before the fused ops).
    const ownMask = (n: number, m: number) => {
      const o = new Float32Array(n * m * m);
      for (let r = 0; r < n * m; r++) o[r * m + (r % m)] = 1;
      return new Tensor(o, [n * m, m]);
    };
    const tripletRef = (zt: Tensor, n: number, m: number, margin: number) => {
      const f = zt.cols, c = reshape(mean(reshape(zt, [n, m * f]), 0), [m, f]);
      const dist = add(sub(sum(square(zt), 1, true), scale(matmul(zt, c, false, true), 2)), reshape(sum(square(c), 1), [1, m]));
      const other = new Float32Array(n * m * m), dv = dist.data;
      for (let r = 0; r < n * m; r++) {
        let best = -1, bv = Infinity;
        for (let j = 0; j < m; j++) if (j !== r % m && dv[r * m + j] < bv) { bv = dv[r * m + j]; best = j; }
        other[r * m + best] = 1;
      }
      const pos = sum(mul(dist, ownMask(n, m)), 1), neg = sum(mul(dist, new Tensor(other, [n * m, m])), 1);
      return mean(relu(add(sub(pos, neg), margin)));
    };
    const crossRef = (l: Tensor, n: number, m: number) => scale(sum(mul(logSoftmax(l), ownMask(n, m))), -1 / (n * m));
    const rng = new Rng(3);
    const [n, m, f] = [7, 5, 4];
    const zData = Float32Array.from({ length: n * m * f }, () => rng.normal());
    const lData = Float32Array.from({ length: n * m * m }, () => 3 * rng.normal());
    const run = (loss: (t: Tensor) => Tensor, data: Float32Array, shape: number[]) => {
      const t = new Tensor(data.slice(), shape, true), tape = new Tape();
      const v = tape.record(() => loss(t));
      tape.backward(v);
      const out = { value: v.item(), grad: Float32Array.from(t.grad!) };
      tape.release();
      return out;
    };
    const cases: [string, (t: Tensor) => Tensor, (t: Tensor) => Tensor, Float32Array, number[]][] = [
      ['triplet, margin 1', (t) => tripletCentreLoss(t, n, m, 1), (t) => tripletRef(t, n, m, 1), zData, [n * m, f]],
      ['triplet, margin 4', (t) => tripletCentreLoss(t, n, m, 4), (t) => tripletRef(t, n, m, 4), zData, [n * m, f]],
      ['cross-entropy', (t) => transformationCrossEntropy(t, n, m), (t) => crossRef(t, n, m), lData, [n * m, m]],
    ];
    for (const [what, fused, ref, data, shape] of cases) {
      const a = run(fused, data, shape), b = run(ref, data, shape);
      assert.ok(b.value > 0.1, `${what}: the case exercises the loss (${b.value})`);
      close(a.value, b.value, `${what}: value`, 1e-5);
      const scaleG = Math.max(...Array.from(b.grad, Math.abs));
      assert.ok(scaleG > 1e-3, `${what}: gradients are not all zero`);
      b.grad.forEach((g, i) => assert.ok(Math.abs(a.grad[i] - g) <= 1e-5 * scaleG, `${what}: gradient ${i}: ${a.grad[i]} vs ${g}`));
    }
    // Outside a recording tape the ops still give the value (scoring code and tests call them that way).
    close(tripletCentreLoss(new Tensor(zData, [n * m, f]), n, m, 1).item(), run((t) => tripletRef(t, n, m, 1), zData, [n * m, f]).value, 'no tape', 1e-5);
  });

  it('score = -sum_m log softmax(-max(d, eps))[m] over the centres', () => {
    // Centres 0 and 2 (F = 1); features 0.5 (m = 0) and 1.5 (m = 1): squared distances [0.25, 2.25] and
    // [2.25, 0.25], so each term is log(1 + e^-2); with eps = 1: [1, 2.25] -> log(1 + e^-1.25).
    const out = new Float64Array(1), centres = Float64Array.from([0, 2]), z = Float32Array.from([0.5, 1.5]);
    goadScores(z, 1, 2, 1, centres, 0, out);
    close(out[0], 2 * Math.log(1 + Math.exp(-2)), 'score');
    goadScores(z, 1, 2, 1, centres, 1, out);
    close(out[0], 2 * Math.log(1 + Math.exp(-1.25)), 'score with eps 1');
    // Features at the wrong centres: each term is 4 + log(1 + e^-4) (P(m) = 1 / (1 + e^4)).
    goadScores(Float32Array.from([2, 0]), 1, 2, 1, centres, 0, out);
    close(out[0], 2 * (4 + Math.log(1 + Math.exp(-4))), 'swapped features');
  });

  it('transformations: N(0, 1) weights from the stream; standardisation folds into weight and bias', () => {
    // 3 features, 2 transformations of 2 values: T(x) = W s(x) + b with s(x) = (x - mean) / sd.
    const x = Float32Array.from([0, 1, 5, 2, 1, 7, 4, 1, 3]), rows = 3;
    const raw = new Mlp('FC(3,4,none)', 'glorot-uniform', new Rng(1)), std = new Mlp('FC(3,4,none)', 'glorot-uniform', new Rng(1));
    drawTransformations(raw, { affineBias: true, standardize: false }, new Rng(9), x, rows);
    drawTransformations(std, { affineBias: true, standardize: true }, new Rng(9), x, rows);
    const ref = new Rng(9), w = Array.from({ length: 12 }, () => ref.normal()), b = Array.from({ length: 4 }, () => ref.normal());
    assert.deepEqual(Array.from(raw.weights[0].data), Array.from(Float32Array.from(w)));
    assert.deepEqual(Array.from(raw.biases[0].data), Array.from(Float32Array.from(b)));
    // Column means [2, 1, 5], sds [sqrt(8/3), 1 (constant column), sqrt(8/3)].
    const mean = [2, 1, 5], sd = [Math.sqrt(8 / 3), 1, Math.sqrt(8 / 3)];
    const probe = [3, 1, 4];
    const out = std.forward(new Tensor(Float32Array.from(probe), [1, 3])).data;
    for (let c = 0; c < 4; c++) {
      const want = b[c] + probe.reduce((s, v, j) => s + ((v - mean[j]) / sd[j]) * w[j * 4 + c], 0);
      close(out[c], want, `T(x)[${c}]`, 1e-5);
    }
    const zeroBias = new Mlp('FC(3,4,none)', 'glorot-uniform', new Rng(1));
    drawTransformations(zeroBias, { affineBias: false, standardize: false }, new Rng(9), x, rows);
    assert.ok(zeroBias.biases[0].data.every((v) => v === 0));
  });
});

describe('GOAD detector', () => {
  const data = planted(5);
  const base = { seed: 1, transformations: 16, batchSize: 64, learningRate: 1e-2 };

  it('defaults scale with the input width; the transformations stay fixed while training', () => {
    const c = new GoadDetector().planConfig(8, 1000);
    assert.equal(c.transformations, 64);
    assert.equal(c.transformDim, 16);
    assert.equal(c.featureSize, 8);
    assert.equal(c.network, 'FC(16,8,leaky_relu(0.2))-FC(8,8,none)');
    assert.equal(c.epochs, 25);
    const wide = new GoadDetector().planConfig(200, 100000);
    assert.equal(wide.transformDim, 64);
    assert.equal(wide.featureSize, 32);
    assert.equal(wide.epochs, 1, 'a large training set gets fewer epochs (~2,000 steps)');
    const untrained = new GoadDetector({ ...base, epochs: 0 }).fit(data.train).toJSON();
    const trained = new GoadDetector({ ...base, epochs: 1 }).fit(data.train).toJSON();
    const t = (j: typeof trained, name: string) => j.tensors.find((e) => e.name === name)!.data;
    assert.deepEqual(t(trained, 'transforms.0'), t(untrained, 'transforms.0'));
    assert.deepEqual(t(trained, 'transforms.1'), t(untrained, 'transforms.1'));
    assert.notDeepEqual(t(trained, 'features.0'), t(untrained, 'features.0'));
  });

  it('quality on planted data: rows off the normal rows\' plane rank above them', () => {
    // Anomalies sit 0.5 off the plane, 25 noise standard deviations: under every transformation their
    // features move along directions no training row varied in, away from the centres the features of normal
    // rows were trained to stay near, so nearly all rank above the normal rows (0.9 leaves room for 5 epochs).
    const trained = auroc(new GoadDetector({ ...base, epochs: 5 }).fit(data.train).scoreSamples(data.test), data.labels);
    const untrained = auroc(new GoadDetector({ ...base, epochs: 0 }).fit(data.train).scoreSamples(data.test), data.labels);
    assert.ok(trained > 0.9, `AUROC ${trained}`);
    assert.ok(trained > untrained, `AUROC ${trained} trained, ${untrained} untrained`);
  });

  it('centres are the mean features of the training rows; scores follow from them', () => {
    const det = new GoadDetector({ ...base, transformations: 4, epochs: 2 }).fit(data.train);
    // The networks see preprocessed (min-max scaled) rows.
    const x = det.transform(data.train).x, n = data.train.length, c = det.transformationCentres;
    const f = det.features(new Tensor(x, [n, 8])).data, fs = 8;
    for (const k of [0, 3]) {
      let s = 0;
      for (let i = 0; i < n; i++) s += f[(i * 4 + k) * fs + 5];
      close(c[k * fs + 5], s / n, `centre ${k}, feature 5`, 1e-4);
    }
    const scores = det.scoreSamples(data.test.slice(0, 3)), want = new Float64Array(3);
    goadScores(det.features(new Tensor(det.transform(data.test.slice(0, 3)).x, [3, 8])).data, 3, 4, fs, c, 0, want);
    Array.from(scores).forEach((s, i) => close(s, want[i], `score ${i}`, 1e-9));
  });

  it('model file: same scores after loading; bad centres or inputs are clear errors', () => {
    const det = new GoadDetector({ ...base, epochs: 1 }).fit(data.train);
    const s = Array.from(det.scoreSamples(data.test));
    assert.deepEqual(Array.from((loadDetector(det.toBytes(), 'm.abr')).scoreSamples(data.test)), s);
    const j = det.toJSON();
    const forged = (f: (st: { centres: unknown[] }, resolved: Record<string, unknown>) => void) => {
      const c = JSON.parse(JSON.stringify(j)) as typeof j;
      f(c.manifest.state as { centres: unknown[] }, (c.manifest.config as { resolved: Record<string, unknown> }).resolved);
      return () => loadDetector(c, 'm.json');
    };
    assert.throws(forged((st) => { st.centres.pop(); }), /state\.centres has 127 values; 16 transformations of 8 features need 128/);
    assert.throws(forged((st) => { st.centres[3] = null; }), /state\.centres\[3\] = null is not a finite number/);
    assert.throws(forged((st) => { delete (st as Partial<typeof st>).centres; }), /state\.centres is missing/);
    assert.throws(forged((_st, r) => { delete r.inputs; }), /config\.resolved\.inputs must be a positive integer/);
  });

  it('rejects bad parameters by name', () => {
    assert.throws(() => new GoadDetector({ transformations: 1 }), /transformations/);
    assert.throws(() => new GoadDetector({ margin: -1 }), /margin/);
    assert.throws(() => new GoadDetector({ lambda: Infinity }), /lambda/);
    assert.throws(() => new GoadDetector({ network: 'FC(16,8,tanh)', transformDim: 12 }).planConfig(8, 100), /network takes 16 inputs, but transformDim is 12/);
    assert.throws(() => new GoadDetector({ network: 'FC(16,8,tanh)', featureSize: 4 }).planConfig(8, 100), /network outputs 8 features, but featureSize is 4/);
    // A linear network on standardised columns: every centre is f(0).
    assert.throws(() => new GoadDetector({ network: 'FC(16,8,none)' }).planConfig(8, 100), /network "FC\(16,8,none\)" is linear/);
    assert.doesNotThrow(() => new GoadDetector({ network: 'FC(16,8,none)', affineBias: true }).planConfig(8, 100));
  });

  it('paper configurations: GOAD\'s tabular settings; its F1 only in the source text', () => {
    const e = detectorEntry('goad');
    const t = e.paperConfigs.thyroid!;
    assert.equal(t.results, undefined);
    assert.deepEqual(t.params, { transformations: 256, network: 'FC(32,8,leaky_relu(0.2))-FC(8,8,none)', epochs: 1, batchSize: 64, learningRate: 1e-3, margin: 1, lambda: 0.1, eps: 0 });
    assert.match(t.source, /74\.5.*half-normal/);
    const k = e.paperConfigs.kddcup!;
    assert.equal(k.params.network, 'FC(64,32,leaky_relu(0.2))-FC(32,32,leaky_relu(0.2))-FC(32,32,leaky_relu(0.2))-FC(32,32,leaky_relu(0.2))-FC(32,32,none)');
    assert.match(k.source, /98\.4/);
    assert.match(e.paperConfigs['kddcup-rev']!.source, /98\.9/);
    assert.match(e.paperConfigs.arrhythmia!.source, /52\.0/);
    // The configurations are valid parameters for the detector.
    for (const pc of Object.values(e.paperConfigs)) assert.doesNotThrow(() => createDetector('goad', pc.params));
  });
});
