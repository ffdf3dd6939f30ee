/** ROC / PR curves and the confusion matrix: hand-computed cases and agreement with ranking.ts on tied data. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { confusionAt, curvesFromSortedClasses, precisionRecallCurve, rankingCurves, rocCurve, stepArea, trapezoidArea } from '../../src/metrics/curves.js';
import { auroc, averagePrecision } from '../../src/metrics/ranking.js';

const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);
const list = (a: Float64Array): number[] => Array.from(a);

// scores high to low: 0.9(1) 0.8(0) 0.8(1) 0.3(0) 0.1(0): 2 anomalies, 3 normal rows, one tie across classes
const scores = [0.8, 0.1, 0.9, 0.3, 0.8];
const labels = [0, 0, 1, 0, 1];

describe('rocCurve', () => {
  it('has one point per distinct score after (0, 0), the tie as one diagonal step', () => {
    const r = rocCurve(scores, labels);
    assert.deepEqual(list(r.thresholds), [Infinity, 0.9, 0.8, 0.3, 0.1]);
    assert.deepEqual(list(r.fpr), [0, 0, 1 / 3, 2 / 3, 1]);
    assert.deepEqual(list(r.tpr), [0, 0.5, 1, 1, 1]);
    // Mann-Whitney by hand: 0.9 beats all 3 negatives, 0.8 beats 2 and ties 1 -> 5.5 / 6
    near(trapezoidArea(r.fpr, r.tpr), 5.5 / 6, 'area');
  });
  it('needs both classes', () => {
    assert.throws(() => rocCurve([1, 2], [1, 1]), { message: 'ROC curve: needs both classes, got 2 anomalies and 0 normal rows' });
    assert.throws(() => rocCurve([1, 2], [0, 0]), { message: 'ROC curve: needs both classes, got 0 anomalies and 2 normal rows' });
  });
  it('rejects non-finite scores, bad labels and length mismatches, naming the row', () => {
    assert.throws(() => rocCurve([1, NaN, 2], [0, 1, 0]), { message: 'ROC curve: the score of row 2 is NaN; scores must be finite' });
    assert.throws(() => rocCurve([1, 2, Infinity], [0, 1, 0]), { message: 'ROC curve: the score of row 3 is Infinity; scores must be finite' });
    assert.throws(() => rocCurve([1, 2], [0, 2]), { message: 'ROC curve: the label of row 2 is 2; labels must be 0 or 1' });
    assert.throws(() => rocCurve([1, 2], [0]), { message: 'ROC curve: 2 scores but 1 labels' });
  });
});

describe('precisionRecallCurve', () => {
  it('starts at recall 0 / precision 1 and steps once per distinct score', () => {
    const c = precisionRecallCurve(scores, labels);
    assert.deepEqual(list(c.thresholds), [Infinity, 0.9, 0.8, 0.3, 0.1]);
    assert.deepEqual(list(c.recall), [0, 0.5, 1, 1, 1]);
    assert.deepEqual(list(c.precision), [1, 1, 2 / 3, 2 / 4, 2 / 5]);
    near(stepArea(c), 0.5 * 1 + 0.5 * (2 / 3), 'average precision');
  });
  it('all scores tied: one step to full recall at the anomaly rate', () => {
    const c = precisionRecallCurve([3, 3, 3, 3], [0, 1, 0, 0]);
    assert.deepEqual(list(c.recall), [0, 1]);
    assert.deepEqual(list(c.precision), [1, 0.25]);
  });
  it('needs an anomaly', () => {
    assert.throws(() => precisionRecallCurve([1, 2], [0, 0]), { message: 'precision-recall curve: needs at least one anomaly (label 1)' });
  });
});

describe('curves agree with auroc() and averagePrecision() on random data with ties', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}`, () => {
      const rng = new Rng(seed);
      const n = 300 + seed * 97;
      // Scores on a coarse grid so many rows tie, some ties spanning both classes.
      const s = Float64Array.from({ length: n }, () => Math.round(rng.normal() * 4) / 4);
      const l = Uint8Array.from({ length: n }, (_, i) => (rng.uniform() < 0.1 + 0.2 * Math.max(0, s[i]) ? 1 : 0));
      const r = rocCurve(s, l);
      assert.ok(r.fpr.length < n / 4, `expected heavy ties, got ${r.fpr.length} points for ${n} rows`);
      near(trapezoidArea(r.fpr, r.tpr), auroc(s, l), 'AUROC');
      near(stepArea(precisionRecallCurve(s, l)), averagePrecision(s, l), 'AP');
    });
  }
});

describe('rankingCurves and curvesFromSortedClasses', () => {
  it('give the same curves as the separate functions', () => {
    const both = rankingCurves(scores, labels);
    assert.deepEqual(both.roc, rocCurve(scores, labels));
    assert.deepEqual(both.pr, precisionRecallCurve(scores, labels));
    const sorted = curvesFromSortedClasses(Float64Array.from([0.8, 0.9]), Float64Array.from([0.1, 0.3, 0.8]));
    assert.deepEqual(sorted, both);
  });
  it('reject unsorted class scores and a missing class', () => {
    assert.throws(() => curvesFromSortedClasses(Float64Array.from([1, 3, 2]), Float64Array.from([0])),
      { message: 'curvesFromSortedClasses: anomaly scores are not ascending at index 2' });
    assert.throws(() => curvesFromSortedClasses(Float64Array.from([1]), Float64Array.from([NaN, 0])),
      { message: 'curvesFromSortedClasses: normal scores are not ascending at index 1' });
    assert.throws(() => rankingCurves([1, 2], [1, 1]), { message: 'ranking curves: needs both classes, got 2 anomalies and 0 normal rows' });
  });
});

describe('confusionAt', () => {
  it('flags rows strictly above the threshold', () => {
    assert.deepEqual(confusionAt(scores, labels, 0.5), {
      truePositives: 2, falsePositives: 1, falseNegatives: 0, trueNegatives: 2, precision: 2 / 3, recall: 1, f1: 0.8,
    });
    const atTie = confusionAt(scores, labels, 0.8); // the two 0.8 rows are not above 0.8
    assert.deepEqual([atTie.truePositives, atTie.falsePositives, atTie.falseNegatives, atTie.trueNegatives], [1, 0, 1, 3]);
    near(atTie.f1, 2 / 3, 'f1');
  });
  it('nothing flagged and no anomalies give zeros, not NaN', () => {
    const c = confusionAt([1, 2], [0, 0], 5);
    assert.deepEqual([c.precision, c.recall, c.f1, c.trueNegatives], [0, 0, 0, 2]);
  });
  it('rejects a NaN threshold', () => {
    assert.throws(() => confusionAt([1], [0], NaN), { message: 'metrics: the threshold is NaN' });
  });
});
