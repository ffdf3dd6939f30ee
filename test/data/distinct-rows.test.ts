/** Grouping of bit-identical rows: groups in order of first occurrence, counts, and bitwise (not numeric) equality. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { distinctRows } from '../../src/data/distinct-rows.js';
import { Rng } from '../../src/engine/rng.js';

describe('distinctRows', () => {
  it('groups equal rows in order of first occurrence', () => {
    const x = Float32Array.from([1, 2, 3, 4, 1, 2, 5, 6, 3, 4, 1, 2, 2, 1]);
    const g = distinctRows(x, 7, 2);
    assert.equal(g.count, 4);
    assert.deepEqual(Array.from(g.first), [0, 1, 3, 6]);
    assert.deepEqual(Array.from(g.multiplicity), [3, 2, 1, 1]);
    assert.deepEqual(Array.from(g.groupOf), [0, 1, 0, 2, 1, 0, 3]);
  });

  it('compares bits: 0 and -0 stay apart, equal NaN bits merge; zero columns and zero rows work', () => {
    const g = distinctRows(Float32Array.from([0, -0, 0, NaN, NaN]), 5, 1);
    assert.deepEqual(Array.from(g.groupOf), [0, 1, 0, 2, 2]);
    assert.equal(distinctRows(new Float32Array(0), 4, 0).count, 1);
    assert.equal(distinctRows(new Float32Array(0), 0, 3).count, 0);
  });

  it('agrees with a string-keyed grouping on many rows with collisions of the hash table slots', () => {
    const r = new Rng(11), rows = 5000, cols = 3;
    const x = Float32Array.from({ length: rows * cols }, () => Math.floor(r.uniform() * 4));
    const g = distinctRows(x, rows, cols), seen = new Map<string, number>();
    for (let i = 0; i < rows; i++) {
      const key = Array.from(x.subarray(i * cols, (i + 1) * cols)).join(',');
      if (!seen.has(key)) seen.set(key, seen.size);
      assert.equal(g.groupOf[i], seen.get(key));
    }
    assert.equal(g.count, seen.size);
    assert.equal(Array.from(g.multiplicity).reduce((a, b) => a + b, 0), rows);
    assert.throws(() => distinctRows(new Float32Array(5), 2, 3), /needs 6 values, got 5/);
  });
});
