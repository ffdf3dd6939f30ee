/** The float64 eigensolver: hand cases, invariants on random symmetric matrices, rank deficiency, bad input. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { JACOBI_MAX_DIM, jacobiEigen, symmetricEigen, tridiagonalEigen } from '../../src/engine/linalg64.js';

/** max |A v_k - lambda_k v_k| and max |V V^T - I|. */
function residuals(a: Float64Array, d: number, values: Float64Array, vectors: Float64Array): { eig: number; ortho: number } {
  let eig = 0, ortho = 0;
  for (let k = 0; k < d; k++) {
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += a[i * d + j] * vectors[k * d + j];
      eig = Math.max(eig, Math.abs(s - values[k] * vectors[k * d + i]));
    }
    for (let l = 0; l < d; l++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += vectors[k * d + j] * vectors[l * d + j];
      ortho = Math.max(ortho, Math.abs(s - (k === l ? 1 : 0)));
    }
  }
  return { eig, ortho };
}

describe('symmetricEigen', () => {
  it('[[2, 1], [1, 2]]: values 3 and 1, vectors (1, 1)/sqrt 2 and (1, -1)/sqrt 2 (largest entry positive)', () => {
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    assert.ok(Math.abs(values[0] - 3) < 1e-15 && Math.abs(values[1] - 1) < 1e-15, `${values}`);
    const h = Math.SQRT1_2;
    [h, h, h, -h].forEach((v, i) => assert.ok(Math.abs(vectors[i] - v) < 1e-15, `vectors ${vectors}`));
  });

  it('a diagonal matrix: its entries in descending order, unit vectors', () => {
    const { values, vectors } = symmetricEigen(Float64Array.from([1, 0, 0, 0, 5, 0, 0, 0, -2]), 3);
    assert.deepEqual(Array.from(values), [5, 1, -2]);
    assert.deepEqual(Array.from(vectors), [0, 1, 0, 1, 0, 0, 0, 0, 1]);
  });

  it('random symmetric 40 x 40: A v = lambda v and V orthonormal to 1e-12, trace preserved, values descending', () => {
    const r = new Rng(3), d = 40, a = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) a[i * d + j] = a[j * d + i] = r.normal();
    const { values, vectors } = symmetricEigen(a, d);
    const res = residuals(a, d, values, vectors);
    assert.ok(res.eig < 1e-12 && res.ortho < 1e-12, JSON.stringify(res));
    let trace = 0, sum = 0;
    for (let i = 0; i < d; i++) { trace += a[i * d + i]; sum += values[i]; }
    assert.ok(Math.abs(trace - sum) < 1e-11);
    for (let k = 1; k < d; k++) assert.ok(values[k] <= values[k - 1]);
  });

  it('a rank-2 covariance of 6 features (B B^T): 4 zero eigenvalues to 1e-14; graded eigenvalues to 1e-15', () => {
    const d = 6, b = [[1, 2], [0.5, -1], [3, 0], [0, 0], [-1, 1], [2, 2]];
    const a = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) a[i * d + j] = b[i][0] * b[j][0] + b[i][1] * b[j][1];
    const { values, vectors } = symmetricEigen(a, d);
    for (let k = 2; k < d; k++) assert.ok(Math.abs(values[k]) < 1e-14, `value ${k}: ${values[k]}`);
    assert.ok(residuals(a, d, values, vectors).eig < 1e-13);
    // Eigenvalues 1e-12 .. 1 mixed by an orthogonal matrix come back within 1e-15 (the rounding of the mixing).
    const c = Float64Array.from([1, 1e-3, 1e-6, 1e-9, 1e-12]);
    const q = symmetricEigen(Float64Array.from({ length: 25 }, (_, i) => ((i * 7919) % 13) / 13), 5).vectors;
    const g = new Float64Array(25);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) for (let k = 0; k < 5; k++) g[i * 5 + j] += q[k * 5 + i] * c[k] * q[k * 5 + j];
    const back = symmetricEigen(g, 5).values;
    c.forEach((v, k) => assert.ok(Math.abs(back[k] - v) <= 1e-12 * v + 1e-15, `value ${k}: ${back[k]} vs ${v}`));
  });

  it('rejects non-finite entries and a wrong size', () => {
    assert.throws(() => symmetricEigen(Float64Array.from([1, NaN, NaN, 1]), 2), /symmetricEigen: non-finite entry at \[0, 1\]/);
    assert.throws(() => symmetricEigen(new Float64Array(5), 2), /expected 2 x 2 = 4 values, got 5/);
  });
});

describe('tridiagonalEigen (Householder + QL, symmetricEigen above JACOBI_MAX_DIM)', () => {
  /** A covariance of n rows of d correlated columns (rank about d / 2 plus noise). */
  function covariance(d: number, seed: number): Float64Array {
    const r = new Rng(seed), n = 2 * d, k = Math.max(1, d >> 1), x = new Float64Array(n * d);
    const z = Float64Array.from({ length: n * k }, () => r.normal()), b = Float64Array.from({ length: k * d }, () => r.normal());
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) {
      let s = 1e-3 * r.normal();
      for (let q = 0; q < k; q++) s += z[i * k + q] * b[q * d + j];
      x[i * d + j] = s;
    }
    const a = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += x[t * d + i] * x[t * d + j];
      a[i * d + j] = a[j * d + i] = s / n;
    }
    return a;
  }

  it('matches Jacobi on covariances of 1 to 40 features: values to 1e-13 of the largest, vectors to 1e-9 where values are apart', () => {
    for (const d of [1, 2, 3, 7, 16, 40]) {
      const a = covariance(d, d), j = jacobiEigen(a, d), q = tridiagonalEigen(a, d);
      for (let k = 0; k < d; k++) {
        assert.ok(Math.abs(j.values[k] - q.values[k]) <= 1e-13 * j.values[0], `d ${d} value ${k}: ${j.values[k]} vs ${q.values[k]}`);
        const gap = Math.min(k > 0 ? j.values[k - 1] - j.values[k] : Infinity, k < d - 1 ? j.values[k] - j.values[k + 1] : Infinity);
        if (gap < 1e-3 * j.values[0]) continue; // nearly repeated: the vector is not determined
        for (let i = 0; i < d; i++) assert.ok(Math.abs(j.vectors[k * d + i] - q.vectors[k * d + i]) < 1e-9, `d ${d} vector ${k}[${i}]`);
      }
    }
  });

  it('random symmetric 150 x 150 (indefinite) and a 200-feature covariance: A v = lambda v and V orthonormal to 1e-12, values descending', () => {
    const r = new Rng(5), d = 150, a = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) a[i * d + j] = a[j * d + i] = r.normal();
    for (const [m, n] of [[a, d], [covariance(200, 9), 200]] as const) {
      const { values, vectors } = symmetricEigen(m, n);
      const res = residuals(m, n, values, vectors);
      assert.ok(res.eig < 1e-12 * Math.max(1, Math.abs(values[0])) && res.ortho < 1e-12, JSON.stringify(res));
      for (let k = 1; k < n; k++) assert.ok(values[k] <= values[k - 1]);
      let big = 0;
      for (let k = 0; k < n; k++) { // the sign rule: each vector's largest entry positive
        for (let i = 0; i < n; i++) if (Math.abs(vectors[k * n + i]) > Math.abs(vectors[k * n + big])) big = i;
        assert.ok(vectors[k * n + big] > 0);
        big = 0;
      }
    }
  });

  it('repeated eigenvalues, a zero matrix, a diagonal one and a block of zero rows', () => {
    const d = 6, iden = new Float64Array(d * d);
    for (let i = 0; i < d; i++) iden[i * d + i] = 2;
    const id = tridiagonalEigen(iden, d);
    assert.deepEqual(Array.from(id.values), [2, 2, 2, 2, 2, 2]);
    assert.ok(residuals(iden, d, id.values, id.vectors).ortho < 1e-15);
    const zero = tridiagonalEigen(new Float64Array(d * d), d);
    assert.deepEqual(Array.from(zero.values), [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(tridiagonalEigen(Float64Array.from([1, 0, 0, 0, 5, 0, 0, 0, -2]), 3).values), [5, 1, -2]);
    // Rows and columns 0 and 3 zero: the reduction meets rows already reduced.
    const a = covariance(d, 4);
    for (let i = 0; i < d; i++) for (const z of [0, 3]) a[z * d + i] = a[i * d + z] = 0;
    const q = tridiagonalEigen(a, d), res = residuals(a, d, q.values, q.vectors);
    assert.ok(res.eig < 1e-13 && res.ortho < 1e-13, JSON.stringify(res));
    assert.ok(Math.abs(q.values[4]) < 1e-14 && Math.abs(q.values[5]) < 1e-14);
  });

  it('a rank-one matrix of ones (zeros ahead of the rest after the reduction): orthonormal vectors, values d and 0', () => {
    // With the deflation test against only the part of the tridiagonal seen so far, denormal subdiagonals kept
    // rotating and the vectors of d = 59 lost orthogonality (|V V^T - I| = 0.89).
    for (const d of [59, 100, 150]) {
      const a = new Float64Array(d * d).fill(1), q = tridiagonalEigen(a, d), res = residuals(a, d, q.values, q.vectors);
      assert.ok(res.eig < 1e-12 * d && res.ortho < 1e-12, `d ${d}: ${JSON.stringify(res)}`);
      assert.ok(Math.abs(q.values[0] - d) < 1e-12 * d && q.values.subarray(1).every((v) => Math.abs(v) < 1e-12 * d));
    }
  });

  it(`symmetricEigen uses Jacobi up to ${JACOBI_MAX_DIM} features (its results unchanged) and QL above`, () => {
    const small = covariance(JACOBI_MAX_DIM, 1), big = covariance(JACOBI_MAX_DIM + 1, 1);
    assert.deepEqual(symmetricEigen(small, JACOBI_MAX_DIM), jacobiEigen(small, JACOBI_MAX_DIM));
    assert.deepEqual(symmetricEigen(big, JACOBI_MAX_DIM + 1), tridiagonalEigen(big, JACOBI_MAX_DIM + 1));
  });

  it('rejects non-finite entries and a wrong size', () => {
    assert.throws(() => tridiagonalEigen(Float64Array.from([1, Infinity, Infinity, 1]), 2), /symmetricEigen: non-finite entry at \[0, 1\]/);
    assert.throws(() => tridiagonalEigen(new Float64Array(3), 2), /expected 2 x 2 = 4 values, got 3/);
  });
});
