/**
 * COPOD: scores by hand and against PyOD's COPOD formula (written out in numpy), the clamp rule, a quality floor,
 * the model file, and parameter errors. The empirical tails are ECOD's (tested in ecod.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SCALED_VALUE_LIMIT } from '../../src/data/preprocess.js';
import { loadDetector } from '../../src/detectors/registry.js';
import { CopodDetector } from '../../src/detectors/copod/detector.js';
import { auroc } from '../../src/metrics/ranking.js';
import { closeAbs, Q, REF, X } from '../support/ecdf-reference.js';
import { marginalBlob } from '../support/planted.js';

const none = { preprocessing: { scaling: 'none' } } as const;

describe('copod', () => {
  it('by hand: per feature max(skewness-chosen tail, mean of both tails)', () => {
    // [-1, 4.5]: feature 0 (skewness > 0): u_l = ln 9, u_r = 0, so max(u_r, (u_l + u_r) / 2) = ln 9 / 2; feature 1
    // (skewness < 0): u_l = 0, u_r = ln 9, max(u_l, ln 9 / 2) = ln 9 / 2. [7, 0] is beyond feature 0's right tail and
    // feature 1's left tail, the tails the skewness picks: ln 9 each.
    const det = new CopodDetector(none).fit(X);
    closeAbs(det.scoreSamples([[-1, 4.5], [7, 0]]), [Math.log(9), 2 * Math.log(9)], 1e-14, 'scores');
  });

  it('agrees with PyOD\'s COPOD for single new rows', () => {
    closeAbs(new CopodDetector(none).fit(X).scoreSamples(Q), REF.copod, 1e-12, 'new rows');
  });

  it('a value at the clamp limit beyond the training range scores +Infinity (saturated by the contract)', () => {
    const s = new CopodDetector(none).fit(X).scoreSamples([[-SCALED_VALUE_LIMIT, 3], [1, 3]]);
    assert.equal(s[0], Number.MAX_VALUE);
    assert.ok(s[1] < 5);
  });

  it('rows beyond 4 in every feature rank on top (AUROC >= 0.99)', () => {
    // As for ECOD: every planted value is in a tail where 0.16 of the 2,500 inlier values are.
    const { x, labels } = marginalBlob(500, 25, 5, 4);
    const data = { data: x, rows: 525, cols: 5 };
    const a = auroc(new CopodDetector().fit(data).scoreSamples(data), labels);
    assert.ok(a >= 0.99, `AUROC ${a}`);
  });

  it('the model file holds the sorted training columns', () => {
    const { x } = marginalBlob(60, 3, 3, 2);
    const data = { data: x, rows: 63, cols: 3 };
    const det = new CopodDetector().fit(data);
    assert.deepEqual(Array.from(loadDetector(det.toBytes(), 'm.abr').scoreSamples(data)), Array.from(det.scoreSamples(data)));
    const bad = det.toJSON();
    bad.tensors[0].shape = [63, 3];
    assert.throws(() => loadDetector(bad, 'b.json'), /b\.json: copod model: tensor "sorted" has shape \[63, 3\], expected \[3, training rows\]/);
  });

  it('rejects parameters it does not have', () => {
    assert.throws(() => new CopodDetector({ combine: 'paper' } as never), /copod: invalid parameters\n {2}"combine": not a parameter of copod \(its parameters: seed, threshold, preprocessing\)/);
  });
});
