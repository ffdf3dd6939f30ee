/**
 * The one-class SVM: decision values against scikit-learn (libsvm) on a fixed small set, the optimality (KKT)
 * conditions and the nu-property at the solution, the kernel cache and shrinking, the linear solver against
 * the exact one, the Nystroem solver (exact when every row is a landmark), a planted-anomaly quality floor, the
 * model file, and parameter errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { loadDetector } from '../../src/detectors/registry.js';
import { OneClassSvmDetector } from '../../src/detectors/ocsvm/detector.js';
import { decisionValues, scaleGamma, type KernelExpansion } from '../../src/detectors/ocsvm/expansion.js';
import { fitNystroemOneClass, GEMM_FEATURE_ERROR_BOUND, solveLinearOneClass } from '../../src/detectors/ocsvm/nystroem.js';
import { LinearKernelMatrix, RbfKernelMatrix, solveOneClassSmo, type OneClassSolution } from '../../src/detectors/ocsvm/smo.js';
import { auroc } from '../../src/metrics/ranking.js';
import { blob } from '../support/planted.js';

// 36 rows of N(0, diag(1, 0.25, 4)) and 4 of N(3, 16 I), rounded to 2 decimals; generated once with
// numpy.random.RandomState(7): np.round(np.vstack([rng.randn(36, 3) * [1.0, 0.5, 2.0], rng.randn(4, 3) * 4 + 3]), 2).
const X = [[1.69, -0.23, 0.07], [0.41, -0.39, 0.0], [-0.0, -0.88, 2.04], [0.6, -0.31, -0.34], [0.51, -0.13, -0.49], [-1.45, 0.28, 0.25], [0.27, -0.76, 3.3], [0.15, -0.19, 4.06], [-0.05, -0.73, -0.81], [-2.29, 0.52, -0.83], [-0.74, 0.54, -3.3], [0.54, -1.03, -1.32], [-1.2, 0.73, 3.53], [-0.33, 0.42, -0.36], [0.57, -0.38, -3.42], [-1.8, 0.19, 4.5], [0.27, -0.26, 3.82], [0.24, 0.05, 0.51], [-0.13, -0.15, -2.87], [0.5, -0.05, 2.39], [-0.37, -0.95, -0.2], [1.7, -0.19, -1.78], [-1.19, -0.53, -0.6], [-1.18, 0.75, -0.57], [0.11, 0.72, 3.01], [-0.21, 0.17, 1.47], [-0.19, -0.89, 1.31], [0.89, 0.21, -1.85], [-0.2, -0.3, -0.6], [1.3, 0.76, 1.34], [0.55, 0.34, -0.02], [-0.08, -0.34, -0.11], [2.26, 0.43, -0.68], [-0.47, -0.43, 0.75], [0.39, -0.72, 0.97], [-0.57, 0.71, 0.31], [9.87, 1.17, 1.85], [4.2, 7.22, 5.26], [-1.93, 3.73, 3.09], [1.28, 0.41, 9.99]];
const Y = [[0, 0, 0], [1, 1, 1], [3, -2, 0.5], [-4, 4, 8], [0.2, 0.1, -1]];

/**
 * scikit-learn 1.2.1 (libsvm inside), float64: m = OneClassSVM(kernel='rbf', nu=nu, gamma=gamma, tol=tol).fit(X);
 * m._gamma, len(m.support_), m.offset_[0] (= rho) and m.decision_function(Y), printed with '%.12g'.
 */
const SKLEARN = [
  { nu: 0.3, gamma: 0.5, tol: 1e-3, gammaValue: 0.5, nSV: 25, rho: 0.9298416844365562, dec: [0.117853233176, -0.0392191401814, -0.889215487638, -0.929840976071, -0.0178016963215] },
  { nu: 0.5, gamma: 'scale', tol: 1e-3, gammaValue: 0.0820666151812638, nSV: 22, rho: 7.319838740324265, dec: [1.06444643619, 0.107107119601, -3.65326930262, -7.03603686147, 0.871858974637] },
  { nu: 0.1, gamma: 'auto', tol: 1e-9, gammaValue: 0.3333333333333333, nSV: 22, rho: 0.37300385692322885, dec: [0.0618252486052, -0.00226565080588, -0.337386368276, -0.372968321253, 0.0340951576007] },
  { nu: 0.3, gamma: 0.5, tol: 1e-9, gammaValue: 0.5, nSV: 25, rho: 0.9298450247305433, dec: [0.118052476127, -0.0393234989222, -0.889227760291, -0.929844316447, -0.0177141473286] },
] as const;

const x64 = Float64Array.from(X.flat()), y64 = Float64Array.from(Y.flat());

/** The exact solution as a kernel expansion over the rows with a_i > 0. */
function expansion(x: ArrayLike<number>, cols: number, sol: OneClassSolution, gamma: number): KernelExpansion {
  const sv = Array.from(sol.alpha.keys()).filter((i) => sol.alpha[i] > 0);
  const vectors = new Float32Array(sv.length * cols);
  sv.forEach((r, k) => { for (let c = 0; c < cols; c++) vectors[k * cols + c] = x[r * cols + c]; });
  return { vectors, count: sv.length, cols, coef: Float64Array.from(sv.map((i) => sol.alpha[i])), rho: sol.rho, gamma };
}

/** The same, with float64 expansion rows (so the reference data keeps every digit). */
function decision64(x: Float64Array, cols: number, sol: OneClassSolution, gamma: number, y: Float64Array): Float64Array {
  const out = new Float64Array(y.length / cols);
  for (let r = 0; r < out.length; r++) {
    let s = 0;
    sol.alpha.forEach((a, i) => {
      if (a === 0) return;
      let d2 = 0;
      for (let c = 0; c < cols; c++) d2 += (y[r * cols + c] - x[i * cols + c]) ** 2;
      s += a * Math.exp(-gamma * d2);
    });
    out[r] = s - sol.rho;
  }
  return out;
}

function closeRel(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= rel * Math.abs(expected[i]) + 1e-9, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('ocsvm: exact SMO against scikit-learn', () => {
  for (const ref of SKLEARN) {
    it(`nu ${ref.nu}, gamma ${ref.gamma}, tol ${ref.tol}: gamma, support vectors, rho and decision values`, () => {
      const gamma = ref.gamma === 'scale' ? scaleGamma(x64, 40, 3) : ref.gamma === 'auto' ? 1 / 3 : ref.gamma;
      assert.ok(Math.abs(gamma - ref.gammaValue) <= 1e-14 * ref.gammaValue, `gamma ${gamma} vs ${ref.gammaValue}`);
      const sol = solveOneClassSmo(new RbfKernelMatrix(x64, 40, 3, gamma), { nu: ref.nu, tol: ref.tol, cacheBytes: 1e6, shrinking: true });
      assert.ok(sol.converged);
      assert.equal(sol.alpha.filter((a) => a > 0).length, ref.nSV);
      closeRel([sol.rho], [ref.rho], 1e-4, 'rho');
      closeRel(decision64(x64, 3, sol, gamma, y64), ref.dec, 1e-4, 'decision');
    });
  }

  it('the detector scores -decision_function (preprocessing off; float32 rows)', () => {
    const det = new OneClassSvmDetector({ nu: 0.5, gamma: 'scale', preprocessing: { scaling: 'none' } }).fit(X);
    closeRel(det.scoreSamples(Y), SKLEARN[1].dec.map((v) => -v), 1e-4, 'score');
    const r = det.resolvedConfig();
    assert.equal(r.solver, 'smo');
    assert.equal(r.gammaRule, 'scale');
    assert.ok(Math.abs((r.gamma as number) - SKLEARN[1].gammaValue) < 1e-6 * SKLEARN[1].gammaValue);
    assert.equal(new OneClassSvmDetector({ gamma: 'auto', preprocessing: { scaling: 'none' } }).fit(X).resolvedConfig().gamma, 1 / 3);
  });
});

describe('ocsvm: optimality of the exact solution', () => {
  const { x } = blob(300, 15, 4, 11);
  const l = 315, gamma = 0.3;
  for (const nu of [0.05, 0.2, 0.5, 1]) {
    it(`nu ${nu}: feasibility, KKT conditions within tol, and the nu-property`, () => {
      const tol = 1e-4;
      const sol = solveOneClassSmo(new RbfKernelMatrix(x, l, 4, gamma), { nu, tol, cacheBytes: 1e6, shrinking: true });
      assert.ok(sol.converged && sol.gap < tol);
      const sum = sol.alpha.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - nu * l) < 1e-9 * l, `sum of alpha ${sum}, nu l = ${nu * l}`);
      // f(x_i) by evaluating the expansion afresh (not the solver's gradients).
      const f = decisionValues(expansion(x, 4, sol, gamma), x, l);
      let outside = 0, onOrOutside = 0;
      sol.alpha.forEach((a, i) => {
        assert.ok(a >= 0 && a <= 1, `alpha ${i} = ${a}`);
        if (a < 1) assert.ok(f[i] >= -tol - 1e-9, `a_${i} = ${a} < 1 but f = ${f[i]}`);
        if (a > 0) assert.ok(f[i] <= tol + 1e-9, `a_${i} = ${a} > 0 but f = ${f[i]}`);
        if (f[i] < -tol) outside++;
        if (f[i] <= tol) onOrOutside++;
      });
      // Schoelkopf et al., Proposition 4: outliers <= nu l <= support vectors (here: rows on or outside).
      assert.ok(outside <= nu * l, `${outside} rows outside, nu l = ${nu * l}`);
      assert.ok(onOrOutside >= nu * l, `${onOrOutside} rows on or outside, nu l = ${nu * l}`);
    });
  }

  it('the cache bound and shrinking do not change the solution', () => {
    const q = new RbfKernelMatrix(x, l, 4, gamma);
    const big = solveOneClassSmo(q, { nu: 0.2, tol: 1e-9, cacheBytes: 1e8, shrinking: true });
    // 2 columns of cache: every column is recomputed and evicted, and shrinking swaps rows under it.
    const tiny = solveOneClassSmo(q, { nu: 0.2, tol: 1e-9, cacheBytes: 8, shrinking: true });
    assert.ok(big.iterations > l, `${big.iterations} iterations: shrinking (every ${l}) must have run`);
    assert.deepEqual(Array.from(tiny.alpha), Array.from(big.alpha));
    assert.equal(tiny.iterations, big.iterations);
    const plain = solveOneClassSmo(q, { nu: 0.2, tol: 1e-9, cacheBytes: 8, shrinking: false });
    closeRel(plain.alpha, big.alpha, 1e-5, 'alpha without shrinking');
    closeRel([plain.objective], [big.objective], 1e-9, 'objective');
  });

  it('reports non-convergence instead of looping when maxIterations runs out', () => {
    const sol = solveOneClassSmo(new RbfKernelMatrix(x, l, 4, gamma), { nu: 0.2, tol: 1e-9, cacheBytes: 1e6, shrinking: true, maxIterations: 5 });
    assert.equal(sol.iterations, 5);
    assert.equal(sol.converged, false);
    assert.ok(sol.gap > 1e-9);
    const det = new OneClassSvmDetector({ nu: 0.2, maxIterations: 5 }).fit({ data: x, rows: l, cols: 4 });
    assert.equal(det.resolvedConfig().converged, false);
    assert.ok(det.scoreSamples({ data: x, rows: l, cols: 4 }).every(Number.isFinite));
  });
});

describe('ocsvm: linear and Nystroem solvers', () => {
  it('the linear solver reaches the exact SMO solution with the linear kernel', () => {
    const r = new Rng(5), n = 200, m = 6;
    const phi = Float64Array.from({ length: n * m }, () => r.normal() + 1);
    const exact = solveOneClassSmo(new LinearKernelMatrix(phi, n, m), { nu: 0.15, tol: 1e-9, cacheBytes: 1e6, shrinking: true });
    const lin = solveLinearOneClass(phi, n, m, { nu: 0.15, tol: 1e-9, maxIterations: 1e6 });
    assert.ok(lin.converged && exact.converged);
    closeRel([lin.objective], [exact.objective], 1e-7, 'objective');
    closeRel([lin.rho], [exact.rho], 1e-6, 'rho');
    const sum = lin.alpha.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 0.15 * n) < 1e-9);
  });

  it('with every training row a landmark, Nystroem is the exact solver everywhere', () => {
    const gamma = 0.5;
    const exact = solveOneClassSmo(new RbfKernelMatrix(x64, 40, 3, gamma), { nu: 0.3, tol: 1e-9, cacheBytes: 1e6, shrinking: true });
    const ny = fitNystroemOneClass(Float32Array.from(x64), 40, 3, { nu: 0.3, gamma, components: 100, tol: 1e-9, maxIterations: 1e6, rng: new Rng(1) });
    assert.equal(ny.landmarks, 40);
    assert.equal(ny.jitter, 0);
    closeRel(decisionValues(ny.model, y64, 5), SKLEARN[3].dec, 1e-4, 'decision vs scikit-learn');
    closeRel([ny.objective], [exact.objective], 1e-6, 'objective');
  });

  it('the working-set passes reach the exact solution with many rows (every pass takes a subproblem of 256 at most)', () => {
    const r = new Rng(9), n = 1500, m = 5;
    const phi = Float64Array.from({ length: n * m }, () => r.normal() + 0.5);
    const exact = solveOneClassSmo(new LinearKernelMatrix(phi, n, m), { nu: 0.1, tol: 1e-9, cacheBytes: 1e8, shrinking: true });
    for (const shrinking of [true, false]) {
      const lin = solveLinearOneClass(phi, n, m, { nu: 0.1, tol: 1e-9, maxIterations: 1e7, shrinking });
      assert.ok(lin.converged, `shrinking ${shrinking}: converged`);
      closeRel([lin.objective], [exact.objective], 1e-8, `objective (shrinking ${shrinking})`);
      closeRel([lin.rho], [exact.rho], 1e-6, `rho (shrinking ${shrinking})`);
    }
  });

  it('merging equal rows (bounds = counts) solves the same problem as the repeated rows', () => {
    const r = new Rng(3), distinct = 60, m = 4, counts = Array.from({ length: distinct }, (_, i) => 1 + (i % 5) * 3);
    const base = Float64Array.from({ length: distinct * m }, () => r.normal());
    const rows: number[] = [];
    counts.forEach((c, i) => { for (let k = 0; k < c; k++) rows.push(i); });
    const order = r.permutation(rows.length), n = rows.length;
    const phi = new Float64Array(n * m);
    for (let k = 0; k < n; k++) phi.set(base.subarray(rows[order[k]] * m, (rows[order[k]] + 1) * m), k * m);
    const full = solveLinearOneClass(phi, n, m, { nu: 0.2, tol: 1e-10, maxIterations: 1e7 });
    const merged = solveLinearOneClass(base, distinct, m, { nu: 0.2, tol: 1e-10, maxIterations: 1e7, upper: Float64Array.from(counts) });
    assert.ok(full.converged && merged.converged);
    closeRel([merged.objective], [full.objective], 1e-9, 'objective');
    closeRel(merged.w, full.w, 1e-6, 'w');
    closeRel([merged.rho], [full.rho], 1e-6, 'rho');
    assert.ok(Math.abs(merged.alpha.reduce((a, b) => a + b, 0) - 0.2 * n) < 1e-9, 'sum of the merged variables = nu n');
    merged.alpha.forEach((a, i) => assert.ok(a >= 0 && a <= counts[i], `merged a_${i} = ${a} within [0, ${counts[i]}]`));
    assert.throws(() => solveLinearOneClass(base, distinct, m, { nu: 0.2, tol: 1e-6, maxIterations: 10, upper: new Float64Array(distinct) }), /60 positive bounds/);
  });

  it('Nystroem on repeated rows (merged inside) matches exact SMO on all of them when every distinct row is a landmark', () => {
    const rows = [...X.slice(0, 20), ...X.slice(0, 20), ...X.slice(5, 15), ...X.slice(30)];
    const flat = Float64Array.from(rows.flat()), gamma = 0.5;
    const exact = solveOneClassSmo(new RbfKernelMatrix(flat, rows.length, 3, gamma), { nu: 0.3, tol: 1e-9, cacheBytes: 1e6, shrinking: true });
    const ny = fitNystroemOneClass(Float32Array.from(flat), rows.length, 3, { nu: 0.3, gamma, components: 100, tol: 1e-9, maxIterations: 1e6, rng: new Rng(2) });
    assert.equal(ny.distinctRows, 30);
    assert.equal(ny.landmarks, 30);
    assert.equal(ny.alpha.length, rows.length);
    closeRel([ny.objective], [exact.objective], 1e-6, 'objective');
    closeRel(decisionValues(ny.model, y64, 5), decision64(flat, 3, exact, gamma, y64), 1e-4, 'decision values');
    // Equal rows share one variable: each gets its group's share.
    for (let k = 0; k < 20; k++) assert.equal(ny.alpha[k], ny.alpha[20 + k]);
  });

  it('the linear solver reports non-convergence when maxIterations runs out, with finite rho', () => {
    const r = new Rng(4), n = 300, m = 3;
    const phi = Float64Array.from({ length: n * m }, () => r.normal());
    const sol = solveLinearOneClass(phi, n, m, { nu: 0.2, tol: 1e-9, maxIterations: 3 });
    assert.equal(sol.iterations, 3);
    assert.equal(sol.converged, false);
    assert.ok(sol.gap > 1e-9 && Number.isFinite(sol.rho));
  });

  it('feature map: the float32 gemm agrees with float64 substitution within its bound; an ill-conditioned K_mm takes substitution', () => {
    const r = new Rng(8), n = 400, cols = 4;
    const x = Float32Array.from({ length: n * cols }, () => r.uniform());
    const fits = (['substitution', 'gemm'] as const).map((featureMap) =>
      fitNystroemOneClass(x, n, cols, { nu: 0.2, gamma: 2, components: 40, tol: 1e-9, maxIterations: 1e7, rng: new Rng(1), featureMap }));
    assert.ok(fits[0].featureErrorBound < 1e-4, `bound ${fits[0].featureErrorBound}`);
    assert.equal(fits[1].featureMap, 'gemm');
    const a = decisionValues(fits[0].model, x, n), b = decisionValues(fits[1].model, x, n);
    // f = sum_a beta_a K(v_a, x) - rho with |w| <= nu n: a feature error e moves f by at most about nu n e.
    const allowed = 0.2 * n * fits[0].featureErrorBound + 1e-6;
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= allowed, `row ${i}: ${v} vs ${b[i]} (allowed ${allowed})`));
    // Auto choice on well-spread landmarks: gemm.
    assert.equal(fitNystroemOneClass(x, n, cols, { nu: 0.2, gamma: 2, components: 40, tol: 1e-6, maxIterations: 1e7, rng: new Rng(1) }).featureMap, 'gemm');
    // Landmarks 1e-3 apart: K_mm is nearly singular, L^-1 is large, the bound fails.
    const near = Float32Array.from({ length: 50 * cols }, (_, i) => Math.floor(i / cols) * 1e-3 + (i % cols));
    const ill = fitNystroemOneClass(near, 50, cols, { nu: 0.2, gamma: 2, components: 20, tol: 1e-6, maxIterations: 1e7, rng: new Rng(1) });
    assert.equal(ill.featureMap, 'substitution');
    assert.ok(ill.featureErrorBound > GEMM_FEATURE_ERROR_BOUND);
  });

  it('landmarks are distinct rows', () => {
    const rows = [...X, ...X, ...X];
    const ny = fitNystroemOneClass(Float32Array.from(rows.flat()), rows.length, 3, { nu: 0.3, gamma: 0.5, components: 100, tol: 1e-6, maxIterations: 1e6, rng: new Rng(1) });
    assert.equal(ny.landmarks, 40);
  });
});

describe('ocsvm detector', () => {
  const { x, labels } = blob(500, 25, 5, 3);
  const data = { data: x, rows: 525, cols: 5 };

  // Inliers are N(0, I_5): P(||x|| > 4.5) = P(chi2_5 > 20.25) ~ 0.0011, so about 0.6 of the 500 inliers lie beyond
  // 4.5, while every planted row is at radius >= 6. A score that grows with the distance from the blob ranks
  // every planted row above all but a few inliers: AUROC >= 1 - 5/500 allows five such inliers.
  for (const solver of ['smo', 'nystroem'] as const) {
    it(`${solver}: planted far anomalies rank on top (AUROC >= 0.99)`, () => {
      const det = new OneClassSvmDetector({ solver, components: 100, seed: 2 }).fit(data);
      const a = auroc(det.scoreSamples(data), labels);
      assert.ok(a >= 0.99, `AUROC ${a}`);
      assert.equal(det.resolvedConfig().solver, solver);
      assert.equal(det.resolvedConfig().converged, true);
    });
  }

  it('auto runs smo up to autoRowLimit training rows and nystroem above', () => {
    assert.equal(new OneClassSvmDetector({ autoRowLimit: 525 }).fit(data).resolvedConfig().solver, 'smo');
    assert.equal(new OneClassSvmDetector({ autoRowLimit: 524, components: 50 }).fit(data).resolvedConfig().solver, 'nystroem');
  });

  it('nystroem: the model file round trip gives identical scores; seeds choose the landmarks', () => {
    const det = new OneClassSvmDetector({ solver: 'nystroem', components: 60, seed: 4 }).fit(data);
    const scores = det.scoreSamples(data);
    const back = loadDetector(det.toBytes(), 'm.abr');
    assert.deepEqual(Array.from(back.scoreSamples(data)), Array.from(scores));
    assert.equal(back.resolvedConfig().solver, 'nystroem');
    assert.equal(back.resolvedConfig().vectors, 60);
    assert.deepEqual(Array.from(new OneClassSvmDetector({ solver: 'nystroem', components: 60, seed: 4 }).fit(data).scoreSamples(data)), Array.from(scores));
    assert.notDeepEqual(Array.from(new OneClassSvmDetector({ solver: 'nystroem', components: 60, seed: 5 }).fit(data).scoreSamples(data)), Array.from(scores));
  });

  it('smo: the model file holds the support vectors, coefficients, rho and gamma', () => {
    const det = new OneClassSvmDetector({ nu: 0.1 }).fit(data);
    const j = det.toJSON();
    const state = j.manifest.state as { coef: number[]; rho: number; gamma: number };
    const e = det.expansion!;
    assert.deepEqual(state.coef, Array.from(e.coef));
    assert.equal(state.rho, e.rho);
    assert.equal(state.gamma, e.gamma);
    assert.deepEqual(j.tensors[0].shape, [e.count, 5]);
    assert.ok(e.count >= 0.1 * 525, `${e.count} support vectors, nu l = ${0.1 * 525}`);
    const bad = JSON.parse(JSON.stringify(j));
    bad.manifest.state.coef.pop();
    assert.throws(() => loadDetector(bad, 'b.json'), /b\.json: ocsvm model: tensor "vectors" has shape \[\d+, 5\]/);
    const noRho = JSON.parse(JSON.stringify(j));
    delete noRho.manifest.state.rho;
    assert.throws(() => loadDetector(noRho, 'r.json'), /r\.json: ocsvm model: state\.rho/);
  });

  it('rejects bad parameters, naming them', () => {
    for (const nu of [0, -0.1, 1.5]) assert.throws(() => new OneClassSvmDetector({ nu }), /ocsvm: invalid parameters\n {2}nu:/);
    assert.doesNotThrow(() => new OneClassSvmDetector({ nu: 1 }));
    assert.throws(() => new OneClassSvmDetector({ gamma: 0 }), /gamma/);
    assert.throws(() => new OneClassSvmDetector({ gamma: 'wide' as 'scale' }), /gamma/);
    assert.throws(() => new OneClassSvmDetector({ solver: 'lbfgs' as 'smo' }), /solver/);
    assert.throws(() => new OneClassSvmDetector({ components: 0 }), /components/);
    assert.throws(() => new OneClassSvmDetector({ maxIterations: 0 }), /maxIterations/);
    assert.throws(() => solveOneClassSmo(new RbfKernelMatrix(x64, 40, 3, 1), { nu: 0, tol: 1e-3, cacheBytes: 1e6, shrinking: true }), /nu must be in \(0, 1\]/);
  });
});
