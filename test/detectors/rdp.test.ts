/**
 * RDP (src/detectors/rdp): the loss terms and the score on tiny cases by hand, the fixed random target network
 * (seeded Kaiming-normal draws, never trained), the optional reconstruction term, a seeded quality floor on
 * planted data, the model file's reference features, and parameter errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { add } from '../../src/engine/ops/index.js';
import { Rng } from '../../src/engine/rng.js';
import { Tensor } from '../../src/engine/tensor.js';
import { l1Normalize, RdpDetector, rdpLossTerms, rdpScores } from '../../src/detectors/rdp/detector.js';
import { detectorEntry, loadDetector } from '../../src/detectors/registry.js';
import { auroc } from '../../src/metrics/ranking.js';
import { gradCheck } from '../support/gradcheck.js';
import { planted } from '../support/planted.js';

const close = (a: number, b: number, what: string, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
const t = (rows: number[][]) => new Tensor(Float32Array.from(rows.flat()), [rows.length, rows[0].length]);

describe('RDP: loss and score', () => {
  it('loss terms: prediction error and the error of the predicted (L1-normalised) inner products', () => {
    // phi rows [1, 0], [1, 1]; eta rows [2, 0], [0, 1]; each row's partner is the other row.
    // prediction = mean of (1-2)^2, 0, 1^2, 0 = 0.5. Normalised: phi [1, 0], [0.5, 0.5]; eta [1, 0], [0, 1]:
    // inner products phi 0.5, eta 0 for both rows, so distance = (0 - 0.5)^2 = 0.25.
    const pred = t([[1, 0], [1, 1]]), target = t([[2, 0], [0, 1]]);
    const r = rdpLossTerms(pred, target, t([[1, 1], [1, 0]]), t([[0, 1], [2, 0]]));
    close(r.prediction.item(), 0.5, 'prediction');
    close(r.distance.item(), 0.25, 'distance');
    // Gradients through both rows and their partners (finite differences; values away from |v| = 0).
    gradCheck('rdp loss', ([p, q]) => { const l = rdpLossTerms(p, target, q, t([[0, 1], [2, 0]])); return add(l.prediction, l.distance); },
      [{ data: [1, 0.3, 1, 1.5], shape: [2, 2] }, { data: [0.7, 1, 1.2, -0.4], shape: [2, 2] }]);
    // A zero row normalises to zeros (the norm is floored at 1e-12), not NaN.
    assert.deepEqual(Array.from(l1Normalize(t([[0, 0], [3, -1]])).data), [0, 0, 0.75, -0.25]);
  });

  it('score: prediction error plus the distance error against each reference, averaged', () => {
    // phi [1, 0], eta [2, 0]: prediction error (1 + 0) / 2 = 0.5. One reference with normalised phi [0.5, 0.5]
    // and eta [0, 1]: inner products 0.5 (phi) and 0 (eta): distance error 0.25.
    const out = new Float64Array(1), pred = Float32Array.from([1, 0]), target = Float32Array.from([2, 0]);
    rdpScores(pred, target, 1, 2, null, out);
    close(out[0], 0.5, 'prediction only');
    rdpScores(pred, target, 1, 2, { pred: Float64Array.from([0.5, 0.5]), target: Float64Array.from([0, 1]) }, out);
    close(out[0], 0.75, 'with one reference');
    // Two references, the second agreeing exactly (phi and eta inner products 1 and 1): (0.25 + 0) / 2.
    rdpScores(pred, target, 1, 2, { pred: Float64Array.from([0.5, 0.5, 1, 0]), target: Float64Array.from([0, 1, 1, 0]) }, out);
    close(out[0], 0.5 + 0.125, 'two references');
  });
});

describe('RDP detector', () => {
  const data = planted(5);
  const base = { seed: 1, learningRate: 1e-2 };

  it('defaults: K = clamp(2d, 8, 50), the authors\' networks, batch 192, ~2,000 steps', () => {
    const c = new RdpDetector().planConfig(8, 1000);
    assert.equal(c.representationSize, 16);
    assert.equal(c.network, 'FC(8,16,leaky_relu(0.2))-Drop(0.9)');
    assert.equal(c.target, 'FC(8,16,leaky_relu(0.25))');
    assert.equal(c.decoder, null);
    assert.equal(c.batchSize, 192);
    assert.equal(c.epochs, 200);
    assert.equal(new RdpDetector().planConfig(274, 100).representationSize, 50);
    assert.equal(new RdpDetector().planConfig(2, 100).representationSize, 8);
    assert.equal(new RdpDetector({ network: 'FC(8,5,tanh)' }).planConfig(8, 100).representationSize, 5);
  });

  it('the target network is drawn N(0, 2 / fan-in) from the seed\'s target stream and never trained', () => {
    const det = new RdpDetector({ ...base, epochs: 3 }).fit(data.train);
    const w = det.toJSON().tensors, target = w.find((e) => e.name === 'target.0')!.data;
    const r = new Rng(1).fork('target'), sd = Math.sqrt(2 / 8);
    assert.deepEqual(target, Array.from(Float32Array.from(target, () => r.normal() * sd)));
    assert.ok(w.find((e) => e.name === 'target.1')!.data.every((v) => v === 0));
    const untrained = new RdpDetector({ ...base, epochs: 0 }).fit(data.train).toJSON().tensors;
    assert.notDeepEqual(w.find((e) => e.name === 'predictor.0')!.data, untrained.find((e) => e.name === 'predictor.0')!.data);
    assert.deepEqual(Object.keys(det.history[0].terms).sort(), ['distance', 'prediction']);
  });

  it('quality on planted data: rows off the normal rows\' plane rank above them', () => {
    // phi's first layer is linear in x: its gradients lie in the span of the training rows (the plane, up to
    // noise of 0.02), so off the plane phi keeps its random initial difference from eta. Anomalies sit 0.5
    // off the plane (25 noise standard deviations) and inherit that difference while normal rows are fitted:
    // nearly all rank above every normal row (0.9 leaves room for 20 epochs).
    const trained = auroc(new RdpDetector({ ...base, epochs: 20 }).fit(data.train).scoreSamples(data.test), data.labels);
    const untrained = auroc(new RdpDetector({ ...base, epochs: 0 }).fit(data.train).scoreSamples(data.test), data.labels);
    assert.ok(trained > 0.9, `AUROC ${trained}`);
    assert.ok(trained > untrained, `AUROC ${trained} trained, ${untrained} untrained`);
  });

  it('score prediction is the mean squared difference of phi and eta; rdp adds the reference term', () => {
    const p = new RdpDetector({ ...base, epochs: 2, score: 'prediction' }).fit(data.train);
    const x = p.transform(data.test.slice(0, 4)).x, f = p.represent(new Tensor(x, [4, 8]));
    const s = p.scoreSamples(data.test.slice(0, 4));
    for (let i = 0; i < 4; i++) {
      let e = 0;
      for (let a = 0; a < 16; a++) e += (f.pred.data[i * 16 + a] - f.target.data[i * 16 + a]) ** 2;
      close(s[i], e / 16, `row ${i}`, 1e-5);
    }
    const full = new RdpDetector({ ...base, epochs: 2 }).fit(data.train).scoreSamples(data.test.slice(0, 4));
    full.forEach((v, i) => assert.ok(v >= s[i], 'the distance term is non-negative (same seed, same networks)'));
  });

  it('reconstructionWeight adds a decoder from phi(x) and its reconstruction term', () => {
    const det = new RdpDetector({ ...base, epochs: 2, reconstructionWeight: 0.5 }).fit(data.train);
    assert.equal(det.planConfig(8, 1000).decoder, 'FC(16,8,none)');
    assert.ok(det.toJSON().tensors.some((e) => e.name === 'decoder.0'));
    assert.deepEqual(Object.keys(det.history[0].terms).sort(), ['distance', 'prediction', 'reconstruction']);
    assert.throws(() => new RdpDetector({ reconstructionWeight: 1, decoder: 'FC(16,7,none)' }).planConfig(8, 100), /decoder "FC\(16,7,none\)" maps 16 inputs to 7 outputs; it must map 16 to 8/);
  });

  it('model file: same scores after loading; bad reference state is a clear error', () => {
    const det = new RdpDetector({ ...base, epochs: 2, references: 5 }).fit(data.train);
    const s = Array.from(det.scoreSamples(data.test));
    assert.deepEqual(Array.from(loadDetector(det.toBytes(), 'm.abr').scoreSamples(data.test)), s);
    const j = det.toJSON();
    const forged = (f: (st: Record<string, unknown[]>) => void) => {
      const c = JSON.parse(JSON.stringify(j)) as typeof j;
      f(c.manifest.state as Record<string, unknown[]>);
      return () => loadDetector(c, 'm.json');
    };
    assert.equal((j.manifest.state as Record<string, unknown[]>).referencePredicted.length, 80);
    assert.throws(forged((st) => { st.referenceTarget.pop(); }), /state\.referenceTarget has 79 values; it needs 80/);
    assert.throws(forged((st) => { st.referencePredicted.pop(); }), /state\.referencePredicted has 79 values; it needs a positive multiple of the representation size 16/);
    assert.throws(forged((st) => { st.referenceTarget[2] = 'x'; }), /state\.referenceTarget\[2\] = x is not a finite number/);
    assert.throws(forged((st) => { delete st.referencePredicted; }), /state\.referencePredicted is missing/);
  });

  it('rejects bad parameters by name', () => {
    assert.throws(() => new RdpDetector({ predictionWeight: -1 }), /predictionWeight/);
    assert.throws(() => new RdpDetector({ score: 'lesinn' as 'rdp' }), /score/);
    assert.throws(() => new RdpDetector({ network: 'FC(8,16,tanh)', target: 'FC(8,12,none)' }).planConfig(8, 100), /target "FC\(8,12,none\)" maps 8 inputs to 12 outputs; it must map 8 to 16/);
    assert.throws(() => new RdpDetector({ network: 'FC(6,16,tanh)' }).planConfig(8, 100), /network .* must map 8 to 16/);
    assert.throws(() => new RdpDetector({ target: 'FC(8,16,none)-Drop(0.5)' }).planConfig(8, 100), /target .* has a Drop layer/);
    assert.equal(detectorEntry('rdp').untrainedControl!.params.epochs, 0);
  });
});
