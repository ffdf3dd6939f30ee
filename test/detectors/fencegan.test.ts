/** Fence GAN: both players' losses by hand, the boxed score, the model file's state, a quality floor on planted anomalies. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tensor } from '../../src/engine/tensor.js';
import { dispersionLoss, FenceganDetector } from '../../src/detectors/fencegan/detector.js';
import { boxDistance, spanOf } from '../../src/detectors/gan/common.js';
import { loadDetector } from '../../src/detectors/registry.js';
import { auroc } from '../../src/metrics/ranking.js';
import { planted } from '../support/planted.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b} by hand`);
const sp = (v: number) => Math.log1p(Math.exp(v));   // softplus: BCE(logit, t) = sp(logit) - t * logit

/** A fence GAN on 2 features with linear networks set by hand: D(x) = sigmoid(x . w + b), G(z) = z u + c. */
function handSet(o: Record<string, unknown> = {}): FenceganDetector {
  const j = new FenceganDetector({ seed: 1, epochs: 0, generator: 'FC(1,2,none)', discriminator: 'FC(2,1,none)', alpha: 0.3, beta: 2, gamma: 0.25, ...o })
    .fit([[0, 0], [1, 1], [0.5, 0.2]]).toJSON();
  const set: Record<string, number[]> = { 'discriminator.0': [1.5, -2], 'discriminator.1': [0.25], 'generator.0': [1, -0.5], 'generator.1': [0.1, 0.2] };
  for (const t of j.tensors) t.data = set[t.name];
  j.manifest.state = { boxLow: [-1, -1], boxHigh: [2, 2] };
  return loadDetector(j, 'm.json') as FenceganDetector;
}

describe('Fence GAN', () => {
  const logit = (a: number, b: number) => 1.5 * a - 2 * b + 0.25;
  const G = (zz: number) => [zz + 0.1, -0.5 * zz + 0.2];

  it('the discriminator\'s weighted cross-entropy and the generator\'s encirclement and dispersion match a hand computation', () => {
    const det = handSet();
    const x = [[1, 2], [0.5, -1]], zs = [0.3, -1.2, 2];
    const xt = new Tensor(new Float32Array(x.flat()), [2, 2]), zt = new Tensor(new Float32Array(zs), [3, 1]);
    const g = zs.map(G), fake = g.map(([a, b]) => logit(a, b));
    const real = x.map(([a, b]) => logit(a, b));
    const hReal = (sp(-real[0]) + sp(-real[1])) / 2, hFake = fake.reduce((s, l) => s + sp(l), 0) / 3;
    const d = det.discriminatorLoss(xt, zt);
    close(d.terms!.real.item(), hReal, 'real cross-entropy');
    close(d.terms!.generated.item(), hFake, 'generated cross-entropy');
    close(d.loss.item(), hReal + 0.25 * hFake, 'L_D = real + gamma * generated');

    const enc = fake.reduce((s, l) => s + sp(l) - 0.3 * l, 0) / 3;   // BCE(D(G(z)), alpha)
    const mu = [0, 1].map((k) => g.reduce((s, r) => s + r[k], 0) / 3);
    const disp = 1 / (g.reduce((s, r) => s + Math.hypot(r[0] - mu[0], r[1] - mu[1]), 0) / 3);
    const l = det.generatorLoss(zt);
    close(l.terms!.encirclement.item(), enc, 'encirclement');
    close(l.terms!.dispersion.item(), disp, 'dispersion');
    close(l.loss.item(), enc + 2 * disp, 'L_G = encirclement + beta * dispersion');
    // The encirclement term is smallest where D(G(z)) = alpha: its derivative in the logit is sigmoid(l) - alpha.
    const at = Math.log(0.3 / 0.7), bce = (v: number) => sp(v) - 0.3 * v;
    assert.ok(bce(at) < bce(at + 0.1) && bce(at) < bce(at - 0.1));
  });

  it('dispersion is 1 / the mean distance to the centre; it grows as rows bunch up', () => {
    const spread = new Tensor(new Float32Array([0, 0, 2, 0, 0, 2, 2, 2]), [4, 2]);   // square of side 2: each corner sqrt(2) from the centre
    close(dispersionLoss(spread).item(), 1 / Math.SQRT2, 'square');
    const tight = new Tensor(new Float32Array([0, 0, 0.2, 0, 0, 0.2, 0.2, 0.2]), [4, 2]);
    close(dispersionLoss(tight).item(), 10 / Math.SQRT2, 'ten times tighter');
  });

  it('scores 1 - D(x) inside the box of the training rows and the fence, plus the distance to the box outside it', () => {
    const det = handSet();
    const rows = [[0.5, 0.5], [1, -0.5], [5, 0.5], [-2, 6]];
    const s = det.scoreTransformed(new Float32Array(rows.flat()), rows.length);
    const inside = (a: number, b: number) => 1 / (1 + Math.exp(logit(a, b)));
    close(s[0], inside(0.5, 0.5), 'inside');
    close(s[1], inside(1, -0.5), 'inside, on the fence side');
    close(s[2], inside(5, 0.5) + 3, '3 beyond boxHigh in one feature');
    close(s[3], inside(-2, 6) + Math.hypot(1, 4), 'outside in both features');
    const box = spanOf(2, Float32Array.of(0, 1, 1, 0), Float32Array.of(0.5, 0.5));
    assert.deepEqual([Array.from(box.lo), Array.from(box.hi)], [[0, 0], [1, 1]]);
    assert.equal(boxDistance(Float32Array.of(9, 1, 1), 1, box), 0, 'on the corner (the row starts at index 1)');
    close(boxDistance(Float32Array.of(-3, 5), 0, box), 5, 'outside');
  });

  it('the box is saved in the model file; a malformed one is refused', () => {
    const j = handSet().toJSON();
    assert.deepEqual(j.manifest.state, { boxLow: [-1, -1], boxHigh: [2, 2] });
    j.manifest.state = { boxLow: [0], boxHigh: [1, 1] };
    assert.throws(() => loadDetector(j, 'bad.json'), /fencegan model: state.boxLow and state.boxHigh must be 2 finite numbers each/);
  });

  it('default networks scale with the input width; a network of the wrong shape is refused by name', () => {
    const c = new FenceganDetector().planConfig(8, 1000);
    assert.deepEqual([c.generator, c.discriminator, c.latent], ['FC(2,4,relu)-FC(4,8,none)', 'FC(8,16,lrelu)-FC(16,16,lrelu)-FC(16,1,none)', 2]);
    assert.equal(new FenceganDetector().planConfig(120, 1000).discriminator, 'FC(120,240,lrelu)-FC(240,240,lrelu)-FC(240,1,none)');
    assert.throws(() => new FenceganDetector({ discriminator: 'FC(8,4,lrelu)-FC(4,2,none)' }).planConfig(8, 100), /fencegan: the discriminator network maps 8 to 2 values; it needs 8 to 1/);
    assert.throws(() => new FenceganDetector({ generator: 'FC(3,5,none)' }).planConfig(8, 100), /the generator network maps 3 to 5 values; it needs 3 to 8/);
    assert.throws(() => new FenceganDetector({ alpha: 1 }), /alpha/);
  });

  const { train, test, labels } = planted(7);
  const det = new FenceganDetector({ seed: 1, epochs: 50, batchSize: 64, learningRate: 2e-3 }).fit(train);

  it('trains without NaN and the fence separates planted anomalies', () => {
    for (const h of det.history) assert.ok(Number.isFinite(h.loss) && Object.values(h.terms).every(Number.isFinite), `epoch ${h.epoch}: ${JSON.stringify(h)}`);
    // Construction: normal rows lie within ~0.05 of a 2-d plane, anomalies 0.5 off it. A discriminator whose
    // boundary (the fence) encloses the plane's rows closer than 0.5 ranks every anomaly above them: AUROC
    // near 1; 0.9 leaves room for a fence that is loose in a few directions (GAN training varies by seed).
    const s = det.scoreSamples(test);
    assert.ok(s.every(Number.isFinite));
    assert.ok(auroc(s, labels) > 0.9, `AUROC ${auroc(s, labels)}`);
  });

  it('scores are a function of the model and the row; a model file restores them', () => {
    const rows = test.slice(440, 470);
    const s = Array.from(det.scoreSamples(rows));
    assert.deepEqual(Array.from(det.scoreSamples([...rows].reverse())).reverse(), s);
    assert.deepEqual(Array.from(loadDetector(det.toBytes(), 'm.abr').scoreSamples(rows)), s);
    assert.notDeepEqual(Array.from(new FenceganDetector({ seed: 2, epochs: 2 }).fit(train.slice(0, 200)).scoreSamples(rows)), s);
  });
});
