/** Finite-difference gradient checks for every differentiable op, on every available backend. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rowPeriod } from '../../src/engine/ops/broadcast.js';
import { add, clampMin, div, mul, norm, sub, unitNormalize } from '../../src/engine/ops/index.js';
import { tensor } from '../../src/engine/tensor.js';
import { withKernels } from '../../src/engine/backend/index.js';
import { availableBackends } from '../support/backends.js';
import { gradCheck } from '../support/gradcheck.js';
import { opCases } from '../support/op-cases.js';

for (const k of availableBackends()) {
  describe(`gradients on the ${k.name} backend`, () => {
    for (const [name, f, inputs, opts] of opCases) {
      it(name, () => withKernels(k, () => gradCheck(name, f, inputs, { samples: 24, ...(opts ?? {}) })));
    }
  });
}

describe('rowPeriod', () => {
  it('finds the repeated trailing block of a broadcast operand, and 0 for anything else', () => {
    assert.equal(rowPeriod([3, 4], [4]), 4);
    assert.equal(rowPeriod([3, 4], [1, 4]), 4);
    assert.equal(rowPeriod([2, 3, 4], [3, 4]), 12);
    assert.equal(rowPeriod([3, 4], []), 1);
    assert.equal(rowPeriod([3, 4], [1, 1]), 1);
    assert.equal(rowPeriod([3, 4], [3, 1]), 0);
    assert.equal(rowPeriod([2, 3, 4], [2, 1, 4]), 0);
    assert.equal(rowPeriod([2, 3, 4], [1, 3, 1]), 0);
  });

  it('the index-free forward loops give a op b elementwise, with the block on either side', () => {
    const m = tensor([1, 2, 3, 4, 5, 6], [2, 3]), row = tensor([10, 20, 40], [3]);
    assert.deepEqual([...add(row, m).data], [11, 22, 43, 14, 25, 46]);
    assert.deepEqual([...sub(m, row).data], [-9, -18, -37, -6, -15, -34]);
    assert.deepEqual([...sub(row, m).data], [9, 18, 37, 6, 15, 34]);
    assert.deepEqual([...mul(m, row).data], [10, 40, 120, 40, 100, 240]);
    assert.deepEqual([...div(m, tensor([2], [1, 1])).data], [0.5, 1, 1.5, 2, 2.5, 3]);
  });
});

describe('unitNormalize', () => {
  it('gives the forward values of div(x, clampMin(norm(x, axis, true), eps)) bit for bit (its gradient: the op cases above)', () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.7) * (i % 5 === 0 ? 1e-3 : 2));
    data.fill(0, 8, 12); // one all-zero slice along the last axis: clamped, divided by eps
    for (const axis of [0, 1, 2]) {
      const x = tensor(data, [2, 3, 4]);
      const want = div(x, clampMin(norm(x, axis, true), 1e-12)), got = unitNormalize(x, axis);
      assert.deepEqual(got.shape, [2, 3, 4]);
      assert.ok(got.data.every((v, i) => Object.is(v, want.data[i])), `axis ${axis}`);
    }
    // Unit length per row of a [2, 4] matrix; the zero row stays zero.
    const y = unitNormalize(tensor([3, 0, 4, 0, 0, 0, 0, 0], [2, 4]), 1);
    assert.deepEqual([...y.data], [0.6, 0, 0.8, 0, 0, 0, 0, 0].map(Math.fround));
  });
});
