/**
 * ECOD: tail probabilities and scores by hand and against PyOD's ECOD formula (written out in numpy), the paper's
 * combination, skewness, the clamp rule, a quality floor, the model file, and parameter errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SCALED_VALUE_LIMIT } from '../../src/data/preprocess.js';
import { loadDetector } from '../../src/detectors/registry.js';
import { EcodDetector } from '../../src/detectors/ecod/detector.js';
import { columnIndex, columnSkewness, countAtMost, countBelow, countBelowIndexed, ecdfScores, fitEcdf, sortFloat32 } from '../../src/detectors/ecod/ecdf.js';
import { Rng } from '../../src/engine/rng.js';
import { auroc } from '../../src/metrics/ranking.js';
import { closeAbs, Q, REF, X } from '../support/ecdf-reference.js';
import { marginalBlob } from '../support/planted.js';

const none = { preprocessing: { scaling: 'none' } } as const;

describe('ecod: empirical tails', () => {
  it('by hand: [-1, 4.5] is below every value of feature 0 and above every value of feature 1', () => {
    // n = 8, so F = (count + 1) / 9. Feature 0: F_left = 1/9, F_right = 9/9: u_l = ln 9, u_r = 0; skewness > 0
    // picks u_r. Feature 1: u_l = 0, u_r = ln 9; skewness < 0 picks u_l. PyOD's ECOD: max per feature = ln 9 twice;
    // the paper: max(sum u_l, sum u_r, sum u_auto) = max(ln 9, ln 9, 0) = ln 9.
    const m = fitEcdf(Float32Array.from(X.flat()), 8, 2);
    const q = Float32Array.from([-1, 4.5]);
    closeAbs(ecdfScores(m, 'ecod', q, 1, 2), [2 * Math.log(9)], 1e-14, 'ecod');
    closeAbs(ecdfScores(m, 'paper', q, 1, 2), [Math.log(9)], 1e-14, 'paper');
    // Ties take the largest ECDF: 4.0 twice in feature 1, so for v = 4: #{x <= 4} = 8, #{x >= 4} = 2.
    closeAbs(ecdfScores(m, 'paper', Float32Array.from([6, 4]), 1, 2), [Math.max(Math.log(9 / 9) + Math.log(9 / 9), Math.log(9 / 2) + Math.log(9 / 3), Math.log(9 / 2) + Math.log(9 / 9))], 1e-14, 'ties');
  });

  it('counts below and at most a value: binary search, then galloping over runs of ties', () => {
    // 0 x 300, 1 x 500, 2 x 200, and single values 5, 7, 7.5.
    const col = Float32Array.from([...new Array(300).fill(0), ...new Array(500).fill(1), ...new Array(200).fill(2), 5, 7, 7.5]);
    const counts = (v: number) => { const b = countBelow(col, v); return [b, countAtMost(col, v, b)]; };
    assert.deepEqual([-1, 0, 0.5, 1, 2, 3, 5, 7, 7.5, 9].map(counts),
      [[0, 0], [0, 300], [300, 300], [300, 800], [800, 1000], [1000, 1000], [1000, 1001], [1001, 1002], [1002, 1003], [1003, 1003]]);
    for (let n = 1; n <= 70; n++) {
      const run = new Float32Array(n).fill(4);
      assert.deepEqual([countBelow(run, 4), countAtMost(run, 4, 0)], [0, n], `a run of ${n}`);
    }
  });

  it('the bucket index gives the binary search\'s counts: ties, bucket edges, values outside, NaN, constant columns', () => {
    const rng = new Rng(7);
    const columns: Float32Array[] = [
      Float32Array.from({ length: 5000 }, () => rng.normal()),
      Float32Array.from({ length: 3000 }, () => Math.floor(rng.uniform() * 5)), // 5 values, long runs of ties
      Float32Array.from({ length: 2000 }, () => Math.exp(8 * rng.normal())), // heavy tail: most rows in bucket 0
      Float32Array.from([-2, -2, 1e-30, 3]), new Float32Array(9).fill(1.5), Float32Array.from([4]),
    ];
    for (const [c, raw] of columns.entries()) {
      const col = Float32Array.from(raw).sort(), ix = columnIndex(col);
      const probes = [NaN, -Infinity, Infinity, col[0], col[col.length - 1], col[0] - 1, col[col.length - 1] + 1, ...col];
      // The edges themselves and the float32 values next to them.
      for (let b = 0; b <= ix.buckets; b++) { const e = ix.min + b * ix.width; probes.push(e, Math.fround(e), e * (1 + 1e-7), e * (1 - 1e-7)); }
      for (let i = 0; i < 2000; i++) probes.push(col[0] + (col[col.length - 1] - col[0]) * (rng.uniform() * 1.2 - 0.1));
      // The values looked up are float32 (the preprocessed rows).
      for (const v of probes.map(Math.fround)) assert.equal(countBelowIndexed(col, ix, v), countBelow(col, v), `column ${c}, value ${v}`);
    }
  });

  it('the radix sort orders float32 values as TypedArray sort does: signs, -0 before +0, infinities, subnormals, ties', () => {
    const rng = new Rng(11);
    const special = [0, -0, Infinity, -Infinity, 1e-45, -1e-45, 3.4e38, -3.4e38, 1, -1];
    for (const n of [1, 255, 256, 1000, 70000]) {
      const a = Float32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? special[i % special.length] : i % 3 === 0 ? Math.round(rng.normal()) : rng.normal() * 10 ** Math.floor(rng.uniform() * 20 - 10)));
      const want = Float32Array.from(a).sort();
      sortFloat32(a);
      assert.ok(a.every((v, i) => Object.is(v, want[i])), `n = ${n}`);
    }
    const withNaN = Float32Array.from({ length: 500 }, (_, i) => (i === 17 ? NaN : rng.normal()));
    const want = Float32Array.from(withNaN).sort();
    sortFloat32(withNaN);
    assert.ok(withNaN.every((v, i) => Object.is(v, want[i])), 'NaN goes last, through the built-in sort');
  });

  it('skewness: scipy.stats.skew (biased); 0 for constant and symmetric columns', () => {
    const m = fitEcdf(Float32Array.from(X.flat()), 8, 2);
    closeAbs(m.skewness, REF.skewness, 1e-6, 'skewness');
    const s = columnSkewness(Float32Array.from([3, 3, 3, 3, 0, 1, 2, 3]), 4, 2);
    assert.deepEqual(Array.from(s), [0, 0]);
  });

  it('agree with PyOD\'s ECOD for single new rows and for the training rows; combine paper with Algorithm 1', () => {
    const det = new EcodDetector(none).fit(X);
    closeAbs(det.scoreSamples(Q), REF.ecod, 1e-12, 'new rows');
    closeAbs(det.scoreSamples(X), REF.ecodTrain, 1e-12, 'training rows (each as one more row)');
    closeAbs(new EcodDetector({ ...none, combine: 'paper' }).fit(X).scoreSamples(Q), REF.paper, 1e-12, 'paper');
  });

  it('a value at the clamp limit beyond the training range scores +Infinity (saturated by the contract)', () => {
    const det = new EcodDetector(none).fit(X);
    const s = det.scoreSamples([[SCALED_VALUE_LIMIT, 3], [1, -1e9], [100, 3]]);
    assert.equal(s[0], Number.MAX_VALUE);
    assert.equal(s[1], Number.MAX_VALUE);
    assert.ok(s[2] < 5);
  });
});

describe('ecod detector', () => {
  for (const combine of ['pyod', 'paper'] as const) {
    it(`${combine}: rows beyond 4 in every feature rank on top (AUROC >= 0.99)`, () => {
      // Every planted value lies beyond 4, where 0.16 of the 2,500 inlier values do: each planted row's five tail
      // probabilities are among the smallest, an inlier has at most one or two such values.
      const { x, labels } = marginalBlob(500, 25, 5, 4);
      const data = { data: x, rows: 525, cols: 5 };
      const a = auroc(new EcodDetector({ combine }).fit(data).scoreSamples(data), labels);
      assert.ok(a >= 0.99, `AUROC ${a}`);
    });
  }

  it('the model file holds the sorted training columns; unsorted ones are refused', () => {
    const { x } = marginalBlob(60, 3, 3, 1);
    const data = { data: x, rows: 63, cols: 3 };
    const det = new EcodDetector().fit(data);
    assert.deepEqual(Array.from(loadDetector(det.toBytes(), 'm.abr').scoreSamples(data)), Array.from(det.scoreSamples(data)));
    const j = det.toJSON();
    assert.deepEqual(j.tensors.map((t) => [t.name, t.shape]), [['sorted', [3, 63]]]);
    const bad = JSON.parse(JSON.stringify(j));
    [bad.tensors[0].data[64], bad.tensors[0].data[65]] = [bad.tensors[0].data[65], bad.tensors[0].data[64]];
    assert.throws(() => loadDetector(bad, 'b.json'), /b\.json: ecod model: feature 1's training values are not sorted at 2/);
  });

  it('rejects bad parameters, naming them', () => {
    assert.throws(() => new EcodDetector({ combine: 'mean' as 'pyod' }), /ecod: invalid parameters\n {2}combine:/);
    assert.throws(() => new EcodDetector({ nBins: 3 } as never), /nBins/);
  });
});
