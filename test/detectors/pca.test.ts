/**
 * PCA detector: covariance, components and variances against scikit-learn's PCA; the three scores against
 * values computed from scikit-learn's outputs (PyOD's formula included); component selection; zero-variance
 * directions; a planted-anomaly floor; the model file; parameter errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { symmetricEigen } from '../../src/engine/linalg64.js';
import { loadDetector } from '../../src/detectors/registry.js';
import { meanCovariance, PcaDetector, pcaScores, pcaScores64, resolveComponents } from '../../src/detectors/pca/detector.js';
import { Rng } from '../../src/engine/rng.js';
import { auroc } from '../../src/metrics/ranking.js';
import { planted } from '../support/planted.js';

// Values exact in float32, so preprocessing 'none' gives the rows scikit-learn saw.
const X = [[2.0, 0.5, 1.0], [1.5, 1.0, 0.0], [3.0, 1.5, 2.0], [2.5, 2.0, 1.5], [0.5, -0.5, -1.0],
  [1.0, 0.0, 0.5], [3.5, 2.5, 2.5], [2.0, 1.0, 0.5], [0.0, -1.0, -0.5], [1.5, 0.5, 1.0]];
const Y = [[2.0, 1.0, 1.0], [0.0, 2.0, -1.0], [4.0, 3.0, 3.5], [1.0, -2.0, 2.0]];

// scikit-learn 1.2.1 with /usr/bin/python3 (values printed with repr):
//   p = PCA().fit(X); p.components_, p.explained_variance_; components with scikit-learn >= 1.5's sign rule
//     (svd_flip(U, Vt, u_based_decision=False): each row's largest-magnitude entry positive; 1.2.1 flips by U), applied
//     by hand: c * np.sign(c[range(k), np.argmax(np.abs(c), axis=1)])[:, None]
//   mahalanobis: yc = (Y - p.mean_) @ p.components_.T; (yc ** 2 / p.explained_variance_).sum(1)
//     (the same as (Y - mean) inv(np.cov(X.T)) (Y - mean)^T to 1e-15)
//   mahalanobis k=1: the same with PCA(n_components=1)
//   reconstruction k=2: p2 = PCA(n_components=2).fit(X); ((Y - p2.inverse_transform(p2.transform(Y))) ** 2).sum(1)
//   pyod (PyOD 3.6.5's PCA.decision_function, default standardization=True, weighted=True, written out):
//     sc = StandardScaler().fit(X); ps = PCA().fit(sc.transform(X))
//     (cdist(sc.transform(Y), flipped(ps.components_)) / ps.explained_variance_ratio_).sum(1)
//     (PyOD's score depends on the components' signs; PyOD 3.6.5 runs on scikit-learn >= 1.5's rule)
const SK = {
  components: [[0.5886381026333538, 0.5741943857548722, 0.5690395342116316], [-0.09432154279750374, -0.6503204004989138, 0.7537816814298629],
    [0.8028752273501181, -0.4973773055362676, -0.32864446632337885]],
  variances: [3.338641314107734, 0.1685326583842256, 0.03449269417470822],
  mahalanobis: [0.05715074544450584, 84.56073992269468, 7.531474323578148, 50.727498619547205],
  mahalanobisK1: [0.056148976868036944, 0.5125943329191854, 5.23647132790476, 0.5133946427514232],
  reconstructionK2: [3.3485157670723065e-05, 2.1072164869119687, 0.046829807559592374, 0.1259011970535872],
  pyod: [135.26685084186684, 417.7845522240355, 526.042876523691, 364.5421662069085],
};

function closeRel(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string, abs = 0): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= rel * Math.abs(expected[i]) + abs, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

const none = { preprocessing: { scaling: 'none' } } as const;

describe('pca: against scikit-learn', () => {
  it('the covariance eigen-decomposition gives scikit-learn\'s components (signs included) and explained variances', () => {
    const { cov } = meanCovariance(Float32Array.from(X.flat()), 10, 3);
    const { values, vectors } = symmetricEigen(cov, 3);
    closeRel(values, SK.variances, 1e-12, 'variances');
    closeRel(vectors, SK.components.flat(), 1e-12, 'components');
  });

  it('mahalanobis (default, all components) = sum y_j^2 / variance_j', () => {
    const det = new PcaDetector(none).fit(X);
    closeRel(det.scoreSamples(Y), SK.mahalanobis, 1e-5, 'scores');
    assert.equal(det.resolvedConfig().components, 3);
    closeRel(new PcaDetector({ ...none, nComponents: 1 }).fit(X).scoreSamples(Y), SK.mahalanobisK1, 1e-5, 'k = 1');
  });

  it('reconstruction: squared distance to the top components\' subspace; the default keeps 95% of the variance (2 here)', () => {
    const det = new PcaDetector({ ...none, score: 'reconstruction' }).fit(X);
    assert.equal(det.resolvedConfig().components, 2);
    closeRel(det.scoreSamples(Y), SK.reconstructionK2, 1e-5, 'scores', 1e-9);
    closeRel(new PcaDetector({ ...none, score: 'reconstruction', nComponents: 2 }).fit(X).scoreSamples(Y), SK.reconstructionK2, 1e-5, 'k = 2', 1e-9);
  });

  it('pyod with standard scaling = PyOD\'s PCA decision_function', () => {
    const det = new PcaDetector({ score: 'pyod', preprocessing: { scaling: 'standard' } }).fit(X);
    closeRel(det.scoreSamples(Y), SK.pyod, 1e-5, 'scores');
  });
});

describe('pca: components and degenerate directions', () => {
  it('nComponents as scikit-learn: integers capped at min(rows, features), fractions by cumulative variance (> f)', () => {
    const v = [6, 3, 1];
    assert.equal(resolveComponents(undefined, 'mahalanobis', v, 3), 3);
    assert.equal(resolveComponents(undefined, 'reconstruction', v, 3), 3);
    assert.equal(resolveComponents(5, 'mahalanobis', v, 3), 3);
    assert.equal(resolveComponents(0.6, 'mahalanobis', v, 3), 2, '0.6 of the variance is explained by the first, not more');
    assert.equal(resolveComponents(0.59, 'mahalanobis', v, 3), 1);
    assert.equal(resolveComponents(0.95, 'mahalanobis', v, 3), 3);
  });

  it('a duplicated column: the zero-variance direction is floored, inliers score finite, a row breaking the copy scores far higher', () => {
    const rows = X.map((r) => [...r, r[0]]);
    const det = new PcaDetector(none).fit(rows);
    const s = det.scoreSamples([...rows, [2, 1, 1, 2.5]]);
    assert.ok(s.every(Number.isFinite));
    const inlierMax = Math.max(...s.slice(0, 10));
    assert.ok(inlierMax < 10, `inliers ${inlierMax}`);
    assert.ok(s[10] > 1e6 * inlierMax, `broken copy ${s[10]} vs inliers ${inlierMax}`);
  });

  it('the Mahalanobis score through the float32 gemm agrees with the float64 loop to 1e-5 (correlated columns, a copy, 5,000 rows)', () => {
    // 5,000 rows cross the 4,096-row block; half the latent directions have 1% of the scale; the last column
    // copies the first (a floored zero-variance direction). Measured: 9.5e-7 at most on both backends.
    const rng = new Rng(3), rows = 5000, cols = 40, x = new Float32Array(rows * cols);
    const mix = Float64Array.from({ length: cols * cols }, () => rng.normal());
    for (let i = 0; i < rows; i++) {
      const z = Array.from({ length: cols }, () => rng.normal() * (rng.uniform() < 0.5 ? 1 : 0.01));
      for (let j = 0; j < cols; j++) {
        let v = 0;
        for (let k = 0; k < cols; k++) v += mix[j * cols + k] * z[k];
        x[i * cols + j] = j === cols - 1 ? x[i * cols] : v;
      }
    }
    const m = new PcaDetector(none).fit({ data: x, rows, cols }).fittedModel!;
    closeRel(pcaScores(m, 'mahalanobis', x, rows, cols), pcaScores64(m, 'mahalanobis', x, rows, cols), 1e-5, 'gemm vs float64');
  });

  it('reconstruction refuses as many components as features', () => {
    assert.throws(() => new PcaDetector({ ...none, score: 'reconstruction', nComponents: 3 }).fit(X), /pca: the reconstruction score needs fewer components than the 3 features/);
  });
});

describe('pca detector', () => {
  // Inliers lie on a plane with N(0, 0.02^2) noise per value, anomalies 0.5 = 25 noise sd off it: the energy
  // off the top-2 subspace (6 noise directions) separates them whatever the scaling (an affine map keeps the
  // plane a plane), so each score ranks them on top.
  const p = planted(1);
  for (const score of ['mahalanobis', 'reconstruction'] as const) {
    it(`${score}: planted off-plane anomalies rank on top (AUROC >= 0.99)`, () => {
      const a = auroc(new PcaDetector({ score }).fit(p.train).scoreSamples(p.test), p.labels);
      assert.ok(a >= 0.99, `AUROC ${a}`);
    });
  }

  it('the model file holds mean, components and variances; bad shapes are refused', () => {
    const det = new PcaDetector({ nComponents: 4 }).fit(p.train);
    const back = loadDetector(det.toBytes(), 'm.abr');
    assert.deepEqual(Array.from(back.scoreSamples(p.test)), Array.from(det.scoreSamples(p.test)));
    const j = det.toJSON();
    assert.deepEqual(j.tensors.map((t) => [t.name, t.shape]), [['mean', [8]], ['components', [4, 8]], ['variances', [4]]]);
    const bad = JSON.parse(JSON.stringify(j));
    bad.tensors[1].shape = [8, 4];
    assert.throws(() => loadDetector(bad, 'b.json'), /b\.json: pca model: tensor "components" has shape \[8, 4\], expected \[4, 8\]/);
    const neg = JSON.parse(JSON.stringify(j));
    neg.tensors[2].data[3] = -1;
    assert.throws(() => loadDetector(neg, 'n.json'), /n\.json: pca model: variances must be >= 0 and descending \(entry 3/);
  });

  it('rejects bad parameters, naming them', () => {
    assert.throws(() => new PcaDetector({ score: 'svd' as 'pyod' }), /pca: invalid parameters\n {2}score:/);
    for (const nComponents of [0, 1.5, -1]) assert.throws(() => new PcaDetector({ nComponents }), /nComponents/);
  });
});
