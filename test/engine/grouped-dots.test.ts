/** groupedDots (src/engine/ops/grouped.ts): values by hand, finite-difference gradients on every backend, errors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withKernels } from '../../src/engine/backend/index.js';
import { groupedDots, mul, sum } from '../../src/engine/ops/index.js';
import { Tensor } from '../../src/engine/tensor.js';
import { availableBackends } from '../support/backends.js';
import { gradCheck, randomData } from '../support/gradcheck.js';

for (const k of availableBackends()) {
  describe(`groupedDots on the ${k.name} backend`, () => {
    it('each group\'s A_g B_g^T, nothing across groups', () => withKernels(k, () => {
      // Group 0: a rows (1, 0), (0, 2); b rows (3, 4), (1, 1), (0, -1). Group 1: a (1, 1), (2, -1); b (5, 0), (1, 2), (-1, 1).
      const a = new Tensor(Float32Array.from([1, 0, 0, 2, 1, 1, 2, -1]), [4, 2]);
      const b = new Tensor(Float32Array.from([3, 4, 1, 1, 0, -1, 5, 0, 1, 2, -1, 1]), [6, 2]);
      const out = groupedDots(a, b, 2);
      assert.deepEqual(out.shape, [4, 3]);
      assert.deepEqual(Array.from(out.data), [3, 1, 0, 8, 2, -2, 5, 3, 0, 10, 0, -3]);
      // The same tensor on both sides: each group's Gram matrix.
      assert.deepEqual(Array.from(groupedDots(a, a, 2).data), [1, 0, 0, 4, 2, 1, 1, 5]);
    }));

    it('gradients match finite differences (distinct inputs, and one input on both sides)', () => withKernels(k, () => {
      const a = { data: randomData(3 * 4 * 5, 1), shape: [12, 5] }, b = { data: randomData(3 * 2 * 5, 2), shape: [6, 5] };
      gradCheck('groupedDots', ([x, y]) => groupedDots(x, y, 3), [a, b]);
      gradCheck('groupedDots (Gram)', ([x]) => groupedDots(x, x, 3), [a]);
      // Downstream of a reduction, as the contrastive losses use it.
      gradCheck('sum of squared groupedDots', ([x, y]) => { const g = groupedDots(x, y, 2); return sum(mul(g, g)); },
        [{ data: randomData(8, 3), shape: [4, 2] }, { data: randomData(12, 4), shape: [6, 2] }]);
    }));
  });
}

describe('groupedDots errors', () => {
  it('names the mismatch', () => {
    const a = new Tensor(new Float32Array(8), [4, 2]);
    assert.throws(() => groupedDots(a, new Tensor(new Float32Array(9), [3, 3]), 1), /rows have 2 and 3 values/);
    assert.throws(() => groupedDots(a, new Tensor(new Float32Array(6), [3, 2]), 2), /4 and 3 rows do not split into 2 groups/);
    assert.throws(() => groupedDots(a, a, 0), /do not split into 0 groups/);
    assert.throws(() => groupedDots(new Tensor(new Float32Array(8), [8]), a, 1), /needs 2-D tensors/);
  });
});
