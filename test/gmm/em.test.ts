/** EM for Gaussian mixtures against a known mixture, closed forms and its own guarantees. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { fitDiagonalGmmEm, fitGmmEm } from '../../src/gmm/em.js';
import { diagonalEnergies } from '../../src/gmm/diagonal.js';

/** A 2-d mixture whose components overlap (EM needs tens of iterations): weights, means, covariances [a, b; b, c]. */
const TRUE = {
  phi: [0.5, 0.3, 0.2],
  mu: [[0, 0], [2.5, 2], [-2, 2.5]],
  cov: [[1, 0.3, 0.3, 0.5], [0.6, -0.2, -0.2, 1.2], [0.4, 0, 0, 0.4]],
};

/** n rows from TRUE: component by its weight, then mu + L e with L the 2x2 Cholesky factor. */
function sample(n: number, seed: number): Float32Array {
  const r = new Rng(seed), z = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    const c = u < TRUE.phi[0] ? 0 : u < TRUE.phi[0] + TRUE.phi[1] ? 1 : 2;
    const [a, b, , d] = TRUE.cov[c];
    const l11 = Math.sqrt(a), l21 = b / l11, l22 = Math.sqrt(d - l21 * l21);
    const e1 = r.normal(), e2 = r.normal();
    z[2 * i] = TRUE.mu[c][0] + l11 * e1;
    z[2 * i + 1] = TRUE.mu[c][1] + l21 * e1 + l22 * e2;
  }
  return z;
}

describe('EM for a Gaussian mixture', () => {
  const n = 4000;
  const z = sample(n, 11);
  const fit = fitGmmEm(z, n, 2, 3, new Rng(5));

  it('recovers a known 3-component mixture within 5 standard errors of each estimate', () => {
    assert.ok(fit.converged, `not converged after ${fit.iterations} iterations (last change ${fit.lastChange})`);
    const p = fit.params;
    for (let t = 0; t < 3; t++) {
      // The fitted component nearest the true mean (components come out in any order).
      let c = 0, best = Infinity;
      for (let q = 0; q < 3; q++) {
        const dd = (p.mu[2 * q] - TRUE.mu[t][0]) ** 2 + (p.mu[2 * q + 1] - TRUE.mu[t][1]) ** 2;
        if (dd < best) { best = dd; c = q; }
      }
      const phi = TRUE.phi[t], nk = n * phi, s = TRUE.cov[t];
      // Standard errors of a weight, a mean and a covariance entry estimated from ~n*phi rows.
      assert.ok(Math.abs(p.phi[c] - phi) < 5 * Math.sqrt(phi * (1 - phi) / n), `phi[${t}] ${p.phi[c]} vs ${phi}`);
      for (let a = 0; a < 2; a++) {
        assert.ok(Math.abs(p.mu[2 * c + a] - TRUE.mu[t][a]) < 5 * Math.sqrt(s[3 * a] / nk), `mu[${t}][${a}] ${p.mu[2 * c + a]} vs ${TRUE.mu[t][a]}`);
        for (let b = 0; b < 2; b++) {
          const se = Math.sqrt((s[3 * a] * s[3 * b] + s[2 * a + b] ** 2) / nk);
          assert.ok(Math.abs(p.cov[4 * c + 2 * a + b] - s[2 * a + b]) < 5 * se, `Sigma[${t}][${a}][${b}] ${p.cov[4 * c + 2 * a + b]} vs ${s[2 * a + b]}`);
        }
      }
    }
  });

  it('never decreases the log-likelihood, and stops when the largest parameter change is below the tolerance', () => {
    const ll = fit.logLikelihood;
    assert.equal(ll.length, fit.iterations + 1);
    assert.ok(fit.iterations > 10, `${fit.iterations} iterations`);
    // Memberships are float32 in the M-step (as in DAGMM's): allow rounding far below any real decrease.
    for (let i = 1; i < ll.length; i++) assert.ok(ll[i] >= ll[i - 1] - 1e-8 * Math.abs(ll[i - 1]), `iteration ${i}: ${ll[i]} < ${ll[i - 1]}`);
    assert.ok(ll[ll.length - 1] > ll[0]);
    assert.ok(fit.lastChange < 1e-6);
    const loose = fitGmmEm(z, n, 2, 3, new Rng(5), { tolerance: 1e-2 });
    assert.ok(loose.converged && loose.lastChange < 1e-2 && loose.iterations < fit.iterations);
    const capped = fitGmmEm(z, n, 2, 3, new Rng(5), { maxIterations: 2 });
    assert.equal(capped.iterations, 2);
    assert.equal(capped.converged, false);
  });

  it('with one component is the closed form: the sample mean and the (1/N) sample covariance plus covEps', () => {
    const f = fitGmmEm(z, n, 2, 1, new Rng(1), { covEps: 1e-6 });
    const m = [0, 0];
    for (let i = 0; i < n; i++) for (let a = 0; a < 2; a++) m[a] += z[2 * i + a] / n;
    for (let a = 0; a < 2; a++) {
      assert.ok(Math.abs(f.params.mu[a] - m[a]) < 1e-9);
      for (let b = 0; b < 2; b++) {
        let c = 0;
        for (let i = 0; i < n; i++) c += (z[2 * i + a] - m[a]) * (z[2 * i + b] - m[b]) / n;
        assert.ok(Math.abs(f.params.cov[2 * a + b] - (c + (a === b ? 1e-6 : 0))) < 1e-9, `cov[${a}][${b}]`);
      }
    }
    assert.ok(f.iterations <= 2 && f.converged);
  });

  it('logLikelihoodTolerance: stops once the mean log-likelihood changes by less than it (scikit-learn\'s tol)', () => {
    const f = fitGmmEm(z, n, 2, 3, new Rng(5), { logLikelihoodTolerance: 1e-3 });
    const ll = f.logLikelihood, m = ll.length;
    assert.ok(f.converged && f.lastChange < 1e-3, `last change ${f.lastChange}`);
    // The change that stopped it is between the last two E-steps before the final M-step; the one before was larger.
    assert.equal(f.lastChange, Math.abs(ll[m - 2] - ll[m - 3]));
    assert.ok(Math.abs(ll[m - 3] - ll[m - 4]) >= 1e-3);
    assert.ok(f.iterations < fit.iterations);
    // The parameter-change rule (the default) is unchanged by the option's existence.
    assert.deepEqual(Array.from(fitGmmEm(z, n, 2, 3, new Rng(5), { tolerance: 1e-6 }).params.mu), Array.from(fit.params.mu));
  });

  it('diagonal (fitDiagonalGmmEm): variances are the full fit\'s diagonal; energies and posteriors the closed form', () => {
    const f = fitDiagonalGmmEm(z, n, 2, 1, new Rng(1), { covEps: 1e-6 });
    const full = fitGmmEm(z, n, 2, 1, new Rng(1), { covEps: 1e-6 });
    assert.ok(full.params.cov[1] > 0.1, 'the data are correlated');
    assert.ok(Math.abs(f.params.variance[0] - full.params.cov[0]) < 1e-12 && Math.abs(f.params.variance[1] - full.params.cov[3]) < 1e-12);
    assert.ok(Math.abs(f.params.base[0] - (-0.5 * (2 * Math.log(2 * Math.PI) + Math.log(full.params.cov[0] * full.params.cov[3])))) < 1e-12);
    // Three components: energy -log sum_c phi_c prod_j N(z_j | mu_cj, var_cj) computed directly, posteriors sum to 1.
    const three = fitDiagonalGmmEm(z, n, 2, 3, new Rng(5), { logLikelihoodTolerance: 1e-3, maxIterations: 100 });
    const g = three.params, resp = new Float64Array(n * 3), energy = diagonalEnergies(z, n, g, new Float64Array(n), resp);
    for (let i = 0; i < n; i += 97) {
      let p = 0;
      for (let c = 0; c < 3; c++) {
        let q = g.phi[c];
        for (let j = 0; j < 2; j++) {
          const v = g.variance[c * 2 + j], e = z[i * 2 + j] - g.mu[c * 2 + j];
          q *= Math.exp(-0.5 * e * e / v) / Math.sqrt(2 * Math.PI * v);
        }
        p += q;
      }
      assert.ok(Math.abs(energy[i] + Math.log(p)) < 1e-12, `row ${i}: ${energy[i]} vs ${-Math.log(p)}`);
      assert.ok(Math.abs(resp[i * 3] + resp[i * 3 + 1] + resp[i * 3 + 2] - 1) < 1e-12);
    }
    // EM's guarantee, up to the float32 memberships: the log-likelihood does not fall; stopped by tol.
    const ll = three.logLikelihood;
    for (let t = 1; t < ll.length; t++) assert.ok(ll[t] >= ll[t - 1] - 1e-7, `iteration ${t}: ${ll[t]} < ${ll[t - 1]}`);
    assert.ok(three.converged && three.lastChange < 1e-3);
    assert.deepEqual(fitDiagonalGmmEm(z, n, 2, 3, new Rng(5), { logLikelihoodTolerance: 1e-3, maxIterations: 100 }).params, g);
    assert.throws(() => fitDiagonalGmmEm(z, 2, 2, 3, new Rng(1)), /EM: expected 2 rows of 2 values|EM: 2 rows cannot seed 3 components/);
    // A constant feature without the regularisation term: an error that names the cure, not a NaN energy.
    const flat = Float32Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? i : 1));
    assert.throws(() => fitDiagonalGmmEm(flat, 10, 2, 1, new Rng(1), { covEps: 0 }), /EM \(iteration 0\): mixture component 0 has zero variance at feature 1 \(a regularisation term above 0 keeps variances positive\)/);
  });

  it('is a pure function of the seed', () => {
    const again = fitGmmEm(z, n, 2, 3, new Rng(5));
    assert.deepEqual(Array.from(again.params.mu), Array.from(fit.params.mu));
    assert.deepEqual(Array.from(again.params.cov), Array.from(fit.params.cov));
  });

  it('rejects bad input with errors that name the problem', () => {
    assert.throws(() => fitGmmEm(z.subarray(0, 4), 2, 2, 3, new Rng(1)), /2 rows cannot seed 3 components/);
    assert.throws(() => fitGmmEm(Float32Array.from([0, 1, Number.NaN, 2]), 2, 2, 1, new Rng(1)), /value 0 of row 2 is not finite/);
    assert.throws(() => fitGmmEm(z, n, 2, 0, new Rng(1)), /number of components/);
    assert.throws(() => fitGmmEm(z, n, 3, 2, new Rng(1)), /expected 4000 rows of 3 values/);
    assert.throws(() => fitGmmEm(z, n, 2, 2, new Rng(1), { maxIterations: 0 }), /maxIterations/);
    assert.throws(() => fitGmmEm(z, n, 2, 2, new Rng(1), { logLikelihoodTolerance: -1 }), /logLikelihoodTolerance must be >= 0/);
    // Two identical rows and two components: a component is left with no rows.
    assert.throws(() => fitGmmEm(Float32Array.from([1, 1, 1, 1]), 2, 2, 2, new Rng(1)), /EM .*component.*try fewer components/);
  });
});
