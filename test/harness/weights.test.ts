/** The auto-weights analysis: the simplex grid, the margin objective and leave-one-out. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { argMax, leaveOneOut, simplexGrid, weightMargins, type WeightCell } from '../../src/harness/weights.js';

describe('auto-weights analysis', () => {
  it('simplexGrid lists every weight vector on the grid once, each summing to 1', () => {
    const g = simplexGrid(4, 20);
    assert.equal(g.length, 1771); // C(23, 3)
    assert.ok(g.every((w) => Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-12 && w.every((x) => x >= 0)));
    assert.equal(new Set(g.map((w) => w.join())).size, g.length);
    assert.ok(g.some((w) => w.every((x) => x === 0.25)));
    assert.deepEqual(simplexGrid(1, 3).map((w) => Array.from(w)), [[1]]);
    assert.throws(() => simplexGrid(0, 3), /integer k >= 1/);
  });

  it('judges a weighting by its worse protocol against the best single detector there, and leaves one data set out', () => {
    const cell = (dataset: string, protocol: string, combo: number[], a: number, b: number): WeightCell => ({ dataset, protocol, combo: Float64Array.from(combo), single: { a, b } });
    // Weight 0 wins under p on average; weight 1 is the only one above the best single detector under both.
    const cells = [
      cell('x', 'p', [0.9, 0.8], 0.7, 0.75), cell('y', 'p', [0.9, 0.8], 0.7, 0.75),
      cell('x', 'q', [0.5, 0.8], 0.75, 0.7), cell('y', 'q', [0.5, 0.8], 0.75, 0.7),
    ];
    const m = weightMargins(cells, ['x', 'y'], ['p', 'q']);
    assert.ok(Math.abs(m[0] - (0.5 - 0.75)) < 1e-12 && Math.abs(m[1] - (0.8 - 0.75)) < 1e-12);
    assert.equal(argMax(m), 1);
    const lodo = leaveOneOut(cells, ['p', 'q']);
    assert.deepEqual(lodo.map((r) => [r.dataset, r.weightIndex, r.auroc.p, r.auroc.q]), [['x', 1, 0.8, 0.8], ['y', 1, 0.8, 0.8]]);
  });
});
