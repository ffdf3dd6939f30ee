/**
 * PCA detector: Shyu, Chen, Sarinnapakorn & Chang, "A Novel Anomaly Detection Scheme Based on Principal
 * Component Classifier", ICDM Foundations and New Directions of Data Mining workshop, 2003; PyOD's PCA
 * (Zhao et al., JMLR 2019) is the common baseline. Principal components v_j with variances lambda_j are the
 * eigenvectors of the training covariance (float64: symmetricEigen); y_j = v_j . (x - mean). Scores:
 * - mahalanobis (default): sum_j y_j^2 / lambda_j over the kept components, Shyu et al.'s statistic (with every
 *   component, the squared Mahalanobis distance). Deviations along low-variance directions weigh most, the
 *   intent PyOD's docstring states for its eigenvalue-weighted score (weighted=True, all components).
 * - reconstruction: ||x - mean - sum_j y_j v_j||^2, the squared distance to the subspace of the kept components.
 * - pyod: PyOD 3.6.5's decision_function literally: sum_j ||x - v_j|| / ratio_j, the Euclidean distance from
 *   the row to each component vector taken as a point, over its explained-variance ratio. PyOD standardises
 *   first (its default): use preprocessing {scaling: 'standard'} to get its numbers.
 * Kept components follow scikit-learn's n_components: all min(rows, features) by default (PyOD's default); an
 * integer k keeps the k largest; a fraction f the fewest whose explained variance exceeds f. Reconstruction
 * needs fewer components than features, so there the default keeps 95% of the variance.
 * Variances below VARIANCE_FLOOR x the largest are raised to it (collinear columns give zero-variance
 * directions; PyOD would divide by zero there). The fit makes no random choice. Known limitation: with no more
 * rows than features the last default component has zero variance and is one vector of a larger null space (as
 * in scikit-learn), so the default score there depends on the eigensolver's choice (docs/performance.md, "Wide
 * tables").
 */
import * as z from '../../zod.js';
import { kernels } from '../../engine/backend/index.js';
import { symmetricEigen } from '../../engine/linalg64.js';
import type { DetectorModel } from '../detector.js';
import { Detector } from '../detector.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';

/** Smallest variance a component is divided by, relative to the largest. */
export const VARIANCE_FLOOR = 1e-10;
/** Variance kept by the reconstruction score when nComponents is not given. */
export const RECONSTRUCTION_VARIANCE = 0.95;

export const PcaParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  score: z._default(z.enum(['mahalanobis', 'reconstruction', 'pyod']), 'mahalanobis')
    .check(z.describe('mahalanobis = sum_j y_j^2 / variance_j over the kept components (Shyu et al. 2003); reconstruction = squared distance to the kept components\' subspace; pyod = PyOD\'s sum_j ||x - v_j|| / explained-variance ratio_j')),
  nComponents: z.optional(z.union([z.number().check(z.int(), z.minimum(1)), z.number().check(z.gt(0), z.lt(1))]))
    .check(z.describe(`components kept (scikit-learn's n_components): an integer k = the k largest (at most min(rows, features)); a fraction f in (0, 1) = the fewest explaining more than f of the variance; default all (reconstruction: ${RECONSTRUCTION_VARIANCE})`)),
});
export type PcaParams = z.infer<typeof PcaParamsSchema>;
export type PcaScore = PcaParams['score'];

export interface PcaResolvedConfig {
  score: PcaScore;
  /** Components kept. */
  components: number;
  /** min(rows, features): the components scikit-learn keeps by default. */
  availableComponents: number;
  /** Share of the variance the kept components explain. */
  explainedVariance: number;
  /** Sum of the variances of all available components (the ratios' denominator). */
  totalVariance: number;
}

/** Mean and covariance (divisor rows - 1, as scikit-learn's explained_variance_) of row-major float32 rows, in float64. */
export function meanCovariance(x: Float32Array, rows: number, cols: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(cols), cov = new Float64Array(cols * cols);
  kernels().meanCrossProducts(rows, cols, x, mean, cov);
  const div = Math.max(1, rows - 1);
  for (let i = 0; i < cols; i++) {
    for (let j = 0; j <= i; j++) { const v = cov[i * cols + j] / div; cov[i * cols + j] = v; cov[j * cols + i] = v; }
  }
  return { mean, cov };
}

/** Components kept for nComponents, as scikit-learn resolves n_components (fraction: searchsorted(cumsum, f, 'right') + 1). */
export function resolveComponents(n: PcaParams['nComponents'], score: PcaScore, variances: ArrayLike<number>, available: number): number {
  const want = n ?? (score === 'reconstruction' ? RECONSTRUCTION_VARIANCE : available);
  if (want >= 1) return Math.min(want, available);
  let total = 0;
  for (let j = 0; j < available; j++) total += variances[j];
  if (!(total > 0)) return 1;
  let cum = 0;
  for (let j = 0; j < available; j++) {
    cum += variances[j] / total;
    if (cum > want) return j + 1;
  }
  return available;
}

export interface PcaModel {
  mean: Float32Array;
  /** k x cols, one component per row. */
  components: Float32Array;
  variances: Float32Array;
  totalVariance: number;
}

/** Rows per gemm block of the Mahalanobis score (a 4,096 x 50 block is 800 KiB). */
const SCORE_BLOCK = 4096;

/**
 * Mahalanobis scores through the backend's float32 gemm: per block, the centred rows C (float32), Y = C V^T,
 * then sum_j y_j^2 / lambda_j in float64. scikit-learn's PCA.transform also projects float32 input in float32;
 * against the float64 loop the scores differ by about 1e-6 relative (tested), and the projection, most of
 * the work, runs at gemm speed (~50x the scalar loop at 500,000 x 50).
 */
function mahalanobisGemm(m: PcaModel, weight: Float64Array, x: Float32Array, rows: number, cols: number, out: Float64Array): void {
  const k = m.variances.length, block = Math.min(rows, SCORE_BLOCK);
  const c = new Float32Array(block * cols), y = new Float32Array(block * k), g = kernels();
  for (let b = 0; b < rows; b += block) {
    const n = Math.min(block, rows - b);
    for (let r = 0; r < n; r++) {
      const src = (b + r) * cols, dst = r * cols;
      for (let i = 0; i < cols; i++) c[dst + i] = x[src + i] - m.mean[i];
    }
    g.gemm(false, true, n, k, cols, n === block ? c : c.subarray(0, n * cols), m.components, 0, n === block ? y : y.subarray(0, n * k));
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let j = 0; j < k; j++) { const v = y[r * k + j]; s += v * v * weight[j]; }
      out[b + r] = s;
    }
  }
}

function componentWeights(m: PcaModel): Float64Array {
  const floor = Math.max(m.variances[0] * VARIANCE_FLOOR, 1e-300);
  return Float64Array.from(m.variances, (v) => 1 / Math.max(v, floor));
}

/** Scores of rows under a fitted model (see the module comment): Mahalanobis through the gemm, the others in float64. */
export function pcaScores(m: PcaModel, score: PcaScore, x: Float32Array, rows: number, cols: number): Float64Array {
  if (score !== 'mahalanobis') return pcaScores64(m, score, x, rows, cols);
  const out = new Float64Array(rows);
  mahalanobisGemm(m, componentWeights(m), x, rows, cols, out);
  return out;
}

/** Scores in float64, one pass per row (the reference the gemm path is tested against). */
export function pcaScores64(m: PcaModel, score: PcaScore, x: Float32Array, rows: number, cols: number): Float64Array {
  const k = m.variances.length, out = new Float64Array(rows), c = new Float64Array(cols);
  const weight = componentWeights(m);
  if (score === 'pyod') for (let j = 0; j < k; j++) weight[j] = m.totalVariance * weight[j];
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let s = 0;
    if (score === 'pyod') {
      for (let j = 0; j < k; j++) {
        let d2 = 0;
        for (let i = 0; i < cols; i++) { const t = x[base + i] - m.components[j * cols + i]; d2 += t * t; }
        s += Math.sqrt(d2) * weight[j];
      }
      out[r] = s;
      continue;
    }
    for (let i = 0; i < cols; i++) c[i] = x[base + i] - m.mean[i];
    for (let j = 0; j < k; j++) {
      const v = j * cols;
      let y = 0;
      for (let i = 0; i < cols; i++) y += m.components[v + i] * c[i];
      if (score === 'mahalanobis') s += y * y * weight[j];
      else for (let i = 0; i < cols; i++) c[i] -= y * m.components[v + i];
    }
    if (score === 'reconstruction') for (let i = 0; i < cols; i++) s += c[i] * c[i];
    out[r] = s;
  }
  return out;
}

export class PcaDetector extends Detector<PcaParams> {
  readonly name = 'pca';
  readonly scoreName: string;
  private model: PcaModel | null = null;
  private cfg: PcaResolvedConfig | null = null;

  constructor(params: z.input<typeof PcaParamsSchema> = {}) {
    super(parseParams('pca', PcaParamsSchema, params));
    this.scoreName = {
      mahalanobis: 'sum of squared principal-component scores over their variances',
      reconstruction: 'squared distance to the principal subspace',
      pyod: 'PyOD PCA score: sum of distances to the components over their variance ratios',
    }[this.params.score];
  }

  /** Mean, kept components (rows) and their variances, as float32 (what scoring uses). */
  get fittedModel(): PcaModel | null { return this.model; }

  resolvedConfig(): Record<string, unknown> { return this.cfg ? { ...this.cfg } : {}; }

  protected fitMatrix(x: Float32Array, rows: number, cols: number): { steps: number } {
    const p = this.params;
    const { mean, cov } = meanCovariance(x, rows, cols);
    const eig = symmetricEigen(cov, cols);
    const available = Math.min(rows, cols);
    // Rounding can leave zero variances slightly negative.
    for (let j = 0; j < cols; j++) eig.values[j] = Math.max(0, eig.values[j]);
    const k = resolveComponents(p.nComponents, p.score, eig.values, available);
    if (p.score === 'reconstruction' && k >= cols) {
      throw new Error(`pca: the reconstruction score needs fewer components than the ${cols} features (nComponents resolved to ${k})`);
    }
    let total = 0, kept = 0;
    for (let j = 0; j < available; j++) { total += eig.values[j]; if (j < k) kept += eig.values[j]; }
    this.model = {
      mean: Float32Array.from(mean), components: Float32Array.from(eig.vectors.subarray(0, k * cols)),
      variances: Float32Array.from(eig.values.subarray(0, k)), totalVariance: total,
    };
    this.cfg = { score: p.score, components: k, availableComponents: available, explainedVariance: total > 0 ? kept / total : 1, totalVariance: total };
    return { steps: 0 };
  }

  protected scoreMatrix(x: Float32Array, rows: number, cols: number): Float64Array {
    if (!this.model) throw new Error('pca: the detector is not fitted');
    return pcaScores(this.model, this.params.score, x, rows, cols);
  }

  protected exportModel(): DetectorModel {
    const m = this.model!, k = m.variances.length, d = m.mean.length;
    return {
      config: { ...this.cfg! } as unknown as Record<string, unknown>,
      state: { totalVariance: m.totalVariance },
      tensors: [
        { name: 'mean', shape: [d], data: m.mean },
        { name: 'components', shape: [k, d], data: m.components },
        { name: 'variances', shape: [k], data: m.variances },
      ],
    };
  }

  protected importModel(model: DetectorModel, features: number): void {
    const what = 'pca model';
    const total = (model.state as { totalVariance?: unknown }).totalVariance;
    if (typeof total !== 'number' || !(total >= 0) || !Number.isFinite(total)) throw new Error(`${what}: state.totalVariance must be a finite number >= 0`);
    const get = (name: string) => {
      const t = model.tensors.find((x) => x.name === name);
      if (!t) throw new Error(`${what}: tensor "${name}" is missing`);
      return t;
    };
    if (model.tensors.length !== 3) throw new Error(`${what}: expected exactly the tensors mean, components, variances`);
    const mean = get('mean'), comp = get('components'), vars = get('variances');
    const k = vars.shape[0];
    if (mean.shape.length !== 1 || mean.shape[0] !== features) throw new Error(`${what}: tensor "mean" has shape [${mean.shape.join(', ')}], expected [${features}]`);
    if (vars.shape.length !== 1 || !(k >= 1 && k <= features)) throw new Error(`${what}: tensor "variances" has shape [${vars.shape.join(', ')}], expected [k] with 1 <= k <= ${features}`);
    if (comp.shape.length !== 2 || comp.shape[0] !== k || comp.shape[1] !== features) {
      throw new Error(`${what}: tensor "components" has shape [${comp.shape.join(', ')}], expected [${k}, ${features}]`);
    }
    const bad = vars.data.findIndex((v, j) => !(v >= 0) || (j > 0 && v > vars.data[j - 1]));
    if (bad >= 0) throw new Error(`${what}: variances must be >= 0 and descending (entry ${bad} is ${vars.data[bad]})`);
    this.model = { mean: mean.data, components: comp.data, variances: vars.data, totalVariance: total };
    this.cfg = model.config as unknown as PcaResolvedConfig;
  }
}

registerDetector({
  name: 'pca',
  summary: 'Principal components of the training covariance; score = sum of squared component scores over their variances (Mahalanobis in the PCA basis), or the reconstruction error, or PyOD\'s distance form',
  paper: 'Shyu et al., ICDM workshop 2003',
  paramsSchema: PcaParamsSchema,
  quickParams: {},
  seedFree: 'the covariance\'s eigen-decomposition makes no random choice',
  untrainedControl: null,
  paperConfigs: {},
  create: (p) => new PcaDetector(p),
});
