/** bench/score-by-class.ts's per-class summary: percentiles with ties, the protocol's cut with ties shared. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scoresByClass } from '../../bench/score-by-class.js';
import { topKMetrics } from '../../src/metrics/threshold.js';

describe('score by class', () => {
  // Scores sorted: -1 (a), 0 (b), 2 (b), 2 (c), 2 (c), 7 (a); n = 6, so percentiles are rank / 5.
  const scores = Float64Array.from([7, 2, -1, 2, 0, 2]);
  const labels = Uint8Array.from([1, 0, 1, 0, 0, 0]);
  const classOf = ['a', 'c', 'a', 'c', 'b', 'b'];

  it('gives each class its mean mid-rank percentile, ties at their mean rank', () => {
    const rows = scoresByClass(scores, labels, classOf, 2);
    const by = Object.fromEntries(rows.map((r) => [r.name, r]));
    // Ranks: -1 -> 0, 0 -> 1, the three 2s -> 3 each (ranks 2, 3, 4), 7 -> 5.
    assert.equal(by.a.meanPercentile, (0 / 5 + 5 / 5) / 2);
    assert.equal(by.b.meanPercentile, (1 / 5 + 3 / 5) / 2);
    assert.equal(by.c.meanPercentile, 3 / 5);
    assert.deepEqual(rows.map((r) => [r.name, r.label, r.testRows]), [['a', 1, 2], ['c', 0, 2], ['b', 0, 2]]);
  });

  it('flags the top k, rows tied at the cut sharing the remaining places, and agrees with topKMetrics', () => {
    const rows = scoresByClass(scores, labels, classOf, 2);
    const by = Object.fromEntries(rows.map((r) => [r.name, r]));
    // 7 is flagged; one place left for the three rows at 2: a third each.
    assert.equal(by.a.flagged, 1 / 2);
    assert.ok(Math.abs(by.c.flagged - 1 / 3) < 1e-15);
    assert.ok(Math.abs(by.b.flagged - 1 / 6) < 1e-15);
    assert.ok(Math.abs(rows.reduce((s, r) => s + r.shareOfFlagged, 0) - 1) < 1e-15);
    const m = topKMetrics(scores, labels, 2);
    const anomalyFlags = rows.filter((r) => r.label).reduce((s, r) => s + r.flagged * r.testRows, 0);
    assert.ok(Math.abs(anomalyFlags / 2 - m.precision) < 1e-12);
  });

  it('flags nothing at k = 0 and rejects bad input', () => {
    assert.ok(scoresByClass(scores, labels, classOf, 0).every((r) => r.flagged === 0 && r.shareOfFlagged === 0));
    assert.throws(() => scoresByClass(scores, labels, classOf, 7), /k must be an integer in \[0, 6\]/);
    assert.throws(() => scoresByClass(scores, labels.subarray(1), classOf, 1), /6 scores, 5 labels, 6 classes/);
    assert.throws(() => scoresByClass(scores, Uint8Array.from([1, 0, 0, 0, 0, 0]), classOf, 1), /class "a" holds rows of both labels/);
  });
});
