/** The pieces of bench/paper-studies.ts that decide its numbers: the protocol's flagged set and Table 4's counts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectionOverlap, flagTop, meanRowSum } from '../../bench/paper-studies.js';

describe('paper studies', () => {
  it('flags round(ratio x n) rows, the highest scores, lower row first on ties; the cut is the lowest flagged score', () => {
    const { flagged, cut } = flagTop(Float64Array.from([0.1, 5, 3, 3, -2, 9, 3, 0]), 0.5);
    assert.deepEqual([...flagged], [0, 1, 1, 1, 0, 1, 0, 0]);
    assert.equal(cut, 3);
    assert.equal(flagTop(Float64Array.from([1, 2]), 0).flagged.reduce((a, b) => a + b, 0), 0);
  });

  it('counts anomalies flagged by both, by one, by neither (normal rows ignored)', () => {
    const labels = Uint8Array.from([1, 1, 1, 1, 1, 0, 0]);
    const a = Uint8Array.from([1, 1, 0, 0, 1, 1, 0]), b = Uint8Array.from([1, 0, 1, 0, 0, 1, 1]);
    assert.deepEqual(detectionOverlap(a, b, labels), { anomalies: 5, both: 1, onlyA: 2, onlyB: 1, neither: 1 });
    assert.throws(() => detectionOverlap(a, b.subarray(1), labels), /7 and 6 flags for 7 labels/);
  });

  it('averages row sums of per-feature errors over the selected rows', () => {
    const e = Float32Array.from([1, 2, 3, 4, 10, 20]);
    assert.equal(meanRowSum(e, 2), (3 + 7 + 30) / 3);
    assert.equal(meanRowSum(e, 2, Uint8Array.from([1, 0, 1])), (3 + 30) / 2);
    assert.ok(Number.isNaN(meanRowSum(e, 2, new Uint8Array(3))));
  });
});
