/** Stop-gradient, Gaussian KL and reparameterised sampling against hand-computed values. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gaussianKl, mul, reparameterize, stopGradient, sum } from '../../src/engine/ops/index.js';
import { Rng } from '../../src/engine/rng.js';
import { parameter, Tape, tensor, type Tensor } from '../../src/engine/tensor.js';

function grads(params: Tensor[], f: () => Tensor): Float32Array[] {
  const tape = new Tape();
  const y = tape.record(f);
  tape.backward(y);
  const g = params.map((p) => (p.grad ?? new Float32Array(p.size)).slice());
  tape.release();
  return g;
}

describe('stopGradient', () => {
  it('passes values and blocks the gradient: d/dx sum(x * sg(x)) = x, not 2x', () => {
    const x = parameter(Float32Array.from([1.5, -2, 3]), [3]);
    const [g] = grads([x], () => sum(mul(x, stopGradient(x))));
    assert.deepEqual(Array.from(g), [1.5, -2, 3]);
    assert.equal(stopGradient(x).requiresGrad, false);
    assert.deepEqual(stopGradient(x).data, x.data);
  });
});

describe('gaussianKl', () => {
  it('against N(0, I) per row: 0.5 sum(exp(lv) + mu^2 - 1 - lv)', () => {
    const kl = gaussianKl(tensor([1, 0, 0, 0], [2, 2]), tensor([0, Math.log(2), 0, 0], [2, 2]));
    assert.deepEqual(kl.shape, [2]);
    assert.ok(Math.abs(kl.data[0] - (1 - Math.log(2) / 2)) < 1e-6, `${kl.data[0]}`);
    assert.equal(kl.data[1], 0);
  });
  it('between two Gaussians: KL(N(1,1) || N(0,4)) = 0.5 (ln 4 + 2/4 - 1); zero for equal ones', () => {
    const kl = gaussianKl(tensor([1, 0.3], [2, 1]), tensor([0, -1], [2, 1]), tensor([0, 0.3], [2, 1]), tensor([Math.log(4), -1], [2, 1]));
    assert.ok(Math.abs(kl.data[0] - 0.5 * (Math.log(4) - 0.5)) < 1e-6, `${kl.data[0]}`);
    assert.ok(Math.abs(kl.data[1]) < 1e-7);
  });
  it('the general form with a standard prior equals the N(0, I) form, and gradients are the closed forms', () => {
    const mu = parameter(Float32Array.from([0.5, -1, 2]), [1, 3]), lv = parameter(Float32Array.from([0.2, -0.5, 1]), [1, 3]);
    const [gm, gl] = grads([mu, lv], () => sum(gaussianKl(mu, lv)));
    const z = tensor([0, 0, 0], [1, 3]);
    assert.ok(Math.abs(gaussianKl(mu, lv, z, z).data[0] - gaussianKl(mu, lv).data[0]) < 1e-6);
    for (let i = 0; i < 3; i++) {
      assert.ok(Math.abs(gm[i] - mu.data[i]) < 1e-6, `d/dmu ${i}`);
      assert.ok(Math.abs(gl[i] - 0.5 * (Math.exp(lv.data[i]) - 1)) < 1e-6, `d/dlogvar ${i}`);
    }
  });
  it('rejects a prior with only one of its two parameters', () => {
    const t = tensor([0], [1, 1]);
    assert.throws(() => gaussianKl(t, t, t), /both mu2 and logvar2/);
  });
});

describe('reparameterize', () => {
  it('z = mu + exp(logvar / 2) * eps with eps from the rng, in row-major order', () => {
    const mu = tensor([1, -2, 0, 3], [2, 2]), lv = tensor([0, Math.log(4), -2, 1], [2, 2]);
    const z = reparameterize(mu, lv, new Rng(5));
    const r = new Rng(5);
    for (let i = 0; i < 4; i++) {
      const want = mu.data[i] + Math.exp(0.5 * lv.data[i]) * r.normal();
      assert.ok(Math.abs(z.data[i] - want) < 1e-5, `${i}: ${z.data[i]} vs ${want}`);
    }
    assert.notDeepEqual(reparameterize(mu, lv, new Rng(6)).data, z.data);
  });
  it('gradients: d z / d mu = 1, d z / d logvar = (z - mu) / 2', () => {
    const mu = parameter(Float32Array.from([1, -2, 0.5]), [3]), lv = parameter(Float32Array.from([0, 1, -1]), [3]);
    let z: Float32Array = new Float32Array(0);
    const [gm, gl] = grads([mu, lv], () => { const t = reparameterize(mu, lv, new Rng(9)); z = t.data.slice(); return sum(t); });
    for (let i = 0; i < 3; i++) {
      assert.equal(gm[i], 1);
      assert.ok(Math.abs(gl[i] - 0.5 * (z[i] - mu.data[i])) < 1e-6, `d/dlogvar ${i}`);
    }
  });
});
