/** Reference values for the empirical-CDF detectors (ECOD, COPOD), shared by their tests. */
import assert from 'node:assert/strict';

export function closeAbs(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

// Feature 0 skewed right, feature 1 left; ties in both. Values exact in float32.
export const X = [[0.5, 4.0], [1.0, 3.5], [0.25, 4.0], [3.0, 3.75], [0.75, 1.0], [1.5, 3.0], [0.5, 2.5], [6.0, 3.25]];
export const Q = [[1.0, 3.0], [-1.0, 4.5], [7.0, 0.0], [0.5, 4.0], [2.0, 2.0]];
// /usr/bin/python3 (numpy 1.24, scipy 1.10): PyOD 3.6.5's decision_function for one new row q written out:
//   Z = np.vstack([X, q]); ul = -np.log(column_ecdf(Z))[-1]; ur = -np.log(column_ecdf(-Z))[-1]  (ECDF: #{z <= v} / len, ties max)
//   s = np.sign(np.nan_to_num(skew(X, axis=0)))  (the training rows' skewness: 1.5466, -1.2528)
//   uskew = ul * -1 * np.sign(s - 1) + ur * np.sign(s + 1)
//   ecod = np.maximum(np.maximum(ul, ur), uskew).sum(); copod = np.maximum(uskew, (ul + ur) / 2).sum()
//   paper = max(ul.sum(), ur.sum(), np.where(s < 0, ul, ur).sum())
export const REF = {
  skewness: [1.546568, -1.25278707],
  ecod: [1.3987168811184478, 4.394449154672439, 4.394449154672439, 1.9095425048844386, 2.6026896854443837],
  copod: [1.3987168811184478, 2.1972245773362196, 4.394449154672439, 1.013662770270411, 2.6026896854443837],
  paper: [1.3987168811184478, 2.1972245773362196, 4.394449154672439, 1.2163953243244934, 2.6026896854443837],
  ecodTrain: [1.9095425048844386, 1.175573329804238, 2.6026896854443837, 1.9095425048844386, 2.0918640616783932, 1.6218604324326575,
    1.9095425048844386, 2.0918640616783932],
};
