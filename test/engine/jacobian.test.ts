/** The MLP Jacobian and the contractive penalty: hand formulas, finite-difference Jacobians, training. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withKernels } from '../../src/engine/backend/index.js';
import type { ActName } from '../../src/engine/backend/kernels.js';
import { contractivePenalty, denseStack, type DenseLayer, mean, mlpJacobian } from '../../src/engine/ops/index.js';
import { Adam } from '../../src/engine/optim.js';
import { Rng } from '../../src/engine/rng.js';
import { parameter, Tape, Tensor } from '../../src/engine/tensor.js';
import { availableBackends } from '../support/backends.js';

function randomLayers(sizes: number[], acts: ActName[], rng: Rng): DenseLayer[] {
  return acts.map((act, l) => ({
    w: parameter(Float32Array.from({ length: sizes[l] * sizes[l + 1] }, () => rng.range(-1, 1)), [sizes[l], sizes[l + 1]]),
    b: parameter(Float32Array.from({ length: sizes[l + 1] }, () => rng.range(-0.5, 0.5)), [sizes[l + 1]]),
    act,
  }));
}

function randomInput(rows: number, cols: number, rng: Rng): Tensor {
  return new Tensor(Float32Array.from({ length: rows * cols }, () => rng.range(-1, 1)), [rows, cols]);
}

for (const k of availableBackends()) {
  describe(`MLP Jacobian on the ${k.name} backend`, () => {
    it('one tanh layer: penalty = sum_j (1 - h_j^2)^2 sum_i W_ij^2 (the classic CAE formula)', () => withKernels(k, () => {
      const rng = new Rng(1);
      const layers = randomLayers([3, 4], ['tanh'], rng);
      const x = randomInput(2, 3, rng);
      const h = denseStack(x, layers)[0];
      const p = contractivePenalty(x, layers);
      const w = layers[0].w.data;
      for (let r = 0; r < 2; r++) {
        let want = 0;
        for (let j = 0; j < 4; j++) {
          let col = 0;
          for (let i = 0; i < 3; i++) col += w[i * 4 + j] ** 2;
          want += (1 - h.data[r * 4 + j] ** 2) ** 2 * col;
        }
        assert.ok(Math.abs(p.data[r] - want) < 1e-5 * (1 + want), `row ${r}: ${p.data[r]} vs ${want}`);
      }
    }));

    it('three layers with mixed activations: equals central differences of the forward pass', () => withKernels(k, () => {
      const rng = new Rng(2);
      const layers = randomLayers([4, 6, 5, 3], ['tanh', 'softplus', 'sigmoid'], rng);
      const x = randomInput(3, 4, rng);
      const jac = mlpJacobian(x, layers);
      assert.deepEqual(jac.shape, [3, 3, 4]);
      const f = (xs: Float32Array): Float32Array => denseStack(new Tensor(xs, [3, 4]), layers)[2].data;
      const h = 1e-2;
      for (let r = 0; r < 3; r++) {
        for (let i = 0; i < 4; i++) {
          const up = x.data.slice(), down = x.data.slice();
          up[r * 4 + i] += h; down[r * 4 + i] -= h;
          const fu = f(up), fd = f(down);
          for (let o = 0; o < 3; o++) {
            const num = (fu[r * 3 + o] - fd[r * 3 + o]) / (2 * h), got = jac.data[(r * 3 + o) * 4 + i];
            assert.ok(Math.abs(got - num) < 1e-3, `row ${r} d h${o} / d x${i}: ${got} vs ${num}`);
          }
        }
      }
      // The penalty is the squared Frobenius norm of that Jacobian, whichever side accumulates.
      const fwd = contractivePenalty(x, layers, 0.01, 'forward'), rev = contractivePenalty(x, layers, 0.01, 'reverse');
      for (let r = 0; r < 3; r++) {
        let want = 0;
        for (let q = 0; q < 12; q++) want += jac.data[r * 12 + q] ** 2;
        assert.ok(Math.abs(fwd.data[r] - want) < 1e-5 * (1 + want) && Math.abs(rev.data[r] - want) < 1e-5 * (1 + want),
          `row ${r}: forward ${fwd.data[r]}, reverse ${rev.data[r]}, want ${want}`);
      }
    }));

    it('leaky ReLU layers use their slope: J = W^T scaled by 1 or the slope per unit', () => withKernels(k, () => {
      const w = parameter(Float32Array.from([1, -2, 3, 0.5]), [2, 2]);
      const x = new Tensor(Float32Array.from([1, 1]), [1, 2]); // pre-activations 4 and -1.5
      const jac = mlpJacobian(x, [{ w, b: null, act: 'leakyRelu' }], 0.3);
      assert.deepEqual(Array.from(jac.data), [1, 3, -2 * 0.3, 0.5 * 0.3].map(Math.fround));
    }));

    it('minimising the penalty through Adam lowers it (the gradient reaches the weights)', () => withKernels(k, () => {
      const rng = new Rng(3);
      const layers = randomLayers([5, 8, 3], ['tanh', 'tanh'], rng);
      const x = randomInput(16, 5, rng);
      const opt = new Adam(layers.flatMap((l) => [l.w, l.b!]), { lr: 0.02 });
      const tape = new Tape();
      const losses: number[] = [];
      for (let s = 0; s < 30; s++) {
        const loss = tape.record(() => mean(contractivePenalty(x, layers)));
        losses.push(loss.item());
        opt.zeroGrad();
        tape.backward(loss);
        opt.step();
      }
      tape.release();
      assert.ok(losses[29] < 0.5 * losses[0], `penalty ${losses[0]} -> ${losses[29]}`);
    }));
  });
}
