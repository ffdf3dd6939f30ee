/** Optimisers against direct float64 implementations of torch.optim's update rules. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mul, sum } from '../../src/engine/ops/index.js';
import { Adam, clipGradNorm, Rmsprop, Sgd } from '../../src/engine/optim.js';
import { parameter, Tape, type Tensor } from '../../src/engine/tensor.js';

const grads = [[0.5, -1, 2e-3], [0.1, 0.3, -4], [-0.2, 0.2, 0.05]];

describe('Adam', () => {
  it('matches torch.optim.Adam update formulas over three steps (with weight decay)', () => {
    const p = parameter(Float32Array.from([1, -2, 0.5]), [3]);
    const opt = new Adam([p], { lr: 0.01, weightDecay: 0.1 });
    const w = [1, -2, 0.5], m = [0, 0, 0], v = [0, 0, 0];
    grads.forEach((g, t) => {
      p.grad = Float32Array.from(g);
      opt.step();
      for (let i = 0; i < 3; i++) {
        const gi = g[i] + 0.1 * w[i];
        m[i] = 0.9 * m[i] + 0.1 * gi; v[i] = 0.999 * v[i] + 0.001 * gi * gi;
        const bc1 = 1 - 0.9 ** (t + 1), bc2 = 1 - 0.999 ** (t + 1);
        w[i] -= (0.01 / bc1) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + 1e-8);
      }
      for (let i = 0; i < 3; i++) assert.ok(Math.abs(p.data[i] - w[i]) < 1e-6, `step ${t + 1}, ${i}: ${p.data[i]} vs ${w[i]}`);
    });
  });
  it('first step moves each weight by lr against the gradient sign', () => {
    const p = parameter(Float32Array.from([0, 0]), [2]);
    const opt = new Adam([p], { lr: 1e-3 });
    p.grad = Float32Array.from([3, -0.01]);
    opt.step();
    assert.ok(Math.abs(p.data[0] + 1e-3) < 1e-8 && Math.abs(p.data[1] - 1e-3) < 1e-8);
  });
  it('rejects a non-positive learning rate', () => {
    assert.throws(() => new Adam([parameter(new Float32Array(1), [1])], { lr: 0 }), /learning rate/);
  });
  it('state round-trips', () => {
    const p = parameter(Float32Array.from([1, 2]), [2]);
    const opt = new Adam([p]);
    p.grad = Float32Array.from([1, 1]); opt.step();
    const q = parameter(p.data.slice(), [2]);
    const opt2 = new Adam([q]);
    opt2.loadState(opt.state());
    p.grad = Float32Array.from([0.5, -1]); q.grad = Float32Array.from([0.5, -1]);
    opt.step(); opt2.step();
    assert.deepEqual(p.data, q.data);
  });
});

describe('SGD', () => {
  it('plain, momentum and Nesterov follow torch.optim.SGD', () => {
    for (const cfg of [{ momentum: 0 }, { momentum: 0.9 }, { momentum: 0.9, nesterov: true }, { momentum: 0.5, dampening: 0.1, weightDecay: 0.01 }]) {
      const p = parameter(Float32Array.from([1, -1, 0.5]), [3]);
      const opt = new Sgd([p], { lr: 0.1, ...cfg });
      const w = [1, -1, 0.5], buf = [0, 0, 0];
      const mu = cfg.momentum, damp = (cfg as { dampening?: number }).dampening ?? 0, wd = (cfg as { weightDecay?: number }).weightDecay ?? 0;
      grads.forEach((g, t) => {
        p.grad = Float32Array.from(g);
        opt.step();
        for (let i = 0; i < 3; i++) {
          let d = g[i] + wd * w[i];
          if (mu) {
            buf[i] = t === 0 ? d : mu * buf[i] + (1 - damp) * d;
            d = (cfg as { nesterov?: boolean }).nesterov ? d + mu * buf[i] : buf[i];
          }
          w[i] -= 0.1 * d;
          assert.ok(Math.abs(p.data[i] - w[i]) < 1e-6, `${JSON.stringify(cfg)} step ${t + 1}`);
        }
      });
    }
  });
});

describe('RMSprop', () => {
  it('one step by hand: w = 1, g = 0.5, lr 0.01 -> v = 0.0025, w = 1 - 0.01 * 0.5 / (0.05 + 1e-8)', () => {
    const p = parameter(Float32Array.from([1]), [1]);
    const opt = new Rmsprop([p]);
    p.grad = Float32Array.from([0.5]);
    opt.step();
    assert.ok(Math.abs(p.data[0] - (1 - 0.01 * 0.5 / (0.05 + 1e-8))) < 1e-7, `${p.data[0]}`);
  });
  it('one step with momentum 0.9 and weight decay 0.1: g = 0.6, v = 0.0036, buf = 0.6 / 0.06, w = 1 - 0.01 buf', () => {
    const p = parameter(Float32Array.from([1]), [1]);
    const opt = new Rmsprop([p], { momentum: 0.9, weightDecay: 0.1 });
    p.grad = Float32Array.from([0.5]);
    opt.step();
    assert.ok(Math.abs(p.data[0] - (1 - 0.01 * (0.6 / (0.06 + 1e-8)))) < 1e-6, `${p.data[0]}`);
  });
  it('three steps follow torch.optim.RMSprop (plain, momentum, centered, weight decay)', () => {
    for (const cfg of [{}, { momentum: 0.5 }, { centered: true, alpha: 0.9 }, { momentum: 0.9, centered: true, weightDecay: 0.01, eps: 1e-3 }]) {
      const p = parameter(Float32Array.from([1, -2, 0.5]), [3]);
      const opt = new Rmsprop([p], { lr: 0.05, ...cfg });
      const o = { alpha: 0.99, eps: 1e-8, momentum: 0, centered: false, weightDecay: 0, ...cfg };
      const w = [1, -2, 0.5], v = [0, 0, 0], b = [0, 0, 0], ga = [0, 0, 0];
      grads.forEach((g, t) => {
        p.grad = Float32Array.from(g);
        opt.step();
        for (let i = 0; i < 3; i++) {
          const gi = g[i] + o.weightDecay * w[i];
          v[i] = o.alpha * v[i] + (1 - o.alpha) * gi * gi;
          let avg = v[i];
          if (o.centered) { ga[i] = o.alpha * ga[i] + (1 - o.alpha) * gi; avg -= ga[i] * ga[i]; }
          avg = Math.sqrt(avg) + o.eps;
          if (o.momentum) { b[i] = o.momentum * b[i] + gi / avg; w[i] -= 0.05 * b[i]; } else w[i] -= 0.05 * gi / avg;
          assert.ok(Math.abs(p.data[i] - w[i]) < 1e-5, `${JSON.stringify(cfg)} step ${t + 1}, ${i}: ${p.data[i]} vs ${w[i]}`);
        }
      });
    }
  });
  it('state round-trips', () => {
    const p = parameter(Float32Array.from([1, 2]), [2]), q = parameter(Float32Array.from([1, 2]), [2]);
    const a = new Rmsprop([p], { momentum: 0.9, centered: true });
    p.grad = Float32Array.from([1, -1]); a.step();
    q.data.set(p.data);
    const b = new Rmsprop([q], { momentum: 0.9, centered: true });
    b.loadState(a.state());
    p.grad = Float32Array.from([0.5, 2]); q.grad = Float32Array.from([0.5, 2]);
    a.step(); b.step();
    assert.deepEqual(p.data, q.data);
    assert.throws(() => b.loadState(new Adam([q]).state()), /does not match/);
  });
});

describe('clipGradNorm', () => {
  it('scales all gradients by maxNorm / (norm + 1e-6) and returns the norm before clipping', () => {
    const a = parameter(new Float32Array(2), [2]), b = parameter(new Float32Array(1), [1]), c = parameter(new Float32Array(1), [1]);
    a.grad = Float32Array.from([3, 4]); b.grad = Float32Array.from([12]); // joint norm 13; c has no gradient
    assert.equal(clipGradNorm([a, b, c], 6.5), 13);
    const coef = 6.5 / (13 + 1e-6);
    assert.ok(Math.abs(a.grad[0] - 3 * coef) < 1e-6 && Math.abs(a.grad[1] - 4 * coef) < 1e-6 && Math.abs(b.grad[0] - 12 * coef) < 1e-6);
    assert.equal(c.grad, null);
  });
  it('leaves gradients below the limit alone; the infinity norm is the largest magnitude', () => {
    const a = parameter(new Float32Array(2), [2]);
    a.grad = Float32Array.from([3, -4]);
    assert.equal(clipGradNorm([a], 10), 5);
    assert.deepEqual(Array.from(a.grad), [3, -4]);
    assert.equal(clipGradNorm([a], 2, Infinity), 4);
    assert.ok(Math.abs(a.grad[1] + 2) < 1e-6);
  });
});

describe('several optimisers on one tape', () => {
  function setup(): { enc: Tensor[]; dec: Tensor[]; tape: Tape; loss: () => Tensor } {
    const enc = [parameter(Float32Array.from([0.5, -1]), [2]), parameter(Float32Array.from([2]), [1])];
    const dec = [parameter(Float32Array.from([1.5, 0.25]), [2])];
    const tape = new Tape();
    const loss = (): Tensor => tape.record(() => sum(mul(mul(enc[0], dec[0]), enc[1])));
    return { enc, dec, tape, loss };
  }
  it('each steps only its own parameters, and zeroGrad of one leaves the other\'s gradients', () => {
    const { enc, dec, tape, loss } = setup();
    const optE = new Adam(enc, { lr: 0.1 }), optD = new Rmsprop(dec, { lr: 0.1 });
    const before = [...enc, ...dec].map((p) => p.data.slice());
    tape.backward(loss());
    const decGrad = dec[0].grad!.slice();
    assert.ok(decGrad.some((v) => v !== 0));
    optE.step();
    assert.deepEqual(dec[0].data, before[2], 'the encoder optimiser moved a decoder weight');
    assert.notDeepEqual(enc[0].data, before[0]);
    optE.zeroGrad();
    assert.deepEqual(dec[0].grad, decGrad, 'the encoder zeroGrad cleared decoder gradients');
    assert.deepEqual(Array.from(enc[0].grad!), [0, 0]);
    optD.step();
    assert.notDeepEqual(dec[0].data, before[2]);
    tape.release();
  });
  it('a parameter shared by two optimisers is zeroed by either; a repeated parameter is refused', () => {
    const { enc, dec, tape, loss } = setup();
    const a = new Sgd([...enc, ...dec], { lr: 0.1 }), b = new Sgd(dec, { lr: 0.1 });
    tape.backward(loss());
    b.zeroGrad();
    assert.deepEqual(Array.from(dec[0].grad!), [0, 0]);
    assert.ok(enc[0].grad!.some((v) => v !== 0));
    a.zeroGrad();
    assert.deepEqual(Array.from(enc[0].grad!), [0, 0]);
    assert.throws(() => new Adam([enc[0], dec[0], enc[0]]), /parameter 2 .* is listed twice/);
    tape.release();
  });
});
