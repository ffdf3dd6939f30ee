/** mlpInputGradient: d (sum of the outputs) / d x of a dense stack, and its gradient wrt the weights. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withKernels } from '../../src/engine/backend/index.js';
import type { ActName } from '../../src/engine/backend/kernels.js';
import { denseStack, type DenseLayer, mlpInputGradient, mlpJacobian, square } from '../../src/engine/ops/index.js';
import { Rng } from '../../src/engine/rng.js';
import { parameter, Tensor, type Tensor as T } from '../../src/engine/tensor.js';
import { availableBackends } from '../support/backends.js';
import { gradCheck, randomData } from '../support/gradcheck.js';

const SIZES = [4, 5, 3], ACTS: ActName[] = ['softplus', 'tanh'];

function layersFrom(ws: T[]): DenseLayer[] {
  return ACTS.map((act, l) => ({ w: ws[2 * l], b: ws[2 * l + 1], act }));
}

function randomLayers(rng: Rng, acts: ActName[] = ACTS, sizes = SIZES): DenseLayer[] {
  return acts.map((act, l) => ({
    w: parameter(Float32Array.from({ length: sizes[l] * sizes[l + 1] }, () => rng.range(-1, 1)), [sizes[l], sizes[l + 1]]),
    b: parameter(Float32Array.from({ length: sizes[l + 1] }, () => rng.range(-0.5, 0.5)), [sizes[l + 1]]),
    act,
  }));
}

for (const k of availableBackends()) {
  describe(`mlpInputGradient on the ${k.name} backend`, () => {
    it('equals the Jacobian summed over the outputs and central differences of the summed outputs', () => withKernels(k, () => {
      const rng = new Rng(11);
      const layers = randomLayers(rng, ['softplus', 'sigmoid', 'leakyRelu'], [4, 6, 5, 3]);
      const x = new Tensor(Float32Array.from({ length: 12 }, () => rng.range(-1, 1)), [3, 4]);
      const g = mlpInputGradient(x, layers, 0.2);
      assert.deepEqual(g.shape, [3, 4]);
      const jac = mlpJacobian(x, layers, 0.2);
      const total = (xs: Float32Array): number[] => {
        const out = denseStack(new Tensor(xs, [3, 4]), layers, 0.2)[2].data;
        return [0, 1, 2].map((r) => out[r * 3] + out[r * 3 + 1] + out[r * 3 + 2]);
      };
      const h = 1e-2;
      for (let r = 0; r < 3; r++) {
        for (let i = 0; i < 4; i++) {
          const summed = jac.data[(r * 3) * 4 + i] + jac.data[(r * 3 + 1) * 4 + i] + jac.data[(r * 3 + 2) * 4 + i];
          assert.ok(Math.abs(g.data[r * 4 + i] - summed) < 1e-5, `row ${r}, x${i}: ${g.data[r * 4 + i]} vs Jacobian ${summed}`);
          const up = x.data.slice(), down = x.data.slice();
          up[r * 4 + i] += h; down[r * 4 + i] -= h;
          const num = (total(up)[r] - total(down)[r]) / (2 * h);
          assert.ok(Math.abs(g.data[r * 4 + i] - num) < 2e-3, `row ${r}, x${i}: ${g.data[r * 4 + i]} vs central difference ${num}`);
        }
      }
    }));

    it('one softplus layer: W sigmoid(W^T x + b), the Gaussian RBM\'s reconstruction minus its visible bias', () => withKernels(k, () => {
      const w = parameter(Float32Array.from([0.5, -1, 2, 0.25]), [2, 2]);
      const b = parameter(Float32Array.from([0.1, -0.3]), [2]);
      const x = new Tensor(Float32Array.from([1, -2]), [1, 2]);
      const g = mlpInputGradient(x, [{ w, b, act: 'softplus' }]);
      const s = (v: number) => 1 / (1 + Math.exp(-v));
      const s0 = s(0.5 * 1 + 2 * -2 + 0.1), s1 = s(-1 * 1 + 0.25 * -2 - 0.3);
      assert.ok(Math.abs(g.data[0] - (0.5 * s0 - 1 * s1)) < 1e-6 && Math.abs(g.data[1] - (2 * s0 + 0.25 * s1)) < 1e-6, `${Array.from(g.data)}`);
    }));

    it('is differentiable wrt the weights and biases (second order): gradient check of its square', () => withKernels(k, () => {
      const x = new Tensor(Float32Array.from(randomData(3 * 4, 5)), [3, 4]);
      const shapes = [[4, 5], [5], [5, 3], [3]];
      gradCheck(`mlpInputGradient (${k.name})`, (ws) => square(mlpInputGradient(x, layersFrom(ws))),
        shapes.map((shape, q) => ({ data: randomData(shape.reduce((a, b) => a * b, 1), 20 + q), shape })));
    }));

    it('is differentiable wrt x as well: gradient check', () => withKernels(k, () => {
      const layers = randomLayers(new Rng(4));
      gradCheck(`mlpInputGradient wrt x (${k.name})`, ([x]) => square(mlpInputGradient(x, layers)), [{ data: randomData(8, 9), shape: [2, 4] }]);
    }));
  });
}
