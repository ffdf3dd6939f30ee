/**
 * gmm: BIC and its parameter count by hand, BIC per k, the chosen k and score_samples against scikit-learn's
 * GaussianMixture on a well-separated mixture, the automatic covariance type, seeded determinism and the
 * subsample, a quality floor, the model file, and errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDetector } from '../../src/detectors/registry.js';
import { covarianceFor, gmmBic, GmmDetector, gmmParameterCount, type GmmCandidate } from '../../src/detectors/gmm/detector.js';
import { auroc } from '../../src/metrics/ranking.js';
import { THREE_BLOBS, sampleMixture } from '../support/mixture.js';
import { planted } from '../support/planted.js';

const none = { preprocessing: { scaling: 'none' } } as const;
const rel = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.abs(b), `${what}: ${a} vs ${b}`);
const blobs = sampleMixture(THREE_BLOBS, 1);
const candidates = (d: GmmDetector) => d.resolvedConfig().candidates as GmmCandidate[];

/**
 * scikit-learn 1.2.1 (/usr/bin/python3, Debian python3-sklearn) on sampleMixture(THREE_BLOBS, 1) written with 9
 * significant digits and read back as X = np.loadtxt(...).astype(np.float32).astype(np.float64):
 *   GaussianMixture(n_components=k, covariance_type=cov, tol=1e-10, max_iter=10000, n_init=10, random_state=0).fit(X).bic(X)
 * for k = 1..6, and .score_samples(Q) of the k = 3 fit. DEFAULT_BIC: GaussianMixture(n_components=k, random_state=0)
 * (every other argument at its default) .fit(X).bic(X) for k = 1..10; argmin k = 3.
 */
const SKLEARN = {
  full: {
    bic: [3247.255688111602, 2500.0445114098625, 2112.0198728488967, 2126.815763252366, 2134.9209555376738, 2162.146439610507],
    scores: [-2.429459490056448, -2.322007339414379, -2.269918024969243, -12.672975619753656, -14.743148081724684, -57.74465471812336, -334.80365491677827],
  },
  diag: {
    bic: [3241.7127044362182, 2674.83799295707, 2155.722805088681, 2139.9034331213516, 2149.0685656648543, 2160.268809255164],
    scores: [-2.58447893368968, -2.3912264362508773, -2.273393002081249, -18.095661140262735, -8.657241424576908, -38.70426330867517, -197.99518609885013],
  },
  defaultBic: [3247.255688111602, 2500.0445114098625, 2112.0198728488967, 2139.6046461640544, 2167.0178389600783, 2198.985387004778, 2231.1561136095456, 2250.218517859653, 2274.780137105186, 2296.7099596021567],
};
const Q = [[0, 0], [8, 1], [2, 9], [4, 4], [-3, 2], [10, 10], [20, -5]];
const tight = { ...none, tol: 1e-10, maxIterations: 10_000, nInit: 10 };

describe('gmm: BIC', () => {
  it('counts parameters as scikit-learn\'s _n_parameters and adds ln(n) per parameter', () => {
    // k = 3, d = 2: means 6, weights 2, full covariances 3 x 3 = 9 (diagonal 3 x 2 = 6).
    assert.equal(gmmParameterCount(3, 2, 'full'), 17);
    assert.equal(gmmParameterCount(3, 2, 'diag'), 14);
    assert.equal(gmmParameterCount(1, 50, 'full'), 50 + 1275);
    // -2 x 100 x (-1.5) + 17 ln 100.
    rel(gmmBic(-1.5, 100, 3, 2, 'full'), 300 + 17 * Math.log(100), 1e-15, 'bic');
  });

  it('auto covariances: full from 10 d fitting rows per component, else diagonal', () => {
    assert.equal(covarianceFor('auto', 3, 300, 2), 'full');
    assert.equal(covarianceFor('auto', 10, 5000, 50), 'full');
    assert.equal(covarianceFor('auto', 11, 5000, 50), 'diag');
    assert.equal(covarianceFor('auto', 1, 452, 274), 'diag');
    assert.equal(covarianceFor('diag', 1, 1e6, 2), 'diag');
    assert.equal(covarianceFor('full', 5, 10, 274), 'full');
  });
});

describe('gmm: against scikit-learn', () => {
  // Where EM reaches scikit-learn's optimum: k = 1 is closed-form, k = 3 the generating mixture (three clusters far
  // apart); some larger k happen to meet too. Elsewhere the optima differ (starts differ: k-means++ seeds vs a full
  // k-means, 10 starts each): full k = 2 merges another pair of clusters (BIC 2528.96 vs 2500.04), full k = 6 finds a
  // better optimum (2137.65 vs 2162.15). The argmin agrees: full 3; diag 4 (a diagonal mixture needs a fourth
  // component for the tilted clusters).
  const SAME = { full: { ks: [1, 3, 4, 5], argmin: 3 }, diag: { ks: [1, 2, 3, 4, 5], argmin: 4 } };
  for (const covariance of ['full', 'diag'] as const) {
    it(`${covariance}: BIC per k where EM reaches the same optimum, the chosen k, and score_samples of k = 3`, () => {
      const ref = SKLEARN[covariance];
      const d = new GmmDetector({ ...tight, covariance, maxComponents: 6 }).fit(blobs);
      const c = candidates(d);
      assert.deepEqual(c.map((q) => q.k), [1, 2, 3, 4, 5, 6]);
      // Our memberships are float32 in the M-step: 1e-8 relative.
      for (const k of SAME[covariance].ks) rel(c[k - 1].bic!, ref.bic[k - 1], 1e-8, `k=${k}`);
      assert.equal(ref.bic.indexOf(Math.min(...ref.bic)) + 1, SAME[covariance].argmin);
      assert.equal(d.resolvedConfig().components, SAME[covariance].argmin);
      const three = new GmmDetector({ ...tight, covariance, components: 3 }).fit(blobs);
      // The energy is -score_samples; the saved float32 Cholesky factors allow 1e-6 relative.
      three.scoreSamples(Q).forEach((e, i) => rel(-e, ref.scores[i], 1e-6, `query ${i}`));
    });
  }

  it('default parameters choose scikit-learn\'s k = 3, with its BIC for k <= 3 (k = 2: the same or a worse optimum)', () => {
    const d = new GmmDetector(none).fit(blobs);
    const c = candidates(d);
    assert.equal(d.resolvedConfig().components, 3);
    assert.equal(d.resolvedConfig().covariance, 'full');
    assert.equal(c.length, 10);
    rel(c[0].bic!, SKLEARN.defaultBic[0], 1e-8, 'k=1');
    rel(c[2].bic!, SKLEARN.defaultBic[2], 1e-6, 'k=3 at tol 1e-3');
    assert.ok(c.every((q) => q.converged && q.iterations <= 100));
    const best = Math.min(...c.map((q) => q.bic!));
    assert.equal(best, c[2].bic);
  });
});

describe('gmm detector', () => {
  it('is a pure function of the seed; a subsample of maxSamples rows is drawn from it', () => {
    const p = planted(3);
    const fit = (seed: number, maxSamples?: number) => new GmmDetector({ seed, maxComponents: 4, maxSamples }).fit(p.train);
    const a = fit(1), b = fit(1);
    assert.deepEqual(Array.from(a.scoreSamples(p.test)), Array.from(b.scoreSamples(p.test)));
    assert.deepEqual(a.resolvedConfig(), b.resolvedConfig());
    assert.equal(a.resolvedConfig().fitRows, 1000);
    const s1 = fit(1, 300), s2 = fit(2, 300);
    assert.equal(s1.resolvedConfig().fitRows, 300);
    assert.deepEqual(Array.from(s1.scoreSamples(p.test)), Array.from(fit(1, 300).scoreSamples(p.test)));
    assert.notDeepEqual(Array.from(s1.scoreSamples(p.test)), Array.from(s2.scoreSamples(p.test)));
  });

  it('rows 0.5 off a noisy plane (25 noise deviations) rank on top (AUROC >= 0.99)', () => {
    // planted(): inliers on a 2-d plane in 8-d with N(0, 0.02^2) noise; anomalies 0.5 off the plane. Any full
    // covariance fitted to the plane has variance ~0.0004 across it, so an anomaly's energy exceeds an inlier's by
    // ~0.5^2 / (2 x 0.0004) ~ 300 nats.
    const p = planted(4);
    const a = auroc(new GmmDetector({ seed: 1 }).fit(p.train).scoreSamples(p.test), p.labels);
    assert.ok(a >= 0.99, `AUROC ${a}`);
  });

  it('wide data (more features than rows per component) gets diagonal covariances under auto', () => {
    const rows = Array.from({ length: 40 }, (_, i) => Array.from({ length: 30 }, (_, j) => Math.sin(i * 0.7 + j) + 0.01 * j));
    const d = new GmmDetector({ maxComponents: 3 }).fit(rows);
    assert.ok(candidates(d).every((q) => q.covariance === 'diag'));
    assert.ok(d.scoreSamples(rows).every(Number.isFinite));
  });

  it('the model file holds weights, means and Cholesky factors as tensors; bad ones are refused', () => {
    const det = new GmmDetector({ ...none, components: 3 }).fit(blobs);
    const back = loadDetector(det.toBytes(), 'm.abr');
    assert.deepEqual(Array.from(back.scoreSamples(Q)), Array.from(det.scoreSamples(Q)));
    const j = det.toJSON();
    assert.deepEqual(j.tensors.map((t) => [t.name, t.shape]), [['phi', [3]], ['mu', [3, 2]], ['chol', [3, 2, 2]]]);
    const upper = JSON.parse(JSON.stringify(j));
    upper.tensors[2].data[1] = 0.5;
    assert.throws(() => loadDetector(upper, 'u.json'), /u\.json: gmm model: Cholesky factor 0 is not lower triangular at \[0, 1\]/);
    const neg = JSON.parse(JSON.stringify(j));
    neg.tensors[2].data[3] = -1;
    assert.throws(() => loadDetector(neg, 'n.json'), /Cholesky factor 0 has diagonal entry -1 at 1/);
    const phi = JSON.parse(JSON.stringify(j));
    phi.tensors[0].data[0] = 0.9;
    assert.throws(() => loadDetector(phi, 'p.json'), /mixture weights sum to/);
    const shape = JSON.parse(JSON.stringify(j));
    shape.tensors[1].shape = [2, 3];
    assert.throws(() => loadDetector(shape, 's.json'), /s\.json: gmm model: tensor shape \[2, 3\], expected \[3, 2\]/);
  });

  it('a diagonal mixture is saved as standard deviations [k, d], not k d x d factors; a diagonal one saved as factors still loads', () => {
    const det = new GmmDetector({ ...none, components: 3, covariance: 'diag' }).fit(blobs);
    const j = det.toJSON();
    assert.deepEqual(j.tensors.map((t) => [t.name, t.shape]), [['phi', [3]], ['mu', [3, 2]], ['sd', [3, 2]]]);
    const back = loadDetector(det.toBytes(), 'm.abr');
    assert.deepEqual(Array.from(back.scoreSamples(Q)), Array.from(det.scoreSamples(Q)));
    // The same mixture written the way earlier versions wrote diagonal models (Cholesky factors with zeros off
    // the diagonal) scores the same to float64 rounding.
    const sd = j.tensors[2].data as number[], chol = JSON.parse(JSON.stringify(j));
    chol.tensors[2] = { name: 'chol', shape: [3, 2, 2], data: [0, 1, 2].flatMap((c) => [sd[2 * c], 0, 0, sd[2 * c + 1]]) };
    const old = loadDetector(chol, 'old.json').scoreSamples(Q);
    det.scoreSamples(Q).forEach((e, i) => assert.ok(Math.abs(e - old[i]) <= 1e-12 * Math.max(1, Math.abs(e)), `query ${i}: ${e} vs ${old[i]}`));
    const neg = JSON.parse(JSON.stringify(j));
    neg.tensors[2].data[3] = -1;
    assert.throws(() => loadDetector(neg, 'n.json'), /n\.json: gmm model: standard deviation of component 1 at feature 1 is -1, not positive and finite/);
    const shape = JSON.parse(JSON.stringify(j));
    shape.tensors[2].shape = [2, 3];
    assert.throws(() => loadDetector(shape, 's.json'), /s\.json: gmm model: tensor shape \[2, 3\], expected \[3, 2\]/);
  });

  it('rejects bad parameters and impossible fits, naming the problem', () => {
    for (const components of [0, 1.5, 'aic']) assert.throws(() => new GmmDetector({ components: components as number }), /gmm: invalid parameters\n {2}components:/);
    assert.throws(() => new GmmDetector({ maxComponents: 0 }), /maxComponents/);
    assert.throws(() => new GmmDetector({ covariance: 'tied' as 'full' }), /covariance/);
    assert.throws(() => new GmmDetector({ nInit: 0 }), /nInit/);
    assert.throws(() => new GmmDetector({ tol: 0 }), /tol/);
    assert.throws(() => new GmmDetector({ maxSamples: 1 }), /maxSamples/);
    assert.throws(() => new GmmDetector({ regCovar: -1 }), /regCovar/);
    assert.throws(() => new GmmDetector({ components: 5 }).fit([[1, 2], [3, 4], [5, 6]]), /gmm: 5 components need at least as many fitting rows; got 3/);
    assert.throws(() => new GmmDetector({ components: 3, maxSamples: 2 }).fit([[1, 2], [3, 4], [5, 6]]), /got 2 \(training rows 3, maxSamples 2\)/);
    // Two distinct rows, each repeated: a third component is seeded on a duplicate and receives no membership.
    const dup = [[0, 0], [0, 0], [1, 1], [1, 1]];
    assert.throws(() => new GmmDetector({ ...none, components: 3 }).fit(dup), /gmm: EM failed for every candidate \(k=3: EM/);
    // Under bic such a candidate is skipped, and says why.
    const skip = new GmmDetector({ ...none, maxComponents: 3 }).fit(dup);
    const c = candidates(skip);
    assert.equal(c[2].bic, null);
    assert.match(c[2].error!, /zero total membership/);
    assert.equal(skip.resolvedConfig().components, 2);
  });
});
