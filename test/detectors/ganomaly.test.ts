/**
 * GANomaly (src/detectors/ganomaly): both steps' losses and both scores on one row with hand-set weights, the
 * discriminator step's stopped gradients, configuration, a seeded quality floor on planted anomalies, no NaN,
 * and the model file's round trip.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { Tape, Tensor } from '../../src/engine/tensor.js';
import { GanomalyDetector } from '../../src/detectors/ganomaly/detector.js';
import { loadDetector } from '../../src/detectors/registry.js';
import { auroc } from '../../src/metrics/ranking.js';
import { planted } from '../support/planted.js';
import { assertFiniteHistory, assertScoresPortable } from '../support/deep-checks.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b} by hand`);
const sp = (v: number) => Math.log1p(Math.exp(v));
const lrelu = (v: number) => (v > 0 ? v : 0.2 * v);
const lin = (x: number[], W: number[], b: number[]) => b.map((bj, j) => x.reduce((s, xi, i) => s + xi * W[i * b.length + j], bj));

// d = 2, latent c = 2, D's features 2 wide (leaky ReLU 0.2).
const nets = { encoder: 'FC(2,2,none)', decoder: 'FC(2,2,none)', reencoder: 'FC(2,2,none)', discriminatorFeatures: 'FC(2,2,lrelu)', discriminatorHead: 'FC(2,1,none)' };
const set: Record<string, number[]> = {
  'encoder.0': [0.5, -0.3, 0.2, 0.8], 'encoder.1': [0.1, -0.2],
  'decoder.0': [1, -0.5, 0.3, 0.7], 'decoder.1': [0.2, 0.4],
  'reencoder.0': [-0.4, 0.6, 0.9, 0.1], 'reencoder.1': [0, 0.3],
  'discriminatorFeatures.0': [0.3, -0.5, 0.8, 0.1], 'discriminatorFeatures.1': [0.05, -0.1],
  'discriminatorHead.0': [1.5, -0.7], 'discriminatorHead.1': [0.2],
};
const GE = (x: number[]) => lin(x, set['encoder.0'], set['encoder.1']);
const GD = (z: number[]) => lin(z, set['decoder.0'], set['decoder.1']);
const E2 = (x: number[]) => lin(x, set['reencoder.0'], set['reencoder.1']);
const f = (x: number[]) => lin(x, set['discriminatorFeatures.0'], set['discriminatorFeatures.1']).map(lrelu);
const D = (x: number[]) => lin(f(x), set['discriminatorHead.0'], set['discriminatorHead.1'])[0];
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

function handSet(extra: Record<string, unknown> = {}): GanomalyDetector {
  const j = new GanomalyDetector({ seed: 1, epochs: 0, ...nets, preprocessing: { scaling: 'none' }, ...extra }).fit([[0, 0], [1, 1], [0.5, 0.2]]).toJSON();
  for (const t of j.tensors) t.data = set[t.name];
  return loadDetector(j, 'm.json') as GanomalyDetector;
}

describe('GANomaly', () => {
  const x = [0.9, -0.4], xt = new Tensor(Float32Array.from(x), [1, 2]);
  const code = GE(x), rec = GD(code), recode = E2(rec);

  it('each step\'s loss matches a hand computation on one row', () => {
    const det = handSet({ wAdv: 2, wCon: 10, wEnc: 3 }), ctx = { training: true, rng: new Rng(1), epoch: 1 };
    const g = det.generatorLoss(xt, ctx);
    const adv = mean(f(x).map((v, j) => (v - f(rec)[j]) ** 2)), con = mean(x.map((v, j) => Math.abs(v - rec[j]))), enc = mean(code.map((v, j) => (v - recode[j]) ** 2));
    close(g.terms!.adversarial.item(), adv, 'L_adv'); close(g.terms!.contextual.item(), con, 'L_con'); close(g.terms!.encoder.item(), enc, 'L_enc');
    close(g.loss.item(), 2 * adv + 10 * con + 3 * enc, 'generator step');
    close(det.discriminatorLoss(xt, ctx).loss.item(), sp(-D(x)) + sp(D(rec)), 'discriminator step');
  });

  it('scores: the paper\'s ||G_E(x) - E(G(x))||_1, or the code\'s mean squared difference', () => {
    close(handSet().scoreSamples([x])[0], Math.abs(code[0] - recode[0]) + Math.abs(code[1] - recode[1]), 'l1');
    close(handSet({ scoreNorm: 'squared' }).scoreSamples([x])[0], ((code[0] - recode[0]) ** 2 + (code[1] - recode[1]) ** 2) / 2, 'squared');
  });

  it('the discriminator step does not reach the generator; the generator step leaves D\'s weights alone only through its phase', () => {
    const det = handSet(), ctx = { training: true, rng: new Rng(3), epoch: 1 };
    const params = (n: string) => (det as unknown as { mlp(n: string): { parameters(): Tensor[] } }).mlp(n).parameters();
    const grads = (loss: () => Tensor, n: string) => {
      for (const k of Object.keys(nets)) for (const p of params(k)) p.zeroGrad();
      const tape = new Tape();
      tape.backward(tape.record(loss));
      return params(n).flatMap((p) => Array.from(p.grad ?? []));
    };
    for (const n of ['encoder', 'decoder', 'reencoder']) assert.ok(grads(() => det.discriminatorLoss(xt, ctx).loss, n).every((v) => v === 0), n);
    for (const n of ['encoder', 'decoder', 'reencoder']) assert.ok(grads(() => det.generatorLoss(xt, ctx).loss, n).some((v) => v !== 0), n);
  });

  it('networks scale with the input width: E has G_E\'s shape, D mirrors G_E; bad networks are named', () => {
    const c = new GanomalyDetector().planConfig(8, 1000);
    assert.deepEqual([c.encoder, c.decoder, c.reencoder, c.discriminatorFeatures, c.discriminatorHead],
      ['FC(8,4,lrelu)-FC(4,2,none)', 'FC(2,4,relu)-FC(4,8,none)', 'FC(8,4,lrelu)-FC(4,2,none)', 'FC(8,4,lrelu)', 'FC(4,1,none)']);
    assert.deepEqual(c.auto, ['encoder', 'decoder', 'latentSize', 'hidden', 'reencoder', 'discriminatorFeatures', 'discriminatorHead', 'batchSize', 'epochs']);
    assert.throws(() => new GanomalyDetector({ reencoder: 'FC(8,3,none)' }).planConfig(8, 100), /ganomaly: the reencoder network maps 8 to 3 values; it needs 8 to 2/);
    assert.throws(() => new GanomalyDetector({ encoder: 'FC(8,3,none)', decoder: 'FC(2,8,none)' }).planConfig(8, 100), /ganomaly: the decoder network maps 2 to 8 values; it needs 3 to 8/);
  });

  const data = planted(11);
  const det = new GanomalyDetector({ seed: 2, epochs: 40, batchSize: 32, learningRate: 1e-3 }).fit(data.train.slice(0, 500));

  it('trains without NaN: every epoch\'s losses are finite, and so are the scores', () => {
    assertFiniteHistory(det, 40, ['generator', 'discriminator']);
    assert.ok(det.history.at(-1)!.terms['generator.contextual'] < det.history[0].terms['generator.contextual'], 'reconstruction improves');
    assert.ok(det.scoreSamples(data.test).every(Number.isFinite));
  });

  it('ranks planted off-plane rows above the plane\'s rows', () => {
    // Construction (test/support/planted.ts): normal rows within noise 0.02 of a 2-d plane, anomalies 0.5 off
    // it along a random direction u of the 6-d complement. With w_con = 50 the generator is mostly an
    // autoencoder of the plane, and E(G(x)) ~ G_E(x) is trained, so a normal row's latent gap is small. An
    // anomaly's reconstruction lands near the plane while G_E sees the offset through its Jacobian on the
    // complement, never trained (normal rows barely move there): the gap is about 0.5 |J u|, a random 2-d
    // projection of u that keeps a Beta(1, 2) share of its squared length, under a tenth for ~19% of the
    // anomalies. Those rank among the normal rows, so the score cannot reach 1 and depends on J's draw; we ask
    // for 0.6, clearly above chance. Fixed from this argument, not from a run.
    const a = auroc(det.scoreSamples(data.test), data.labels);
    assert.ok(a > 0.6, `AUROC ${a}`);
  });

  it('scores survive a model-file round trip and do not depend on the batch', () => {
    assertScoresPortable(det, data.test.slice(440, 470));
  });
});
