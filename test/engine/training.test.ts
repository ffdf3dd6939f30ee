/** Whole training runs: determinism per backend, agreement between backends, loss decreases. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withKernels } from '../../src/engine/backend/index.js';
import type { Kernels } from '../../src/engine/backend/kernels.js';
import { Adam } from '../../src/engine/optim.js';
import { Rng } from '../../src/engine/rng.js';
import { Tape, Tensor } from '../../src/engine/tensor.js';
import { DagmmNetwork } from '../../src/detectors/dagmm/network.js';
import { availableBackends, nativeKernels } from '../support/backends.js';

/** Trains a small DAGMM with dropout and shuffling, everything drawn from `seed`. */
function run(k: Kernels, seed: number, steps = 40): { losses: number[]; weights: Float32Array[] } {
  return withKernels(k, () => {
    const rng = new Rng(seed);
    const net = new DagmmNetwork({
      compression: 'FC(8,16,tanh)-FC(16,4,tanh)-FC(4,1,none)-FC(1,4,tanh)-FC(4,16,tanh)-FC(16,8,none)',
      estimation: 'FC(3,10,tanh)-Drop(0.5)-FC(10,2,softmax)',
    }, rng.fork('init'));
    const dataRng = new Rng(99);
    const rows = 256, x = new Float32Array(rows * 8);
    for (let i = 0; i < x.length; i++) x[i] = dataRng.normal() * 0.5 + (i % 8) * 0.1;
    const opt = new Adam(net.parameters(), { lr: 1e-3 });
    const tape = new Tape();
    const shuffle = rng.fork('shuffle'), drop = rng.fork('dropout');
    const losses: number[] = [];
    const batch = new Float32Array(64 * 8);
    for (let s = 0; s < steps; s++) {
      const idx = shuffle.permutation(rows);
      for (let i = 0; i < 64; i++) batch.set(x.subarray(idx[i] * 8, idx[i] * 8 + 8), i * 8);
      opt.zeroGrad();
      const l = tape.record(() => net.loss(new Tensor(batch, [64, 8]), true, drop));
      tape.backward(l.loss);
      opt.step();
      losses.push(l.loss.item());
    }
    return { losses, weights: net.parameters().map((p) => p.data.slice()) };
  });
}

for (const k of availableBackends()) {
  describe(`training on the ${k.name} backend`, () => {
    it('same seed gives bit-identical weights after 40 steps', () => {
      const a = run(k, 5), b = run(k, 5);
      a.weights.forEach((w, i) => assert.deepEqual(w, b.weights[i], `parameter ${i} differs`));
      assert.deepEqual(a.losses, b.losses);
    });
    it('a different seed gives different weights', () => {
      const a = run(k, 5, 5), b = run(k, 6, 5);
      assert.notDeepEqual(a.weights[0], b.weights[0]);
    });
    it('DagmmNetwork.latent (the fused inference kernel) equals forward(x).z bit for bit', () => {
      withKernels(k, () => {
        const configs = [
          { compression: 'FC(8,16,tanh)-FC(16,4,tanh)-FC(4,1,none)-FC(1,4,tanh)-FC(4,16,tanh)-FC(16,8,none)',
            estimation: 'FC(3,10,tanh)-Drop(0.5)-FC(10,2,softmax)' },
          { compression: 'FC(8,6,sigmoid)-Drop(0.8)-FC(6,2,none)-FC(2,8,none)',
            estimation: 'FC(3,4,tanh)-FC(4,3,softmax)', reconstructionFeatures: ['cosine'] as const },
          { compression: 'FC(8,3,tanh)-FC(3,8,none)', estimation: 'FC(5,4,tanh)-FC(4,2,softmax)',
            reconstructionFeatures: ['cosine', 'relative-euclidean'] as const },
          // Leaky slopes other than the kernels' default: one shared slope (fused path), and mixed slopes.
          { compression: 'FC(8,5,lrelu)-FC(5,2,none)-FC(2,8,lrelu)', estimation: 'FC(4,3,tanh)-FC(3,2,softmax)' },
          { compression: 'FC(8,5,lrelu)-FC(5,2,none)-FC(2,8,leaky_relu(0.3))', estimation: 'FC(4,3,tanh)-FC(3,2,softmax)' },
        ];
        const dataRng = new Rng(3);
        for (const [ci, config] of configs.entries()) {
          const net = new DagmmNetwork(config, new Rng(40 + ci));
          for (const rows of [1, 7, 700]) {
            const x = new Float32Array(rows * 8);
            for (let i = 8; i < x.length; i++) x[i] = dataRng.normal(); // row 0 all zero: the norm floor
            const t = new Tensor(x, [rows, 8]);
            const tape = new Tape({ grad: false });
            const [want, got] = tape.record(() => [net.forward(t).z.data.slice(), net.latent(t).data.slice()]);
            tape.release();
            assert.deepEqual(got, want, `config ${ci} rows ${rows}`);
          }
        }
      });
    });
    it('the loss goes down and stays finite', () => {
      const { losses } = run(k, 5, 80);
      assert.ok(losses.every(Number.isFinite));
      const first = losses.slice(0, 10).reduce((p, q) => p + q) / 10, last = losses.slice(-10).reduce((p, q) => p + q) / 10;
      assert.ok(last < first * 0.9, `loss ${first} -> ${last}`);
    });
  });
}

describe('native and TypeScript backends agree on a whole training run', { skip: nativeKernels ? false : 'native addon not built' }, () => {
  it('loss trajectories and final weights match closely', () => {
    const ts = availableBackends()[0];
    const a = run(ts, 11, 30), b = run(nativeKernels!, 11, 30);
    a.losses.forEach((v, i) => assert.ok(Math.abs(v - b.losses[i]) <= 1e-3 * Math.abs(v) + 1e-3, `step ${i}: ${v} vs ${b.losses[i]}`));
    a.weights.forEach((w, i) => {
      let maxDiff = 0, maxAbs = 0;
      for (let j = 0; j < w.length; j++) { maxDiff = Math.max(maxDiff, Math.abs(w[j] - b.weights[i][j])); maxAbs = Math.max(maxAbs, Math.abs(w[j])); }
      assert.ok(maxDiff <= 1e-3 * (1 + maxAbs), `parameter ${i}: max difference ${maxDiff}`);
    });
  });
});
