/**
 * ALOCC (registered as unreliable; see its doc comment): both players' losses and the score by hand, the training noise,
 * determinism, the model file's state, finite training on planted data. No quality floor: it does not rank.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { Tensor } from '../../src/engine/tensor.js';
import { addNoise, AloccDetector } from '../../src/detectors/alocc/detector.js';
import { loadDetector } from '../../src/detectors/registry.js';
import { planted } from '../support/planted.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b} by hand`);
const sp = (v: number) => Math.log1p(Math.exp(v));   // softplus: BCE(logit, t) = sp(logit) - t * logit

/** Linear networks set by hand: R(x) = (x . we + be) wd + bd, D's logit x . w + b; the box [-1, 2]^2. */
class Hand extends AloccDetector {
  constructor(lambda: number) {
    super({ seed: 1, epochs: 0, lambda, encoder: 'FC(2,1,none)', decoder: 'FC(1,2,none)', discriminator: 'FC(2,1,none)', preprocessing: { scaling: 'none' } });
    this.fit([[0, 0], [1, 1], [0.5, 0.2]]);
    const set: Record<string, number[][]> = { encoder: [[0.5, -1], [0.2]], decoder: [[2, -1], [0.1, 0.3]], discriminator: [[1.5, -2], [0.25]] };
    for (const [n, v] of Object.entries(set)) this.mlp(n).parameters().forEach((p, i) => p.data.set(v[i]));
    this.importState({ boxLow: [-1, -1], boxHigh: [2, 2] });
  }
}
const R = ([a, b]: number[]) => { const c = 0.5 * a - b + 0.2; return [2 * c + 0.1, -c + 0.3]; };
const logit = ([a, b]: number[]) => 1.5 * a - 2 * b + 0.25;
const matrix = (rows: number[][]) => new Tensor(new Float32Array(rows.flat()), [rows.length, rows[0].length]);

describe('ALOCC', () => {
  const x = [[1, 2], [0.5, -1]], xn = [[1.1, 1.8], [0.4, -0.9]];

  it('the discriminator\'s and the reconstructor\'s losses match a hand computation', () => {
    const det = new Hand(0.4), rn = xn.map(R);
    const real = x.map(logit).reduce((s, l) => s + sp(-l), 0) / 2, fake = rn.map(logit).reduce((s, l) => s + sp(l), 0) / 2;
    const d = det.discriminatorLoss(matrix(x), matrix(xn));
    close(d.terms!.real.item(), real, '-log D(x)');
    close(d.terms!.reconstructed.item(), fake, '-log(1 - D(R(x~)))');
    close(d.loss.item(), real + fake, 'L_D');
    const adv = rn.map(logit).reduce((s, l) => s + sp(-l), 0) / 2;
    const rec = x.flatMap((r, i) => r.map((v, j) => (v - rn[i][j]) ** 2)).reduce((s, v) => s + v, 0) / 4;
    const r = det.reconstructorLoss(matrix(x), matrix(xn));
    close(r.terms!.adversarial.item(), adv, '-log D(R(x~))');
    close(r.terms!.reconstruction.item(), rec, 'mean (x - R(x~))^2 over rows and features');
    close(r.loss.item(), adv + 0.4 * rec, 'L_R = adversarial + lambda * reconstruction');
    close(new Hand(3).reconstructorLoss(matrix(x), matrix(xn)).loss.item(), adv + 3 * rec, 'lambda 3');
  });

  it('scores 1 - D(R(x)) inside the box, plus the distance to the box outside it; 1 - D(x) on request', () => {
    const det = new Hand(0.4), rows = [[0.5, 0.5], [1, -0.5], [5, 0.5]];
    const s = det.scoreTransformed(new Float32Array(rows.flat()), rows.length);
    const inside = (r: number[]) => 1 / (1 + Math.exp(logit(R(r))));
    close(s[0], inside(rows[0]), 'inside');
    close(s[1], inside(rows[1]), 'inside');
    close(s[2], inside(rows[2]) + 3, '3 beyond boxHigh in one feature');
    const onInput = new AloccDetector({ seed: 1, epochs: 0, scoreOn: 'input' });
    assert.equal(onInput.scoreName, '1 - D(x)');
    assert.equal(det.scoreName, '1 - D(R(x))');
  });

  it('the training noise is N(0, sigma^2) per value, from the stream given', () => {
    const n = 20000, x = new Tensor(new Float32Array(n).fill(0.5), [n, 1]);
    const a = addNoise(x, 0.155, new Rng(3)), b = addNoise(x, 0.155, new Rng(3));
    assert.deepEqual(Array.from(a.data), Array.from(b.data));
    const mean = a.data.reduce((s, v) => s + v, 0) / n, sd = Math.sqrt(a.data.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
    // Standard errors: 0.155 / sqrt(n) = 0.0011 for the mean, 0.155 / sqrt(2n) = 0.0008 for the deviation.
    assert.ok(Math.abs(mean - 0.5) < 0.005 && Math.abs(sd - 0.155) < 0.004, `mean ${mean}, sd ${sd}`);
    assert.deepEqual(Array.from(addNoise(x, 0, new Rng(3)).data), Array.from(x.data));
  });

  it('default networks scale with the input width; bad networks are refused by name', () => {
    const c = new AloccDetector().planConfig(8, 1000);
    assert.deepEqual([c.encoder, c.decoder, c.discriminator], ['FC(8,4,lrelu)-FC(4,2,none)', 'FC(2,4,relu)-FC(4,8,none)', 'FC(8,16,lrelu)-FC(16,16,lrelu)-FC(16,1,none)']);
    assert.throws(() => new AloccDetector({ encoder: 'FC(8,2,none)' }).planConfig(8, 100), /alocc: give both encoder and decoder/);
    assert.throws(() => new AloccDetector({ encoder: 'FC(8,2,none)', decoder: 'FC(2,7,none)' }).planConfig(8, 100), /alocc: the decoder network maps 2 to 7 values; it needs 2 to 8/);
    assert.throws(() => new AloccDetector({ discriminator: 'FC(8,2,none)' }).planConfig(8, 100), /the discriminator network maps 8 to 2 values; it needs 8 to 1/);
    assert.throws(() => new AloccDetector({ lambda: -1 }), /lambda/);
  });

  const { train, test } = planted(7);
  const params = { seed: 1, epochs: 8, batchSize: 64, learningRate: 2e-3 };
  const det = new AloccDetector(params).fit(train.slice(0, 400));

  it('trains without NaN; same seed, same scores; another seed, other scores; the model file restores them', () => {
    for (const h of det.history) assert.ok(Number.isFinite(h.loss) && Object.values(h.terms).every(Number.isFinite), `epoch ${h.epoch}: ${JSON.stringify(h)}`);
    const rows = test.slice(440, 470), s = Array.from(det.scoreSamples(rows));
    assert.ok(s.every(Number.isFinite));
    assert.deepEqual(Array.from(new AloccDetector(params).fit(train.slice(0, 400)).scoreSamples(rows)), s);
    assert.notDeepEqual(Array.from(new AloccDetector({ ...params, seed: 2 }).fit(train.slice(0, 400)).scoreSamples(rows)), s);
    const back = loadDetector(det.toBytes('2026-01-01T00:00:00.000Z'), 'm.abr');
    assert.deepEqual(Array.from(back.scoreSamples(rows)), s);
    const j = det.toJSON();
    j.manifest.state = { boxLow: [0], boxHigh: [1] };
    assert.throws(() => loadDetector(j, 'bad.json'), /alocc model: state.boxLow and state.boxHigh must be 8 finite numbers each/);
  });
});
