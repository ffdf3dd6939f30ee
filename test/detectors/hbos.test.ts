/**
 * HBOS: scores against PyOD's HBOS formula (written out in numpy) on a small continuous case, a hand-computed
 * case with values on bin edges (where we follow numpy.histogram's bins, PyOD the bin below), the clamp rule, a
 * quality floor, the model file, and parameter errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SCALED_VALUE_LIMIT } from '../../src/data/preprocess.js';
import { loadDetector } from '../../src/detectors/registry.js';
import { HbosDetector } from '../../src/detectors/hbos/detector.js';
import { auroc } from '../../src/metrics/ranking.js';
import { marginalBlob } from '../support/planted.js';

function closeAbs(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

const none = { preprocessing: { scaling: 'none' } } as const;

// Float32 values (np.round(np.c_[rng.randn(12), rng.exponential(2.0, 12)], 3).astype(np.float32), RandomState(3)).
const X = [[1.7890000343322754, 2.25600004196167], [0.43700000643730164, 1.7869999408721924], [0.09600000083446503, 0.04899999871850014],
  [-1.8630000352859497, 1.6369999647140503], [-0.2770000100135803, 0.6000000238418579], [-0.35499998927116394, 1.0729999542236328],
  [-0.08299999684095383, 0.6669999957084656], [-0.6269999742507935, 2.36299991607666], [-0.04399999976158142, 1.1610000133514404],
  [-0.47699999809265137, 0.3409999907016754], [-1.3140000104904175, 1.5729999542236328], [0.8849999904632568, 3.0309998989105225]];
// Inside; below the first edge by < tol x width (bin 0) and above the last by more (least dense bin); far above; far both.
const Y = [[0.0, 1.0], [-1.9630000591278076, 3.3309998512268066], [6.789000034332275, 0.5], [-3.0, 9.0]];

// /usr/bin/python3 (numpy 1.24): PyOD 3.6.5's HBOS written out, per feature
//   hist, edges = np.histogram(X[:, i], bins=n_bins, density=True); inds = np.digitize(Y[:, i], edges, right=True)
//   s = np.log2(hist + alpha); ind 0 / n_bins + 1: s[0] / s[-1] within tol x the outer width, else s.min(); else s[ind - 1]
//   score = -sum over features. No value here lies on an inner edge, where the two bin rules differ.
const PYOD = {
  train: [2.2092655512898927, 1.6991978833541572, 2.209265551289895, 1.6991978833541572, 1.3797346489799103, 0.583582312151024,
    1.3797346489799098, 1.447729854199206, 0.583582312151024, 1.4477298541992067, 1.6991978833541577, 3.0054178881187807],
  y: [2.209265551289895, 4.929344845884, 4.7199292320095045, 6.643856189774724],
  yBins5Alpha02Tol02: [1.0677662753722048, 2.781243393481947, 2.3623026289877167, 3.228288654519276],
};

describe('hbos: scores', () => {
  it('agree with PyOD\'s HBOS (defaults nBins 10, alpha 0.1, tol 0.5) on training and new rows', () => {
    const det = new HbosDetector(none).fit(X);
    closeAbs(det.scoreSamples(X), PYOD.train, 1e-12, 'training rows');
    closeAbs(det.scoreSamples(Y), PYOD.y, 1e-12, 'new rows');
    const other = new HbosDetector({ ...none, nBins: 5, alpha: 0.2, tol: 0.2 }).fit(X);
    closeAbs(other.scoreSamples(Y), PYOD.yBins5Alpha02Tol02, 1e-12, 'nBins 5, alpha 0.2, tol 0.2');
  });

  it('by hand: x = 0, 1, 1, 2, 2, 2, 3, 3, 3, 10 in bins [k, k + 1) of width 1 (the last [9, 10])', () => {
    // counts 1, 2, 3, 3, 0, 0, 0, 0, 0, 1 of 10 rows: densities 0.1, 0.2, 0.3, 0.3, 0 ..., 0.1; score -log2(density + 0.1).
    const det = new HbosDetector(none).fit([0, 1, 1, 2, 2, 2, 3, 3, 3, 10].map((v) => [v]));
    assert.deepEqual(Array.from(det.histograms!.counts), [1, 2, 3, 3, 0, 0, 0, 0, 0, 1]);
    const q = [0, 1, 2, 2.5, 3, 5, 10, 10.4, 11, -0.3];
    const l2 = (v: number) => -Math.log2(v);
    // 1 and 2 sit on edges: scored by the bins that counted them (0.2 and 0.3); PyOD (np.digitize(right=True)) gives
    // them the bins below, 2.3219 and 1.7370. 10.4 is 0.4 <= 0.5 x 1 above the range (last bin); 11 is farther
    // (the least dense bin, an empty one: -log2(0.1)); -0.3 is within tol below (bin 0).
    const expected = [l2(0.2), l2(0.3), l2(0.4), l2(0.4), l2(0.4), l2(0.1), l2(0.2), l2(0.2), l2(0.1), l2(0.2)];
    closeAbs(det.scoreSamples(q.map((v) => [v])), expected, 1e-12, 'scores');
  });

  it('a constant feature: numpy\'s range value +- 0.5; other values beyond tol score as the least dense bin', () => {
    const det = new HbosDetector(none).fit([[2], [2], [2], [2]]);
    // Bins of width 0.1 over [1.5, 2.5]: 2 is on edge 5, so all four rows are in bin 5, density 4 / 0.1 / 4 = 10.
    assert.deepEqual(Array.from(det.histograms!.counts), [0, 0, 0, 0, 0, 4, 0, 0, 0, 0]);
    closeAbs(det.scoreSamples([[2], [2.06], [2.54], [3]]), [-Math.log2(10.1), -Math.log2(10.1), -Math.log2(0.1), -Math.log2(0.1)], 1e-12, 'scores');
  });

  it('a value at the clamp limit beyond the training range scores +Infinity (saturated by the contract)', () => {
    const det = new HbosDetector(none).fit(X);
    const s = det.scoreSamples([[0, SCALED_VALUE_LIMIT], [-1e9, 1], [0, 4]]);
    assert.equal(s[0], Number.MAX_VALUE);
    assert.equal(s[1], Number.MAX_VALUE);
    assert.ok(s[2] < 10);
  });
});

describe('hbos detector', () => {
  it('rows beyond 4 in every feature rank on top (AUROC >= 0.99)', () => {
    // Each planted row's 5 values lie in the outermost bins, which hold planted rows and about 0.16 of the 2,500
    // inlier values; every inlier has at most a value or two there, so it scores below every planted row.
    const { x, labels } = marginalBlob(500, 25, 5, 4);
    const data = { data: x, rows: 525, cols: 5 };
    const a = auroc(new HbosDetector().fit(data).scoreSamples(data), labels);
    assert.ok(a >= 0.99, `AUROC ${a}`);
  });

  it('the model file holds ranges and counts; bad ones are refused', () => {
    const { x } = marginalBlob(100, 5, 3, 1);
    const data = { data: x, rows: 105, cols: 3 };
    const det = new HbosDetector({ nBins: 7 }).fit(data);
    assert.deepEqual(Array.from(loadDetector(det.toBytes(), 'm.abr').scoreSamples(data)), Array.from(det.scoreSamples(data)));
    const j = det.toJSON();
    assert.deepEqual(j.tensors.map((t) => [t.name, t.shape]), [['range', [3, 2]], ['counts', [3, 7]]]);
    const bad = JSON.parse(JSON.stringify(j));
    bad.manifest.config.params.nBins = 8;
    assert.throws(() => loadDetector(bad, 'b.json'), /b\.json: hbos model: tensor "counts" has shape \[3, 7\], expected \[3, 8\]/);
    const neg = JSON.parse(JSON.stringify(j));
    neg.tensors[1].data[0] = -1;
    assert.throws(() => loadDetector(neg, 'n.json'), /n\.json: hbos model: counts must be non-negative integers/);
    const flip = JSON.parse(JSON.stringify(j));
    flip.tensors[0].data[0] = 9;
    assert.throws(() => loadDetector(flip, 'f.json'), /f\.json: hbos model: feature 0 has range \[9,/);
  });

  it('rejects bad parameters, naming them', () => {
    for (const nBins of [1, 2.5]) assert.throws(() => new HbosDetector({ nBins }), /hbos: invalid parameters\n {2}nBins:/);
    for (const alpha of [0, 1]) assert.throws(() => new HbosDetector({ alpha }), /alpha/);
    for (const tol of [0, 1]) assert.throws(() => new HbosDetector({ tol }), /tol/);
  });
});
