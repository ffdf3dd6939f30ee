/** Optimisers against direct float64 implementations of torch.optim's update rules. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Adam, Sgd } from '../../src/engine/optim.js';
import { parameter } from '../../src/engine/tensor.js';

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
