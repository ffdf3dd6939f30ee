/**
 * One-class SVM: Schoelkopf, Platt, Shawe-Taylor, Smola & Williamson, "Estimating the Support of a
 * High-Dimensional Distribution", Neural Computation 13(7), 2001; a baseline of the DAGMM paper (Zong et al.,
 * ICLR 2018). With the RBF kernel K(x, y) = exp(-gamma ||x - y||^2) it separates the training rows from the
 * origin in feature space with margin rho; nu bounds the fraction of training rows outside the support from
 * above and the fraction of support vectors from below. Score = -f(x), f(x) = sum_i a_i K(x_i, x) - rho
 * (scikit-learn's decision_function), so higher = more anomalous; rows far from every support vector score rho.
 *
 * Solvers: 'smo' is libsvm's exact solver (smo.ts); 'nystroem' a seeded low-rank approximation with a linear
 * one-class SVM solved on its features (nystroem.ts); 'auto' runs smo up to `autoRowLimit` training rows and
 * nystroem above it, where exact SMO's O(n^2) kernel work gets too slow (see AUTO_ROW_LIMIT). Both give a
 * kernel expansion (expansion.ts) that the model file stores: expansion rows, coefficients, rho and gamma.
 * The exact solver makes no random choice: its result does not depend on the seed.
 */
import * as z from '../../zod.js';
import type { DetectorModel, MatrixContext } from '../detector.js';
import { Detector } from '../detector.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { decisionValues, scaleGamma, type KernelExpansion } from './expansion.js';
import { fitNystroemOneClass } from './nystroem.js';
import { OCSVM_PAPER_RUNS } from './paper-configs.js';
import { libsvmMaxIterations, RbfKernelMatrix, solveOneClassSmo } from './smo.js';

/**
 * Training rows above which 'auto' switches from exact SMO to Nystroem. Measured with bench/ocsvm-scaling.ts
 * (KDDCUP rows, 120 columns, min-max scaled, gamma 'scale'; CPU seconds of fit, which includes scoring the
 * fitted rows once; 2-core machine under load): exact SMO took 0.5 / 1.8 / 5.1 / 29 s at 2k / 5k / 10k / 20k
 * rows with nu 0.1 and 1.1 / 5.8 / 28-32 s at 2k / 5k / 10k with nu 0.5 (about x5 per doubling: the kernel work
 * is O(n^2) and the cache holds fewer columns), while Nystroem with 300 landmarks grows linearly (0.6 / 1.2 /
 * 2.2 / 5.9 / 17 / 34 s at 2k / 5k / 10k / 20k / 50k / 100k, nu 0.1; 122 s at 200k) and its scores of the fitted rows had
 * Pearson correlation 0.9985-1.0 with the exact ones from 2k to 20k rows. At 10k rows the exact solver
 * still costs at most about half a minute; beyond, it grows to minutes (Thyroid and Arrhythmia stay exact,
 * KDDCUP and KDDCUP-Rev use Nystroem). The Nystroem timings above predate its 2026-12-02 solver (equal rows
 * merged, working sets, gemm features), which fits KDDCUP's 198,480 training rows in about 5 CPU seconds: that
 * only widens the gap, so the limit stays.
 */
export const AUTO_ROW_LIMIT = 10_000;

export const OcsvmParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  nu: z._default(z.number().check(z.gt(0), z.lte(1)), 0.5)
    .check(z.describe('upper bound on the fraction of training rows outside the support and lower bound on the fraction of support vectors, in (0, 1] (scikit-learn\'s default 0.5)')),
  gamma: z._default(z.union([z.enum(['scale', 'auto']), z.number().check(z.gt(0))]), 'scale')
    .check(z.describe('RBF width in exp(-gamma ||x - y||^2): scale = 1 / (d var(X)) over the preprocessed training matrix (scikit-learn\'s default), auto = 1 / d, or a positive number')),
  tol: z._default(z.number().check(z.gt(0)), 1e-3)
    .check(z.describe('stopping tolerance on the largest KKT violation of the dual (libsvm\'s eps)')),
  cacheSize: z._default(z.number().check(z.gt(0)), 200)
    .check(z.describe('memory for cached kernel columns of the exact solver, in MB (scikit-learn\'s cache_size)')),
  shrinking: z._default(z.boolean(), true)
    .check(z.describe('shrinking heuristic of the exact solver (libsvm\'s -h)')),
  solver: z._default(z.enum(['auto', 'smo', 'nystroem']), 'auto')
    .check(z.describe('smo = exact (libsvm\'s SMO); nystroem = Nystroem features + linear one-class SVM (seeded landmarks); auto = smo up to autoRowLimit training rows, else nystroem')),
  autoRowLimit: z._default(z.number().check(z.int(), z.minimum(2)), AUTO_ROW_LIMIT)
    .check(z.describe('most training rows for which solver auto runs the exact solver')),
  components: z._default(z.number().check(z.int(), z.minimum(1)), 300)
    .check(z.describe('Nystroem landmarks (distinct training rows drawn with the seed); the features have this many columns (300: scores within Pearson 0.998 of the exact ones on KDDCUP rows, see AUTO_ROW_LIMIT)')),
  maxIterations: z.optional(z.number().check(z.int(), z.minimum(1)))
    .check(z.describe('most working-set steps of the solver; default libsvm\'s max(10^7, 100 rows). A fit that runs out reports converged: false')),
});
export type OcsvmParams = z.infer<typeof OcsvmParamsSchema>;

export interface OcsvmResolvedConfig {
  solver: 'smo' | 'nystroem';
  nu: number;
  gamma: number;
  gammaRule: 'scale' | 'auto' | 'value';
  tol: number;
  /** Expansion rows: support vectors (smo) or landmarks (nystroem). */
  vectors: number;
  /** Training rows with a_i > 0 (the support vectors of the dual actually solved). */
  supportVectors: number;
  iterations: number;
  maxIterations: number;
  converged: boolean;
  /** Largest KKT violation at the end. */
  gap: number;
  objective: number;
  rho: number;
  /** nystroem: diagonal jitter added to K_mm (0: none). */
  jitter?: number;
  /** nystroem: distinct training rows (equal rows share one dual variable). */
  distinctRows?: number;
  /** nystroem: how the features were computed ('gemm' when its error bound allows) and that bound. */
  featureMap?: 'gemm' | 'substitution'; featureErrorBound?: number;
  /** smo: cache and shrinking used. */
  cacheSize?: number; shrinking?: boolean;
}

export class OneClassSvmDetector extends Detector<OcsvmParams> {
  readonly name = 'ocsvm';
  readonly scoreName = 'negative one-class SVM decision value';
  private model: KernelExpansion | null = null;
  private cfg: OcsvmResolvedConfig | null = null;

  constructor(params: z.input<typeof OcsvmParamsSchema> = {}) {
    super(parseParams('ocsvm', OcsvmParamsSchema, params));
  }

  /** The fitted kernel expansion (support vectors or landmarks, coefficients, rho, gamma). */
  get expansion(): KernelExpansion | null { return this.model; }

  resolvedConfig(): Record<string, unknown> { return this.cfg ? { ...this.cfg } : {}; }

  protected fitMatrix(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number } {
    const p = this.params;
    const solver = p.solver === 'auto' ? (rows <= p.autoRowLimit ? 'smo' : 'nystroem') : p.solver;
    const gamma = p.gamma === 'scale' ? scaleGamma(x, rows, cols) : p.gamma === 'auto' ? 1 / cols : p.gamma;
    const gammaRule = typeof p.gamma === 'number' ? 'value' : p.gamma;
    const maxIterations = p.maxIterations ?? libsvmMaxIterations(rows);
    const common = { nu: p.nu, gamma, gammaRule, tol: p.tol, maxIterations } as const;
    if (solver === 'smo') {
      const sol = solveOneClassSmo(new RbfKernelMatrix(x, rows, cols, gamma), {
        nu: p.nu, tol: p.tol, cacheBytes: p.cacheSize * 2 ** 20, shrinking: p.shrinking, maxIterations,
      });
      const sv: number[] = [];
      for (let i = 0; i < rows; i++) if (sol.alpha[i] > 0) sv.push(i);
      const vectors = new Float32Array(sv.length * cols), coef = new Float64Array(sv.length);
      sv.forEach((r, k) => { vectors.set(x.subarray(r * cols, (r + 1) * cols), k * cols); coef[k] = sol.alpha[r]; });
      this.model = { vectors, count: sv.length, cols, coef, rho: sol.rho, gamma };
      this.cfg = {
        solver, ...common, vectors: sv.length, supportVectors: sv.length, iterations: sol.iterations, converged: sol.converged,
        gap: sol.gap, objective: sol.objective, rho: sol.rho, cacheSize: p.cacheSize, shrinking: p.shrinking,
      };
      return { steps: sol.iterations };
    }
    const fit = fitNystroemOneClass(x, rows, cols, { nu: p.nu, gamma, components: p.components, tol: p.tol, maxIterations, rng: ctx.rng.fork('nystroem') });
    let sv = 0;
    for (let i = 0; i < rows; i++) if (fit.alpha[i] > 0) sv++;
    this.model = fit.model;
    this.cfg = {
      solver, ...common, vectors: fit.landmarks, supportVectors: sv, iterations: fit.iterations, converged: fit.converged,
      gap: fit.gap, objective: fit.objective, rho: fit.rho, jitter: fit.jitter, distinctRows: fit.distinctRows,
      featureMap: fit.featureMap, featureErrorBound: fit.featureErrorBound,
    };
    return { steps: fit.iterations };
  }

  protected scoreMatrix(x: Float32Array, rows: number): Float64Array {
    if (!this.model) throw new Error('ocsvm: the detector is not fitted');
    const f = decisionValues(this.model, x, rows);
    for (let i = 0; i < rows; i++) f[i] = -f[i];
    return f;
  }

  protected exportModel(): DetectorModel {
    const m = this.model!;
    return {
      config: { ...this.cfg! } as unknown as Record<string, unknown>,
      state: { rho: m.rho, gamma: m.gamma, coef: Array.from(m.coef) },
      tensors: [{ name: 'vectors', shape: [m.count, m.cols], data: m.vectors }],
    };
  }

  protected importModel(model: DetectorModel, features: number): void {
    const what = 'ocsvm model';
    const s = model.state as { rho?: unknown; gamma?: unknown; coef?: unknown };
    if (typeof s.rho !== 'number' || !Number.isFinite(s.rho)) throw new Error(`${what}: state.rho must be a finite number`);
    if (typeof s.gamma !== 'number' || !(s.gamma > 0) || !Number.isFinite(s.gamma)) throw new Error(`${what}: state.gamma must be a positive finite number`);
    if (!Array.isArray(s.coef) || !s.coef.every((c) => typeof c === 'number' && Number.isFinite(c))) throw new Error(`${what}: state.coef must be an array of finite numbers`);
    const t = model.tensors.find((x) => x.name === 'vectors');
    if (!t || model.tensors.length !== 1) throw new Error(`${what}: expected exactly one tensor, "vectors"`);
    if (t.shape.length !== 2 || t.shape[1] !== features || t.shape[0] !== s.coef.length) {
      throw new Error(`${what}: tensor "vectors" has shape [${t.shape.join(', ')}]; ${s.coef.length} coefficients and ${features} features need [${s.coef.length}, ${features}]`);
    }
    this.model = { vectors: t.data, count: t.shape[0], cols: features, coef: Float64Array.from(s.coef as number[]), rho: s.rho, gamma: s.gamma };
    this.cfg = model.config as unknown as OcsvmResolvedConfig;
  }
}

registerDetector({
  name: 'ocsvm',
  summary: 'One-class SVM with the RBF kernel: libsvm\'s SMO (WSS2, shrinking, kernel cache), or Nystroem features + a linear one-class SVM above autoRowLimit rows; score = -(decision value)',
  paper: 'Schoelkopf et al., Neural Computation 2001',
  paramsSchema: OcsvmParamsSchema,
  quickParams: {},
  seedFree: 'the exact solver (smo, what auto runs on small data) makes no random choice',
  untrainedControl: null,
  paperConfigs: OCSVM_PAPER_RUNS,
  create: (p) => new OneClassSvmDetector(p),
});
