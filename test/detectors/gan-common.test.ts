/** The GAN detectors' shared losses (src/detectors/gan/common.ts) on tiny cases against hand-computed values. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { Tape, tensor } from '../../src/engine/tensor.js';
import { Mlp } from '../../src/nn/mlp.js';
import { checkNetwork, criticLoss, discriminatorLoss, featureMatching, ganSchedule, ganWidths, generatorLoss, gradientPenalty, sampleLatent, wassersteinGeneratorLoss } from '../../src/detectors/gan/common.js';

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

// Added with fencegan, alocc, anogan and fanogan (branch i11-gan2).
describe('GAN schedule and network checks', () => {
  it('the default schedule is batch 64 and ~2,000 mini-batches within [10, 200] epochs; given values stay', () => {
    const auto: string[] = [];
    assert.deepEqual(ganSchedule({}, 1000, auto), { epochs: 125, batchSize: 64 });
    assert.deepEqual(auto, ['batchSize', 'epochs']);
    assert.deepEqual(ganSchedule({}, 40, []), { epochs: 200, batchSize: 40 });
    assert.deepEqual(ganSchedule({}, 1e6, []), { epochs: 10, batchSize: 64 });
    const given: string[] = [];
    assert.deepEqual(ganSchedule({ epochs: 3, batchSize: 8 }, 1000, given), { epochs: 3, batchSize: 8 });
    assert.deepEqual(given, []);
  });

  it('checkNetwork names the detector, the network and both widths', () => {
    assert.equal(checkNetwork('x', 'critic', 'FC(4,3,relu)-FC(3,1,none)', 4, 1), 'FC(4,3,relu)-FC(3,1,none)');
    assert.throws(() => checkNetwork('x', 'critic', 'FC(4,3,relu)-FC(3,2,none)', 4, 1), /^Error: x: the critic maps 4 to 2 values; it must map 4 to 1$/);
  });
});
