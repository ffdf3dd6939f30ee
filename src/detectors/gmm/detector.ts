/**
 * Gaussian mixture density: score = energy -log p(x) under a mixture fitted by EM (Dempster, Laird & Rubin
 * 1977; src/gmm/em.ts, the EM that PAE-GMM-EM uses), with the number of components chosen by the Bayesian
 * information criterion (Schwarz, "Estimating the dimension of a model", Annals of Statistics 1978):
 * BIC = -2 x total log-likelihood + parameters x ln(rows), the smallest wins, as scikit-learn's
 * GaussianMixture.bic. Parameters: k d means + k - 1 weights + k d (d + 1) / 2 full or k d diagonal
 * covariance entries.
 *
 * Conventions follow scikit-learn's GaussianMixture (1.2): reg_covar 1e-6 added to every covariance's
 * diagonal, tol 1e-3 on the change of the mean log-likelihood, max_iter 100, n_init 1 (the best of nInit
 * seeded restarts by log-likelihood). Starts differ: k-means++ seeds and nearest-seed memberships (em.ts)
 * instead of a full k-means.
 *
 * Covariances: a full covariance estimated from m rows is singular when m <= d and noisy for m of a few d;
 * with reg_covar the likelihood of such a fit is dominated by its near-zero variances, and BIC cannot repair
 * that. So `covariance: 'auto'` gives each candidate k full covariances when the fitting rows are at least
 * 10 d per component (rows / k >= 10 d), else diagonal ones (d variances per component); BIC then compares all
 * candidates alike. Wide data (d near or above the rows) thus gets diagonal mixtures, tall data full ones.
 *
 * Cost: each EM iteration is O(rows k d^2) with full covariances (O(k d^3) more to factor them) and O(rows k d)
 * with diagonal ones (kept as variances, src/gmm/diagonal.ts, and saved as standard deviations), and BIC fits
 * every candidate. Candidates are fitted on a seeded subsample of at most maxSamples rows (default 10,000: then
 * the cost of the search does not grow with the training rows; at 10 components of 50 features, 1,000 rows per
 * component, 20 per feature, estimate each covariance); the chosen candidate's fit is the model (not refitted on
 * all rows). Scoring is one pass.
 */
import * as z from '../../zod.js';
import { fitDiagonalGmmEm, fitGmmEm, type EmResult } from '../../gmm/em.js';
import { diagonalEnergies, diagonalGmm, type DiagonalGmm } from '../../gmm/diagonal.js';
import { logDetFromCholesky } from '../../engine/linalg64.js';
import { gmmEnergies, type GmmParams } from '../../gmm/gmm.js';
import type { DetectorModel, MatrixContext } from '../detector.js';
import { Detector } from '../detector.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';

/** Fitting rows per component per feature from which 'auto' uses full covariances. */
export const FULL_ROWS_PER_FEATURE = 10;

export const GmmParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  components: z._default(z.union([z.literal('bic'), z.number().check(z.int(), z.minimum(1))]), 'bic')
    .check(z.describe('mixture components: a number, or bic = the candidate 1..maxComponents with the smallest BIC (Schwarz 1978; scikit-learn\'s GaussianMixture.bic)')),
  maxComponents: z._default(z.number().check(z.int(), z.minimum(1)), 10)
    .check(z.describe('largest candidate for components: bic (at most the fitting rows)')),
  covariance: z._default(z.enum(['auto', 'full', 'diag']), 'auto')
    .check(z.describe(`full or diagonal covariances (scikit-learn's covariance_type); auto = full when the fitting rows per component are at least ${FULL_ROWS_PER_FEATURE} x features, else diag, decided per candidate`)),
  nInit: z._default(z.number().check(z.int(), z.minimum(1)), 1)
    .check(z.describe('EM restarts per candidate from different seeded starts; the highest log-likelihood is kept (scikit-learn\'s n_init)')),
  maxSamples: z._default(z.number().check(z.int(), z.minimum(2)), 10_000)
    .check(z.describe('EM fits every candidate on a seeded subsample of at most this many training rows (all rows when fewer); the chosen fit is the model')),
  tol: z._default(z.number().check(z.gt(0)), 1e-3)
    .check(z.describe('EM stops when the mean log-likelihood changes by less than this (scikit-learn\'s tol)')),
  maxIterations: z._default(z.number().check(z.int(), z.minimum(1)), 100)
    .check(z.describe('EM iterations at most (scikit-learn\'s max_iter)')),
  regCovar: z._default(z.number().check(z.minimum(0)), 1e-6)
    .check(z.describe('added to every covariance\'s diagonal (scikit-learn\'s reg_covar)')),
});
export type GmmDetectorParams = z.infer<typeof GmmParamsSchema>;
export type CovarianceType = 'full' | 'diag';

/** One fitted candidate of the search. */
export interface GmmCandidate {
  k: number;
  covariance: CovarianceType;
  /** BIC on the fitting rows; null when EM failed (a component lost all its rows in every restart). */
  bic: number | null;
  /** Mean log-likelihood of the fitting rows. */
  logLikelihood: number | null;
  iterations: number;
  converged: boolean;
  error?: string;
}

export interface GmmResolvedConfig {
  components: number;
  covariance: CovarianceType;
  /** Rows EM fitted on (the subsample). */
  fitRows: number;
  candidates: GmmCandidate[];
}

/** Free parameters of a k-component mixture in d dimensions (scikit-learn's _n_parameters). */
export function gmmParameterCount(k: number, d: number, covariance: CovarianceType): number {
  return k * d + (k - 1) + (covariance === 'full' ? k * d * (d + 1) / 2 : k * d);
}

/** BIC = -2 n meanLogLikelihood + parameters ln n (scikit-learn's GaussianMixture.bic). */
export function gmmBic(meanLogLikelihood: number, n: number, k: number, d: number, covariance: CovarianceType): number {
  return -2 * meanLogLikelihood * n + gmmParameterCount(k, d, covariance) * Math.log(n);
}

/** The covariance type a candidate gets (see the module comment). */
export function covarianceFor(setting: GmmDetectorParams['covariance'], k: number, rows: number, d: number): CovarianceType {
  if (setting !== 'auto') return setting;
  return rows / k >= FULL_ROWS_PER_FEATURE * d ? 'full' : 'diag';
}

/** A fitted mixture: full covariances (with Cholesky factors) or diagonal ones (variances). */
export type FittedMixture = { covariance: 'full'; params: GmmParams } | { covariance: 'diag'; params: DiagonalGmm };

export class GmmDetector extends Detector<GmmDetectorParams> {
  readonly name = 'gmm';
  readonly scoreName = 'energy -log p(x) under the Gaussian mixture';
  private gmm: FittedMixture | null = null;
  private cfg: GmmResolvedConfig | null = null;

  constructor(params: z.input<typeof GmmParamsSchema> = {}) {
    super(parseParams('gmm', GmmParamsSchema, params));
  }

  /** The fitted mixture (covariances include regCovar; as saved: float32 weights, means and Cholesky factors or standard deviations). */
  get mixture(): FittedMixture | null { return this.gmm; }

  resolvedConfig(): Record<string, unknown> { return this.cfg ? { ...this.cfg, candidates: this.cfg.candidates.map((c) => ({ ...c })) } : {}; }

  protected fitMatrix(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number } {
    const p = this.params;
    // The subsample: a partial Fisher-Yates draw, rows kept in their original order.
    let z = x, n = rows;
    if (rows > p.maxSamples) {
      const pick = ctx.rng.fork('subsample').permutation(rows).subarray(0, p.maxSamples).sort();
      n = p.maxSamples;
      z = new Float32Array(n * cols);
      for (let i = 0; i < n; i++) z.set(x.subarray(pick[i] * cols, (pick[i] + 1) * cols), i * cols);
    }
    if (typeof p.components === 'number' && p.components > n) {
      throw new Error(`gmm: ${p.components} components need at least as many fitting rows; got ${n} (training rows ${rows}, maxSamples ${p.maxSamples})`);
    }
    const ks = p.components === 'bic' ? Array.from({ length: Math.min(p.maxComponents, n) }, (_, i) => i + 1) : [p.components];
    const candidates: GmmCandidate[] = [];
    let best: { mixture: FittedMixture; bic: number; candidate: GmmCandidate } | null = null;
    let steps = 0;
    for (const k of ks) {
      const covariance = covarianceFor(p.covariance, k, n, cols);
      let fit: EmResult<GmmParams | DiagonalGmm> | null = null, error = '';
      for (let r = 0; r < p.nInit; r++) {
        try {
          const rng = ctx.rng.fork(`em-k${k}-init${r}`), o = { covEps: p.regCovar, logLikelihoodTolerance: p.tol, maxIterations: p.maxIterations };
          const f = covariance === 'diag' ? fitDiagonalGmmEm(z, n, cols, k, rng, o) : fitGmmEm(z, n, cols, k, rng, o);
          steps += f.iterations;
          if (!fit || ll(f) > ll(fit)) fit = f;
        } catch (e) { error = (e as Error).message; }
      }
      const candidate: GmmCandidate = fit
        ? { k, covariance, bic: gmmBic(ll(fit), n, k, cols, covariance), logLikelihood: ll(fit), iterations: fit.iterations, converged: fit.converged }
        : { k, covariance, bic: null, logLikelihood: null, iterations: 0, converged: false, error };
      candidates.push(candidate);
      ctx.onProgress?.(candidates.length, ks.length, `k=${k} BIC ${candidate.bic ?? 'failed'}`);
      if (fit && candidate.bic !== null && Number.isFinite(candidate.bic) && (!best || candidate.bic < best.bic)) {
        best = { mixture: covariance === 'diag' ? { covariance, params: fit.params as DiagonalGmm } : { covariance, params: fit.params as GmmParams }, bic: candidate.bic, candidate };
      }
    }
    if (!best) throw new Error(`gmm: EM failed for every candidate (${candidates.map((c) => `k=${c.k}: ${c.error ?? 'non-finite BIC'}`).join('; ')})`);
    const m = best.mixture, b = m.params;
    this.gmm = m.covariance === 'diag'
      ? { covariance: 'diag', params: diagonalFromFloat32(Float32Array.from(b.phi), Float32Array.from(b.mu), Float32Array.from(m.params.variance, Math.sqrt), b.k, b.d, 'gmm') }
      : { covariance: 'full', params: mixtureFromFloat32(Float32Array.from(b.phi), Float32Array.from(b.mu), Float32Array.from(m.params.chol), b.k, b.d, 'gmm') };
    this.cfg = { components: best.candidate.k, covariance: best.candidate.covariance, fitRows: n, candidates };
    return { steps };
  }

  protected scoreMatrix(x: Float32Array, rows: number): Float64Array {
    if (!this.gmm) throw new Error('gmm: the detector is not fitted');
    return this.gmm.covariance === 'diag' ? diagonalEnergies(x, rows, this.gmm.params) : gmmEnergies(x, rows, this.gmm.params);
  }

  protected exportModel(): DetectorModel {
    const m = this.gmm!, g = m.params, { k, d } = g;
    return {
      config: this.resolvedConfig(), state: {},
      tensors: [
        { name: 'phi', shape: [k], data: Float32Array.from(g.phi) },
        { name: 'mu', shape: [k, d], data: Float32Array.from(g.mu) },
        m.covariance === 'diag'
          ? { name: 'sd', shape: [k, d], data: Float32Array.from(m.params.variance, Math.sqrt) }
          : { name: 'chol', shape: [k, d, d], data: Float32Array.from(m.params.chol) },
      ],
    };
  }

  protected importModel(model: DetectorModel, features: number): void {
    const what = 'gmm model';
    const diag = model.tensors.some((x) => x.name === 'sd');
    if (model.tensors.length !== 3) throw new Error(`${what}: expected exactly the tensors phi, mu and chol (full covariances) or sd (diagonal ones)`);
    const get = (name: string, rank: number): { shape: number[]; data: Float32Array } => {
      const t = model.tensors.find((x) => x.name === name);
      if (!t || t.shape.length !== rank) throw new Error(`${what}: expected a tensor "${name}" of rank ${rank}`);
      return t;
    };
    const phi = get('phi', 1), mu = get('mu', 2), spread = diag ? get('sd', 2) : get('chol', 3), k = phi.shape[0];
    const shapes = [[mu.shape, [k, features]], [spread.shape, diag ? [k, features] : [k, features, features]]] as const;
    for (const [got, want] of shapes) if (got.join() !== want.join()) throw new Error(`${what}: tensor shape [${got.join(', ')}], expected [${want.join(', ')}] for ${k} components of ${features} features`);
    this.gmm = diag
      ? { covariance: 'diag', params: diagonalFromFloat32(phi.data, mu.data, spread.data, k, features, what) }
      : { covariance: 'full', params: mixtureFromFloat32(phi.data, mu.data, spread.data, k, features, what) };
    this.cfg = model.config as unknown as GmmResolvedConfig;
  }
}

/**
 * The mixture as saved: weights, means and Cholesky factors rounded to float32 (a rounded factor still gives a
 * positive-definite covariance L L^T), with covariances and log-determinants recomputed from them, so a fitted and
 * a loaded model score alike. Refuses weights that are not a distribution and factors that are not lower
 * triangular with a positive diagonal.
 */
export function mixtureFromFloat32(phi: Float32Array, mu: Float32Array, chol: Float32Array, k: number, d: number, what: string): GmmParams {
  checkWeights(phi, what);
  const bad = [...mu, ...chol].findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${what}: mean or Cholesky value ${bad} is not finite`);
  const p: GmmParams = {
    k, d, phi: Float64Array.from(phi), mu: Float64Array.from(mu), cov: new Float64Array(k * d * d), chol: Float64Array.from(chol),
    logDet: new Float64Array(k), jitter: new Float64Array(k),
  };
  for (let c = 0; c < k; c++) {
    const o = c * d * d;
    for (let a = 0; a < d; a++) {
      if (!(p.chol[o + a * d + a] > 0)) throw new Error(`${what}: Cholesky factor ${c} has diagonal entry ${p.chol[o + a * d + a]} at ${a}, not positive`);
      for (let b = a + 1; b < d; b++) if (p.chol[o + a * d + b] !== 0) throw new Error(`${what}: Cholesky factor ${c} is not lower triangular at [${a}, ${b}]`);
      for (let b = 0; b <= a; b++) {
        let v = 0;
        for (let q = 0; q <= b; q++) v += p.chol[o + a * d + q] * p.chol[o + b * d + q];
        p.cov[o + a * d + b] = v; p.cov[o + b * d + a] = v;
      }
    }
    p.logDet[c] = logDetFromCholesky(p.chol, o, d);
  }
  return p;
}

/**
 * A diagonal mixture as saved: weights, means and standard deviations as float32, variances their squares (so a
 * fitted and a loaded model score alike). Refuses weights that are not a distribution and deviations that are not
 * positive and finite.
 */
export function diagonalFromFloat32(phi: Float32Array, mu: Float32Array, sd: Float32Array, k: number, d: number, what: string): DiagonalGmm {
  checkWeights(phi, what);
  const bad = mu.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${what}: mean value ${bad} is not finite`);
  sd.forEach((v, q) => { if (!(v > 0 && v < Infinity)) throw new Error(`${what}: standard deviation of component ${Math.floor(q / d)} at feature ${q % d} is ${v}, not positive and finite`); });
  return diagonalGmm(Float64Array.from(phi), Float64Array.from(mu), Float64Array.from(sd, (v) => v * v), k, d);
}

function checkWeights(phi: Float32Array, what: string): void {
  let sum = 0;
  phi.forEach((v, c) => { if (!(v >= 0 && v <= 1)) throw new Error(`${what}: mixture weight ${c} is ${v}, not in [0, 1]`); sum += v; });
  if (!(Math.abs(sum - 1) <= 1e-4)) throw new Error(`${what}: mixture weights sum to ${sum}, not 1`);
}

/** The final mean log-likelihood of an EM fit. */
function ll(f: EmResult<unknown>): number { return f.logLikelihood[f.logLikelihood.length - 1]; }

registerDetector({
  name: 'gmm',
  summary: 'Gaussian mixture fitted by EM, the number of components (1..10) chosen by BIC; score = energy -log p(x)',
  paper: 'Schwarz, Annals of Statistics 1978 (BIC); scikit-learn GaussianMixture conventions',
  paramsSchema: GmmParamsSchema,
  quickParams: { maxComponents: 3 },
  untrainedControl: null,
  paperConfigs: {},
  create: (p) => new GmmDetector(p),
});
