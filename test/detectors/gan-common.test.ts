/** The GAN detectors' shared losses (src/detectors/gan/common.ts) on tiny cases against hand-computed values. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { Tape, tensor } from '../../src/engine/tensor.js';
import { Mlp } from '../../src/nn/mlp.js';
import { checkNetwork, criticLoss, discriminatorLoss, featureMatching, ganSchedule, ganWidths, generatorLoss, gradientPenalty, leakyFeatures, realCrossEntropy, rowDistance, sampleLatent, wassersteinGeneratorLoss } from '../../src/detectors/gan/common.js';

const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
const sp = (v: number) => Math.log1p(Math.exp(v));   // softplus: BCE(logit, 1) = sp(-logit), BCE(logit, 0) = sp(logit)

describe('GAN losses', () => {
  it('discriminator cross-entropy and the non-saturating generator loss on logits', () => {
    const real = tensor([2, 0.5], [2, 1]), fake = tensor([-1, 3], [2, 1]);
    close(discriminatorLoss(real, fake).data[0], (sp(-2) + sp(-0.5)) / 2 + (sp(-1) + sp(3)) / 2);
    close(generatorLoss(fake).data[0], (sp(1) + sp(-3)) / 2);
    close(discriminatorLoss(tensor([0], [1, 1]), tensor([0], [1, 1])).data[0], 2 * Math.LN2);
  });

  it('feature matching compares batch means; Wasserstein losses are mean differences', () => {
    const a = tensor([1, 2, 3, 6], [2, 2]), b = tensor([0, 0, 1, 2], [2, 2]);   // means (2, 4) and (0.5, 1)
    close(featureMatching(a, b).data[0], ((2 - 0.5) ** 2 + (4 - 1) ** 2) / 2);
    close(criticLoss(tensor([1, 3], [2, 1]), tensor([0, -2], [2, 1])).data[0], -1 - 2);
    close(wassersteinGeneratorLoss(tensor([0, -2], [2, 1])).data[0], 1);
  });

  it('the gradient penalty of a linear critic is (||w|| - 1)^2, and its gradient wrt w is 2 (||w|| - 1) w / ||w||', () => {
    const critic = new Mlp('FC(2,1,none)', 'glorot-uniform', new Rng(1));
    critic.weights[0].data.set([3, 4]);
    const real = tensor([0, 0, 1, 1, 2, -1], [3, 2]), fake = tensor([5, 5, -1, 0, 0, 2], [3, 2]);
    const tape = new Tape();
    const gp = tape.record(() => gradientPenalty(critic, real, fake, new Rng(2)));
    close(gp.data[0], (5 - 1) ** 2);
    tape.backward(gp);
    const g = critic.weights[0].grad!;
    close(g[0], 2 * 4 * 3 / 5, 1e-4); close(g[1], 2 * 4 * 4 / 5, 1e-4);
    assert.throws(() => gradientPenalty(critic, real, tensor([1, 2], [1, 2]), new Rng(2)), /real rows are \[3,2\], fake rows \[1,2\]/);
  });

  it('the gradient penalty of a nonlinear critic matches finite differences in the weights', () => {
    const critic = new Mlp('FC(3,4,tanh)-FC(4,1,none)', 'glorot-uniform', new Rng(5));
    const r = new Rng(9), real = tensor(Array.from({ length: 12 }, () => r.normal()), [4, 3]), fake = tensor(Array.from({ length: 12 }, () => r.normal()), [4, 3]);
    const value = (): number => new Tape({ grad: false }).record(() => gradientPenalty(critic, real, fake, new Rng(3))).data[0];
    const tape = new Tape();
    tape.backward(tape.record(() => gradientPenalty(critic, real, fake, new Rng(3))));
    for (const p of critic.parameters()) {
      const analytic = Float64Array.from(p.grad!);
      for (let i = 0; i < p.size; i++) {
        const keep = p.data[i], h = 1e-2;
        p.data[i] = keep + h; const up = value();
        p.data[i] = keep - h; const down = value();
        p.data[i] = keep;
        assert.ok(Math.abs((up - down) / (2 * h) - analytic[i]) <= 2e-3 + 2e-2 * Math.abs(analytic[i]), `param element ${i}: ${(up - down) / (2 * h)} vs ${analytic[i]}`);
      }
    }
  });

  it('default widths follow the autoencoders\' rule with at least 2 latent units; latent draws are seeded', () => {
    assert.deepEqual(ganWidths(120, {}), { latent: 10, hidden: [60], auto: ['latentSize', 'hidden'] });
    assert.deepEqual(ganWidths(3, {}), { latent: 2, hidden: [3], auto: ['latentSize', 'hidden'] });
    assert.deepEqual(ganWidths(6, { latentSize: 4, hidden: [8, 8] }), { latent: 4, hidden: [8, 8], auto: [] });
    assert.deepEqual([...sampleLatent(2, 3, new Rng(4)).data], [...sampleLatent(2, 3, new Rng(4)).data]);
  });
});

// Schedule, network specs, per-row distances (gan/common.ts's second block).
describe('GAN helpers', () => {
  it('schedule: batch 64 (at most the rows), ~2,000 mini-batches within [10, 200] epochs; given values kept', () => {
    const auto: string[] = [];
    assert.deepEqual(ganSchedule({}, 1000, auto), { epochs: 125, batchSize: 64 });
    assert.deepEqual(auto, ['batchSize', 'epochs']);
    assert.deepEqual(ganSchedule({}, 30, []), { epochs: 200, batchSize: 30 });
    assert.deepEqual(ganSchedule({}, 1e6, []), { epochs: 10, batchSize: 64 });
    assert.deepEqual(ganSchedule({ epochs: 3, batchSize: 8 }, 1000, []), { epochs: 3, batchSize: 8 });
  });

  it('discriminator features in the paper\'s notation (Drop in keep probability); network checks name the network', () => {
    assert.equal(leakyFeatures(10, [6, 4], 0.2), 'FC(10,6,lrelu)-Drop(0.8)-FC(6,4,lrelu)-Drop(0.8)');
    assert.equal(leakyFeatures(10, [6], 0), 'FC(10,6,lrelu)');
    assert.throws(() => leakyFeatures(10, [], 0), /at least one hidden layer/);
    assert.equal(checkNetwork('x', 'encoder', 'FC(3,2,none)', 3, 2), 'FC(3,2,none)');
    assert.throws(() => checkNetwork('egbad', 'encoder', 'FC(3,2,none)', 4, 2), /egbad: the encoder network maps 3 to 2 values; it needs 4 to 2/);
  });

  it('per-row distances and the real-label cross-entropy by hand', () => {
    const a = Float32Array.from([1, 2, 3, 0, 0, 0]), b = Float32Array.from([0, 0, 0, 3, -4, 0]);
    close(rowDistance(a, b, 3, 0, 'l1'), 6); close(rowDistance(a, b, 3, 1, 'l1'), 7);
    close(rowDistance(a, b, 3, 0, 'l2'), Math.sqrt(14)); close(rowDistance(a, b, 3, 1, 'l2'), 5);
    for (const l of [-3, 0, 2.5]) close(realCrossEntropy(l), -Math.log(1 / (1 + Math.exp(-l))));
    close(realCrossEntropy(-1000), 1000); close(realCrossEntropy(1000), 0);
  });
});
