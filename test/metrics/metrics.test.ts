/** Metrics against hand-computed cases. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { auroc, averagePrecision } from '../../src/metrics/ranking.js';
import { flaggedCount, topKMetrics } from '../../src/metrics/threshold.js';

const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

describe('top-k precision / recall / F1', () => {
  it('counts the top k without ties', () => {
    // scores high to low: 0.9(1) 0.8(0) 0.7(1) 0.4(0) 0.2(1) 0.1(0); k = 3 -> TP 2 of 3 anomalies
    const r = topKMetrics([0.1, 0.9, 0.4, 0.7, 0.8, 0.2], [0, 1, 0, 1, 0, 1], 3);
    near(r.precision, 2 / 3, 'precision'); near(r.recall, 2 / 3, 'recall'); near(r.f1, 2 / 3, 'f1');
    assert.equal(r.tiedAtCut, 0);
  });
  it('takes the expected value over random tie-breaking at the cut, still flagging exactly k', () => {
    // scores: 5(1), then four rows tied at 3 with labels 1,0,0,1; k = 3: 2 places among 4 tied rows holding 2 anomalies
    const r = topKMetrics([5, 3, 3, 3, 3, 1], [1, 1, 0, 0, 1, 0], 3);
    near(r.truePositives, 1 + (2 * 2) / 4, 'expected TP');
    near(r.precision, 2 / 3, 'precision'); near(r.recall, 2 / 3, 'recall');
    assert.equal(r.tiedAtCut, 4);
  });
  it('all scores tied: precision equals the anomaly rate', () => {
    const r = topKMetrics([1, 1, 1, 1, 1], [1, 0, 0, 0, 0], 2);
    near(r.precision, 0.2, 'precision'); near(r.recall, 0.4, 'recall');
  });
  it('k = 0 and no anomalies give zeros, not NaN', () => {
    const r = topKMetrics([1, 2], [0, 0], 0);
    assert.deepEqual([r.precision, r.recall, r.f1], [0, 0, 0]);
    assert.equal(topKMetrics([1, 2], [0, 0], 1).f1, 0);
  });
  it('rejects bad input', () => {
    assert.throws(() => topKMetrics([1, 2], [0], 1), /2 scores but 1 labels/);
    assert.throws(() => topKMetrics([1, NaN], [0, 1], 1), /score 1 is NaN/);
    assert.throws(() => topKMetrics([1, 2], [0, 1], 3), /k must be/);
  });
  it('flaggedCount rounds ratio * n', () => {
    assert.equal(flaggedCount(0.2, 247011), 49402);
    assert.equal(flaggedCount(0.025, 1886), 47);
    assert.throws(() => flaggedCount(1.5, 10), /ratio/);
  });
});

describe('AUROC and average precision', () => {
  it('AUROC: perfect, reversed, ties count one half', () => {
    assert.equal(auroc([1, 2, 3, 4], [0, 0, 1, 1]), 1);
    assert.equal(auroc([4, 3, 2, 1], [0, 0, 1, 1]), 0);
    assert.equal(auroc([1, 1, 1, 1], [0, 1, 0, 1]), 0.5);
    // pairs (pos, neg): (0.8 vs 0.1, 0.4, 0.35)= 3 wins; (0.35 vs 0.1, 0.4)... hand count: 0.75
    near(auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75, 'sklearn example');
  });
  it('average precision matches scikit-learn on its documented example', () => {
    // sklearn: average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.8333...
    near(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 5 / 6, 'AP');
  });
  it('agree with pair counting and a threshold-by-threshold sum on random scores with many ties', () => {
    // Oracles straight from the definitions, O(n^2): every (anomaly, normal) pair, and every distinct threshold.
    const pairAuroc = (s: Float64Array, l: Uint8Array): number => {
      let wins = 0, pairs = 0;
      for (let i = 0; i < s.length; i++) if (l[i]) for (let j = 0; j < s.length; j++) if (!l[j]) { pairs++; wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0; }
      return wins / pairs;
    };
    const thresholdAp = (s: Float64Array, l: Uint8Array): number => {
      const pos = l.reduce((a, b) => a + b, 0);
      let ap = 0, prevRecall = 0;
      for (const t of [...new Set(s)].sort((a, b) => b - a)) {
        let tp = 0, flagged = 0;
        for (let i = 0; i < s.length; i++) if (s[i] >= t) { flagged++; tp += l[i]; }
        ap += (tp / pos - prevRecall) * (tp / flagged);
        prevRecall = tp / pos;
      }
      return ap;
    };
    const rng = new Rng(3);
    for (const [n, levels] of [[2, 2], [7, 3], [100, 5], [400, 1000], [400, 2]] as const) {
      const s = Float64Array.from({ length: n }, () => Math.floor(rng.uniform() * levels) - levels / 2);
      const l = Uint8Array.from({ length: n }, (_, i) => (i < 2 ? i : rng.uniform() < 0.3 ? 1 : 0));
      near(auroc(s, l), pairAuroc(s, l), `AUROC n=${n} levels=${levels}`);
      near(averagePrecision(s, l), thresholdAp(s, l), `AP n=${n} levels=${levels}`);
    }
  });
  it('infinite scores rank as extremes; a NaN score or a length mismatch is an error naming it', () => {
    assert.equal(auroc([-Infinity, 0, Infinity], [0, 1, 1]), 1);
    assert.equal(averagePrecision([Infinity, 0, -Infinity], [1, 0, 0]), 1);
    assert.throws(() => auroc([1, NaN, 2], [0, 1, 0]), { message: 'auroc: the score of row 2 is NaN' });
    assert.throws(() => averagePrecision([NaN], [1]), { message: 'averagePrecision: the score of row 1 is NaN' });
    assert.throws(() => auroc([1], [0, 1]), { message: 'auroc: 1 scores but 2 labels' });
  });
  it('NaN when one class is missing', () => {
    assert.ok(Number.isNaN(auroc([1, 2], [0, 0])));
    assert.ok(Number.isNaN(averagePrecision([1, 2], [0, 0])));
  });
});
