/** f-AnoGAN: the WGAN-GP losses, the encoder's three losses and the score by hand; frozen G and C in the encoder stage; a quality floor; the model file. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { Tensor } from '../../src/engine/tensor.js';
import { FanoganDetector } from '../../src/detectors/fanogan/detector.js';
import { sampleLatent } from '../../src/detectors/gan/common.js';
import { loadDetector } from '../../src/detectors/registry.js';
import { auroc } from '../../src/metrics/ranking.js';
import { planted } from '../support/planted.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b} by hand`);

/**
 * f-AnoGAN on 2 features with linear networks set by hand: f(x) = (x1 - x2 + 0.1, 0.5 x1 + 2 x2 - 0.2),
 * C(x) = f1 - 0.5 f2 + 0.3 (so dC/dx = (0.75, -2) everywhere), G(z) = z (1, -0.5) + (0.1, 0.2), E(x) = 0.5 x1 + x2 - 0.1.
 */
function handSet(o: Record<string, unknown> = {}): FanoganDetector {
  const j = new FanoganDetector({ seed: 1, epochs: 0, critic: 'FC(2,2,none)-FC(2,1,none)', generator: 'FC(1,2,none)', encoder: 'FC(2,1,none)', kappa: 0.5, ...o })
    .fit([[0, 0], [1, 1], [0.5, 0.2]]).toJSON();
  const set: Record<string, number[]> = {
    'critic.0': [1, 0.5, -1, 2], 'critic.1': [0.1, -0.2], 'critic.2': [1, -0.5], 'critic.3': [0.3],
    'generator.0': [1, -0.5], 'generator.1': [0.1, 0.2], 'encoder.0': [0.5, 1], 'encoder.1': [-0.1],
  };
  for (const t of j.tensors) t.data = set[t.name];
  return loadDetector(j, 'm.json') as FanoganDetector;
}

const f = (x: number[]) => [x[0] - x[1] + 0.1, 0.5 * x[0] + 2 * x[1] - 0.2];
const C = (x: number[]) => { const h = f(x); return h[0] - 0.5 * h[1] + 0.3; };
const G = (zz: number) => [zz + 0.1, -0.5 * zz + 0.2];
const E = (x: number[]) => 0.5 * x[0] + x[1] - 0.1;
const meanSq = (a: number[], b: number[]) => a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length;
const avg = (v: number[]) => v.reduce((s, e) => s + e, 0) / v.length;
const t2 = (rows: number[][]) => new Tensor(new Float32Array(rows.flat()), [rows.length, rows[0].length]);

describe('f-AnoGAN', () => {
  const x = [[1, 2], [0.5, -1], [0.2, 0.3]], zs = [0.3, -1.2, 2];
  const zt = new Tensor(new Float32Array(zs), [3, 1]);

  it('the critic\'s loss (with the gradient penalty) and the generator\'s loss match a hand computation', () => {
    const det = handSet({ lambdaGp: 10 });
    // A linear critic's input gradient is (0.75, -2) at every interpolate: GP = (sqrt(0.75^2 + 4) - 1)^2.
    const gp = (Math.hypot(0.75, -2) - 1) ** 2, w = avg(zs.map((v) => C(G(v)))) - avg(x.map(C));
    const l = det.criticLoss(t2(x), zt, { rng: new Rng(3) });
    close(l.terms!.penalty.item(), gp, 'gradient penalty');
    close(l.terms!.wasserstein.item(), w, 'mean C(G(z)) - mean C(x)');
    close(l.loss.item(), w + 10 * gp, 'L_C');
    close(det.generatorLoss(zt).loss.item(), -avg(zs.map((v) => C(G(v)))), 'L_G = -mean C(G(z))');
  });

  it('the encoder\'s izi, ziz and izi_f losses and the anomaly score match a hand computation', () => {
    const rec = x.map((r) => G(E(r)));
    const izi = avg(x.map((r, i) => meanSq(r, rec[i]))), feat = avg(x.map((r, i) => meanSq(f(r), f(rec[i]))));
    close(handSet({ mode: 'izi' }).encoderLoss(t2(x), { rng: new Rng(3) }).loss.item(), izi, 'izi');
    const l = handSet().encoderLoss(t2(x), { rng: new Rng(3) });
    close(l.terms!.feature.item(), feat, 'critic-feature residual');
    close(l.loss.item(), izi + 0.5 * feat, 'izi_f = izi + kappa * feature residual');
    const z = sampleLatent(3, 1, new Rng(3)).toArray();
    close(handSet({ mode: 'ziz' }).encoderLoss(t2(x), { rng: new Rng(3) }).loss.item(), avg(z.map((v) => (E(G(v)) - v) ** 2)), 'ziz');
    const s = handSet({ mode: 'izi' }).scoreTransformed(new Float32Array(x.flat()), 3);
    x.forEach((r, i) => close(s[i], meanSq(r, rec[i]) + 0.5 * meanSq(f(r), f(rec[i])), `score of row ${i} (izi_f score whatever the mode)`));
  });

  it('the encoder stage leaves G and the critic as the WGAN-GP left them; networks are checked by name', () => {
    const { train } = planted(3);
    const rows = train.slice(0, 128), o = { seed: 4, epochs: 2, batchSize: 32, nCritic: 2, hidden: [8] };
    const a = new FanoganDetector({ ...o, encoderEpochs: 0 }).fit(rows).toJSON().tensors, b = new FanoganDetector({ ...o, encoderEpochs: 2 }).fit(rows).toJSON().tensors;
    for (const [i, t] of a.entries()) {
      const same = Array.from(t.data).every((v, k) => v === b[i].data[k]);
      assert.equal(same, !t.name.startsWith('encoder'), `${t.name} ${same ? 'unchanged' : 'changed'} by the encoder stage`);
    }
    const c = new FanoganDetector().planConfig(8, 1000);
    assert.deepEqual([c.critic, c.generator, c.encoder, c.features], ['FC(8,32,lrelu)-FC(32,1,none)', 'FC(2,32,relu)-FC(32,8,none)', 'FC(8,32,lrelu)-FC(32,2,none)', 32]);
    assert.throws(() => new FanoganDetector({ critic: 'FC(8,1,none)' }).planConfig(8, 100), /fanogan: the critic FC\(8,1,none\) needs at least 2 dense layers/);
    assert.throws(() => new FanoganDetector({ encoder: 'FC(8,3,none)' }).planConfig(8, 100), /fanogan: the encoder network maps 8 to 3 values; it needs 8 to 2/);
    assert.throws(() => new FanoganDetector({ mode: 'zz' as 'izi' }), /mode/);
  });

  const { train, test, labels } = planted(7);
  const det = new FanoganDetector({ seed: 1, epochs: 20, batchSize: 64, learningRate: 1e-3 }).fit(train);

  it('trains without NaN and scores planted anomalies above normal rows', () => {
    assert.equal(det.history.length, 40, '20 WGAN-GP epochs then 20 encoder epochs');
    for (const h of det.history) assert.ok(Number.isFinite(h.loss) && Object.values(h.terms).every(Number.isFinite), `epoch ${h.epoch}: ${JSON.stringify(h)}`);
    // Construction: normal rows lie within ~0.05 of a 2-d plane, anomalies 0.5 off it. A generator covering the
    // plane and an encoder inverting it reconstruct a normal row to within its noise (squared error per value
    // ~0.02^2) and an anomaly no closer than 0.5 (0.25 / 8 per value): AUROC near 1; 0.9 leaves room for parts
    // of the plane G covers poorly.
    const s = det.scoreSamples(test);
    assert.ok(s.every(Number.isFinite));
    assert.ok(auroc(s, labels) > 0.9, `AUROC ${auroc(s, labels)}`);
  });

  it('scores are a function of the model and the row; a model file restores them', () => {
    const rows = test.slice(440, 470);
    const s = Array.from(det.scoreSamples(rows));
    assert.deepEqual(Array.from(det.scoreSamples([...rows].reverse())).reverse(), s);
    assert.deepEqual(Array.from(loadDetector(det.toBytes(), 'm.abr').scoreSamples(rows)), s);
  });
});
