/** Batch normalisation against hand-computed values (PyTorch BatchNorm1d conventions). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchNorm } from '../../src/engine/batchnorm.js';
import { batchNorm } from '../../src/engine/ops/index.js';
import { fromRows, parameter, Tape, tensor } from '../../src/engine/tensor.js';

const near = (a: ArrayLike<number>, b: readonly number[], tol: number, what: string): void => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

describe('batchNorm', () => {
  // Columns: mean [2, 4], biased variance [1, 4], unbiased [2, 8].
  const x = fromRows([[1, 2], [3, 6]]);
  const eps = 1e-5;

  it('train mode normalises with batch statistics and moves the running estimates by momentum', () => {
    const bn = new BatchNorm(2);
    bn.gamma!.data.set([2, 0.5]); bn.beta!.data.set([1, -1]);
    const y = bn.forward(x, true);
    const s0 = 1 / Math.sqrt(1 + eps), s1 = 1 / Math.sqrt(4 + eps);
    near(y.data, [1 - 2 * s0, -1 - 0.5 * 2 * s1, 1 + 2 * s0, -1 + 0.5 * 2 * s1], 1e-6, 'output');
    near(bn.runningMean, [0.2, 0.4], 1e-7, 'running mean');
    near(bn.runningVar, [0.9 + 0.2, 0.9 + 0.8], 1e-6, 'running var (unbiased)');
    bn.forward(x, true);
    near(bn.runningMean, [0.9 * 0.2 + 0.2, 0.9 * 0.4 + 0.4], 1e-6, 'running mean after two steps');
  });

  it('eval mode uses the running statistics and leaves them alone', () => {
    const stats = { runningMean: Float32Array.from([1, -2]), runningVar: Float32Array.from([4, 0.25]) };
    const y = batchNorm(x, tensor([3, 1]), tensor([0, 10]), stats, { training: false, eps: 0 });
    near(y.data, [0, 10 + 8, 3, 10 + 16], 1e-6, 'output');
    near(stats.runningMean, [1, -2], 0, 'mean unchanged');
    near(stats.runningVar, [4, 0.25], 0, 'var unchanged');
  });

  it('train-mode gradient of a constant shift is zero (the mean is differentiated through)', () => {
    const xp = parameter(Float32Array.from([1, 2, 3, 6, -1, 0.5]), [3, 2]);
    const tape = new Tape();
    const w = tensor([0.3, -1.2, 0.7, 2, 1.1, -0.4], [3, 2]);
    const out = tape.record(() => batchNorm(xp, null, null, { runningMean: new Float32Array(2), runningVar: new Float32Array(2) },
      { training: true }));
    tape.backward(out, w.data);
    // Sum over rows of dL/dx is 0 per column (shift invariance) and sum of x_hat * dL/dx too (scale invariance).
    const g = xp.grad!;
    for (let j = 0; j < 2; j++) assert.ok(Math.abs(g[j] + g[2 + j] + g[4 + j]) < 1e-6, `column ${j}: ${g[j] + g[2 + j] + g[4 + j]}`);
    assert.ok(g.some((v) => Math.abs(v) > 1e-2), 'gradient is not trivially zero');
    tape.release();
  });

  it('running statistics save and restore through named buffers', () => {
    const a = new BatchNorm(2, { momentum: 0.5 });
    a.forward(x, true);
    const saved = a.buffers('enc.bn0.').map((b) => ({ ...b, data: b.data.slice() }));
    assert.deepEqual(saved.map((b) => b.name), ['enc.bn0.running_mean', 'enc.bn0.running_var']);
    const b = new BatchNorm(2, { momentum: 0.5 });
    b.loadBuffers(saved, 'enc.bn0.');
    assert.deepEqual(b.forward(x, false).data, a.forward(x, false).data);
    assert.throws(() => b.loadBuffers(saved.slice(1), 'enc.bn0.'), /missing "enc.bn0.running_mean"/);
  });

  it('refuses one-row training batches and mismatched shapes', () => {
    assert.throws(() => new BatchNorm(2).forward(fromRows([[1, 2]]), true), /more than one row/);
    assert.doesNotThrow(() => new BatchNorm(2).forward(fromRows([[1, 2]]), false));
    assert.throws(() => new BatchNorm(3).forward(x, true), /gamma has 3 values, expected 2/);
  });
});
