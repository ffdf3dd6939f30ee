/** The float64 eigensolver: hand cases, invariants on random symmetric matrices, rank deficiency, bad input. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { symmetricEigen } from '../../src/engine/linalg64.js';

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
