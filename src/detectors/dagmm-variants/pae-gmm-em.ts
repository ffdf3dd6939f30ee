/**
 * PAE-GMM-EM, the DAGMM paper's decoupled two-step baseline (Zong et al., ICLR 2018, Section 4.2 and
 * Appendix A): step 1 is PAE (layer-wise pretraining, then fine-tuning; pae.ts); step 2, separately, a GMM fitted
 * by EM (src/gmm/em.ts, until the largest parameter change is below 1e-6) on the autoencoder's low-dimensional
 * representation, which is DAGMM's z = [z_c, reconstruction features] (the paper's Figure 6 shows PAE-GMM's
 * space with both features); score = sample energy under that GMM (eq. 6).
 */
import * as z from '../../zod.js';
import { rowPairStats } from '../../engine/ops/index.js';
import type { Tensor } from '../../engine/tensor.js';
import { fitGmmEm } from '../../gmm/em.js';
import { gmmEnergies, gmmParamsToJSON, type GmmParams } from '../../gmm/gmm.js';
import { forEachBatchNoGrad } from '../../nn/batches.js';
import { parseNetworkSpec, specInputSize } from '../../nn/spec.js';
import { reconstructionParamsShape, registerReconstructionDetector } from '../ae/detector.js';
import { autoK } from '../dagmm/auto-config.js';
import { gmmStateFromJSON } from '../dagmm/detector.js';
import { latentWithFeatures, RECONSTRUCTION_FEATURES, type ReconstructionFeature } from '../dagmm/features.js';
import type { EpochStats } from '../deep/detector.js';
import type { MatrixContext } from '../detector.js';
import { parseParams } from '../params.js';
import { PaeDetector, pretrainEpochsShape, type PaeConfig } from './pae.js';
import { PAE_GMM_EM_PAPER_RUNS } from './paper-configs.js';

export const PaeGmmEmParamsSchema = z.strictObject({
  ...reconstructionParamsShape(),
  ...pretrainEpochsShape,
  gmmK: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(32))).check(z.describe('mixture components K; default 4 for >= 100,000 training rows, else 2 (as DAGMM)')),
  reconstructionFeatures: z._default(z.array(z.enum(['relative-euclidean', 'cosine'])), [...RECONSTRUCTION_FEATURES])
    .check(z.describe('reconstruction features appended to the code z_c (DAGMM\'s z)')),
  emTolerance: z._default(z.number().check(z.minimum(0)), 1e-6).check(z.describe('EM stops when the largest absolute change of a mixture parameter is below this (the paper: 1e-6)')),
  emMaxIterations: z._default(z.number().check(z.int(), z.minimum(1)), 1000).check(z.describe('EM stops after this many iterations at the latest')),
});
export type PaeGmmEmParams = z.infer<typeof PaeGmmEmParamsSchema>;

export interface PaeGmmEmConfig extends PaeConfig {
  gmmK: number; reconstructionFeatures: ReconstructionFeature[]; emTolerance: number; emMaxIterations: number;
}

/** What EM did in the last fit (not saved in models). */
export interface EmSummary { iterations: number; converged: boolean; lastChange: number; logLikelihood: number }

export class PaeGmmEmDetector extends PaeDetector<PaeGmmEmParams, PaeGmmEmConfig> {
  override readonly name: string = 'pae-gmm-em';
  override readonly scoreName: string = 'sample energy';
  private gmm: GmmParams | null = null;
  private em: EmSummary | null = null;

  constructor(params: z.input<typeof PaeGmmEmParamsSchema> = {}) {
    super({}, parseParams('pae-gmm-em', PaeGmmEmParamsSchema, params));
  }

  get gmmParams(): GmmParams {
    if (!this.gmm) throw new Error(`${this.name}: the detector is not fitted (call fit, or load a saved model)`);
    return this.gmm;
  }

  /** EM's iterations, convergence and final mean log-likelihood in the last fit (null after loading a model). */
  get emSummary(): EmSummary | null { return this.em; }

  protected override configure(d: number, rows: number): PaeGmmEmConfig {
    const p = this.params;
    return {
      ...super.configure(d, rows), gmmK: p.gmmK ?? autoK(rows), reconstructionFeatures: [...p.reconstructionFeatures],
      emTolerance: p.emTolerance, emMaxIterations: p.emMaxIterations,
    };
  }

  /** Width of z for a configuration: the code (the decoder's input) plus the reconstruction features. */
  private static zDim(c: PaeGmmEmConfig): number {
    return specInputSize(parseNetworkSpec(c.decoder)) + c.reconstructionFeatures.length;
  }

  /** DAGMM's z = [z_c, reconstruction features] of a batch (no gradients needed). */
  latent(x: Tensor): Tensor {
    const zc = this.mlp('encoder').forward(x);
    return latentWithFeatures(zc, rowPairStats(x, this.mlp('decoder').forward(zc)), this.config.reconstructionFeatures);
  }

  /** z of every row, row-major [rows, latent + features]. */
  embed(x: Float32Array, rows: number): Float32Array {
    const w = PaeGmmEmDetector.zDim(this.config), out = new Float32Array(rows * w);
    forEachBatchNoGrad(x, rows, x.length / rows, 8192, (t, start) => out.set(this.latent(t).data, start * w));
    return out;
  }

  protected override train(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number; history: EpochStats[] } {
    const r = super.train(x, rows, cols, ctx);
    const c = this.config;
    const em = fitGmmEm(this.embed(x, rows), rows, PaeGmmEmDetector.zDim(this.config), c.gmmK, ctx.rng.fork('em'), { tolerance: c.emTolerance, maxIterations: c.emMaxIterations });
    this.gmm = em.params;
    this.em = { iterations: em.iterations, converged: em.converged, lastChange: em.lastChange, logLikelihood: em.logLikelihood[em.logLikelihood.length - 1] };
    return r;
  }

  protected override scoreBatch(batch: Tensor, out: Float64Array): void {
    gmmEnergies(this.latent(batch).data, batch.rows, this.gmmParams, out);
  }

  protected override exportState(): Record<string, unknown> {
    return { gmm: gmmParamsToJSON(this.gmmParams) };
  }

  protected override importState(state: Record<string, unknown>, config: PaeGmmEmConfig): void {
    this.gmm = gmmStateFromJSON(`${this.name} model`, state, config.gmmK, PaeGmmEmDetector.zDim(config));
    this.em = null;
  }
}

registerReconstructionDetector({
  name: 'pae-gmm-em',
  summary: 'The DAGMM paper\'s PAE-GMM-EM baseline: the pretrained and fine-tuned autoencoder (pae), then, separately, a GMM fitted by EM (until the largest parameter change < 1e-6) on its code and reconstruction features; score = sample energy',
  paper: 'Zong et al., ICLR 2018 (Section 4.2, Appendix A)',
  paramsSchema: PaeGmmEmParamsSchema,
  paperConfigs: PAE_GMM_EM_PAPER_RUNS,
  create: (p) => new PaeGmmEmDetector(p),
});
