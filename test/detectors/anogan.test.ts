/** AnoGAN: both players' losses and the search loss by hand, the latent search, batch independence, the model file, a quality floor. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tensor } from '../../src/engine/tensor.js';
import { AnoganDetector } from '../../src/detectors/anogan/detector.js';
import { loadDetector } from '../../src/detectors/registry.js';
import { auroc } from '../../src/metrics/ranking.js';
import { planted } from '../support/planted.js';

const close = (a: number, b: number, what: string, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b} by hand`);
const sp = (v: number) => Math.log1p(Math.exp(v));   // softplus: BCE(logit, t) = sp(logit) - t * logit

/**
 * AnoGAN on 2 features with linear networks set by hand: f(x) = (x1 + x2, x1 - 2 x2 + 0.5), logit = f . (1, -1) + 0.2,
 * G(z) = z (1, -0.5) + (0.1, 0.2); the search starts at z0 = 0.3.
 */
function handSet(o: Record<string, unknown> = {}): AnoganDetector {
  const j = new AnoganDetector({ seed: 1, epochs: 0, generator: 'FC(1,2,none)', discriminatorFeatures: 'FC(2,2,none)', discriminatorHead: 'FC(2,1,none)', ...o })
    .fit([[0, 0], [1, 1], [0.5, 0.2]]).toJSON();
  const set: Record<string, number[]> = {
    'discriminatorFeatures.0': [1, 1, 1, -2], 'discriminatorFeatures.1': [0, 0.5],
    'discriminatorHead.0': [1, -1], 'discriminatorHead.1': [0.2],
    'generator.0': [1, -0.5], 'generator.1': [0.1, 0.2],
  };
  for (const t of j.tensors) t.data = set[t.name];
  j.manifest.state = { searchStart: [0.3] };
  return loadDetector(j, 'm.json') as AnoganDetector;
}

const f = (a: number, b: number) => [a + b, a - 2 * b + 0.5];
const logit = (a: number, b: number) => { const [u, v] = f(a, b); return u - v + 0.2; };
const G = (zz: number) => [zz + 0.1, -0.5 * zz + 0.2];
const searchLoss = (x: number[], zz: number, lambda: number) => {
  const g = G(zz), fx = f(x[0], x[1]), fg = f(g[0], g[1]);
  return (1 - lambda) * (Math.abs(x[0] - g[0]) + Math.abs(x[1] - g[1])) + lambda * (Math.abs(fx[0] - fg[0]) + Math.abs(fx[1] - fg[1]));
};
const t2 = (rows: number[][]) => new Tensor(new Float32Array(rows.flat()), [rows.length, rows[0].length]);

describe('AnoGAN', () => {
  it('the discriminator\'s and generator\'s cross-entropies and the search loss match a hand computation', () => {
    const det = handSet();
    const x = [[1, 2], [0.5, -1]], zs = [0.3, -1.2, 2];
    const real = x.map(([a, b]) => logit(a, b)), fake = zs.map(G).map(([a, b]) => logit(a, b));
    const hD = (sp(-real[0]) + sp(-real[1])) / 2 + fake.reduce((s, l) => s + sp(l), 0) / 3;
    close(det.discriminatorLoss(t2(x), new Tensor(new Float32Array(zs), [3, 1])).loss.item(), hD, 'L_D');
    close(det.generatorLoss(new Tensor(new Float32Array(zs), [3, 1])).loss.item(), fake.reduce((s, l) => s + sp(-l), 0) / 3, 'L_G = mean -log D(G(z))');
    const fx = t2(x.map(([a, b]) => f(a, b)));
    const l = det.searchLoss(t2(x), fx, new Tensor(new Float32Array([0.3, -1.2]), [2, 1])).toArray();
    close(l[0], searchLoss(x[0], 0.3, 0.1), 'search loss, row 1');
    close(l[1], searchLoss(x[1], -1.2, 0.1), 'search loss, row 2');
  });

  it('the search moves each row\'s z towards the G(z) closest to it; the score is the loss at the final z', () => {
    // lambda 0: the residual alone. A row on G's line at z* = 1.3 (1 from the start) is reached: its loss falls
    // from |1| + |0.5| = 1.5 at z0 towards 0; a row 0.4 off the line cannot go below its L1 distance to it.
    const det = handSet({ lambda: 0, searchSteps: 300, searchRate: 0.02 });
    const on = G(1.3), off = [on[0], on[1] + 0.4];
    const s = det.scoreTransformed(new Float32Array([...on, ...off]), 2);
    assert.ok(s[0] < 0.03, `on the line: ${s[0]} (start ${searchLoss(on, 0.3, 0)})`);
    // min over z of |x1 - z - 0.1| + |x2 + 0.5 z - 0.2| is at x1 = G(z)_1 here (slope 1 > 0.5): 0.4.
    assert.ok(s[1] >= 0.4 - 1e-4 && s[1] < 0.45, `off the line: ${s[1]}`);
    // One step of the search from z0 with lambda 0.1: the score is the loss at z0 - lr * sign-like Adam step.
    const one = handSet({ searchSteps: 1, searchRate: 0.1 }).scoreTransformed(new Float32Array(on), 1)[0];
    close(one, searchLoss(on, 0.3 + 0.1, 0.1), 'first Adam step moves z by lr towards z*', 1e-4);
  });

  it('the search start is saved in the model file; a malformed one is refused; networks are checked by name', () => {
    const j = handSet().toJSON();
    assert.deepEqual(j.manifest.state, { searchStart: [0.30000001192092896] });
    j.manifest.state = { searchStart: [0.3, 1] };
    assert.throws(() => loadDetector(j, 'bad.json'), /anogan model: state.searchStart must be 1 finite numbers/);
    const c = new AnoganDetector().planConfig(8, 1000);
    assert.deepEqual([c.generator, c.discriminatorFeatures, c.discriminatorHead, c.latent], ['FC(2,32,relu)-FC(32,8,none)', 'FC(8,32,lrelu)', 'FC(32,1,none)', 2]);
    assert.throws(() => new AnoganDetector({ generator: 'FC(3,5,none)' }).planConfig(8, 100), /anogan: the generator network maps 3 to 5 values; it needs 3 to 8/);
    assert.throws(() => new AnoganDetector({ discriminatorHead: 'FC(4,1,none)' }).planConfig(8, 100), /give both discriminatorFeatures and discriminatorHead/);
    assert.throws(() => new AnoganDetector({ searchSteps: 0 }), /searchSteps/);
    assert.throws(() => new AnoganDetector({ searchSteps: 1001 }), /searchSteps/);
  });

  const { train, test, labels } = planted(7);
  const dets = [1, 2, 3].map((seed) => new AnoganDetector({ seed, epochs: 40, batchSize: 64, learningRate: 2e-3 }).fit(train));
  const det = dets[0];

  it('trains without NaN and the latent search separates planted anomalies (median of 3 seeds)', () => {
    for (const h of dets.flatMap((e) => e.history)) assert.ok(Number.isFinite(h.loss) && Object.values(h.terms).every(Number.isFinite), `epoch ${h.epoch}: ${JSON.stringify(h)}`);
    // Construction: normal rows lie within ~0.05 of a 2-d plane, anomalies 0.5 off it. A generator covering
    // the plane reconstructs a normal row to within its noise (L1 ~ 8 * 0.02 * 0.8 = 0.13) and an anomaly no
    // closer than 0.5 (L2, so at least 0.5 in L1): AUROC near 1; 0.9 leaves room for parts of the plane the
    // generator covers poorly. GAN training varies by seed (a run can leave part of the plane uncovered), so
    // the floor holds for the median of three seeds.
    const a = dets.map((e) => { const s = e.scoreSamples(test); assert.ok(s.every(Number.isFinite)); return auroc(s, labels); }).sort();
    assert.ok(a[1] > 0.9, `AUROCs ${a}`);
  });

  it('scores are a function of the model and the row (not of its batch); a model file restores them', () => {
    const rows = test.slice(440, 470);
    const s = Array.from(det.scoreSamples(rows));
    assert.deepEqual(Array.from(det.scoreSamples([...rows].reverse())).reverse(), s);
    assert.deepEqual(Array.from(det.scoreSamples(rows.slice(7, 8))), s.slice(7, 8));
    assert.deepEqual(Array.from(loadDetector(det.toBytes(), 'm.abr').scoreSamples(rows)), s);
  });
});
