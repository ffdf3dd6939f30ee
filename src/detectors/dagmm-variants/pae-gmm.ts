/**
 * PAE-GMM, the DAGMM paper's decoupled baseline with an estimation network (Zong et al., ICLR 2018, Section 4.2
 * and Appendix A): step 1 learns DAGMM's compression network by pretraining, i.e. greedy layer-wise pretraining
 * (deep/pretrain.ts) then fine-tuning on mean squared reconstruction error (`fineTuneEpochs`; Appendix A lists
 * "fine-tuning or GMM training" epochs: both stages get DAGMM's count unless set, 0 skips fine-tuning); step 2,
 * separately, trains only the estimation network on the frozen compression network's z with DAGMM's objective
 * (lambda1 energy + lambda2 covariance penalty; the reconstruction term is constant there, as the compression
 * network is not updated). Score = sample energy under the GMM over the whole training set, as DAGMM.
 */
import * as z from '../../zod.js';
import { mse } from '../../engine/ops/index.js';
import type { Tensor } from '../../engine/tensor.js';
import type { DagmmResolvedConfig } from '../dagmm/auto-config.js';
import { DagmmDetector, DagmmParamsSchema } from '../dagmm/detector.js';
import { progressLine, UNTRAINED_CONTROL, type DeepPhase, type EpochStats, type LossOutput, type StepContext } from '../deep/detector.js';
import type { MatrixContext } from '../detector.js';
import { parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { layerPairs, pretrainEpochsShape } from './pae.js';
import { PAE_GMM_PAPER_RUNS } from './paper-configs.js';

export const PaeGmmParamsSchema = z.strictObject({
  ...DagmmParamsSchema.shape,
  ...pretrainEpochsShape,
  fineTuneEpochs: z.optional(z.number().check(z.int(), z.minimum(0)))
    .check(z.describe('epochs of fine-tuning the pretrained compression network on reconstruction before the estimation network is trained; default: epochs; 0: none')),
});
export type PaeGmmParams = z.infer<typeof PaeGmmParamsSchema>;
export interface PaeGmmConfig extends DagmmResolvedConfig { pretrainEpochs: number; fineTuneEpochs: number }

type Stage = 'fine-tune' | 'estimation';

export class PaeGmmDetector extends DagmmDetector<PaeGmmParams, PaeGmmConfig> {
  override readonly name: string = 'pae-gmm';
  /** The stage being trained: decides the loss and which network is updated. */
  private stage: Stage | null = null;

  constructor(params: z.input<typeof PaeGmmParamsSchema> = {}) {
    super({}, parseParams('pae-gmm', PaeGmmParamsSchema, params));
  }

  protected override configure(d: number, rows: number): PaeGmmConfig {
    const c = super.configure(d, rows);
    return { ...c, pretrainEpochs: this.params.pretrainEpochs ?? c.epochs, fineTuneEpochs: this.params.fineTuneEpochs ?? c.epochs };
  }

  /** Fine-tuning: the compression network's mean squared reconstruction error; otherwise DAGMM's objective. */
  protected override loss(batch: Tensor, ctx: StepContext): LossOutput {
    if (this.stage !== 'fine-tune') return super.loss(batch, ctx);
    return { loss: mse(this.network.compression.forward(batch, { training: ctx.training, rng: ctx.rng }), batch) };
  }

  /** Each stage updates one network only. */
  protected override phases(): readonly DeepPhase[] | null {
    if (this.stage === null) return null;
    return [{ name: this.stage, networks: [this.stage === 'fine-tune' ? 'compression' : 'estimation'], loss: (b, ctx) => this.loss(b, ctx) }];
  }

  protected override train(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number; history: EpochStats[] } {
    const c = this.config, after = c.fineTuneEpochs + c.epochs;
    const pre = this.pretrainNetworks(['compression'], x, rows, cols, ctx, c.pretrainEpochs, { before: 0, after });
    const before = layerPairs(this.mlp('compression')) * c.pretrainEpochs, total = before + after;
    const progress = (offset: number, what: string) => (ctx.onProgress ? (ep: number, s: EpochStats) => ctx.onProgress!(offset + ep, total, `${what}, ${progressLine(s)}`) : undefined);
    try {
      this.stage = 'fine-tune';
      const ft = this.trainEpochs(x, rows, cols, ctx.rng.fork('fine-tune'), c.fineTuneEpochs, progress(before, 'fine-tuning'));
      this.stage = 'estimation';
      const est = this.trainEpochs(x, rows, cols, ctx.rng, c.epochs, progress(before + c.fineTuneEpochs, 'estimation network'));
      const history = [...ft.history, ...est.history.map((h) => ({ ...h, epoch: ft.history.length + h.epoch }))];
      return { steps: pre.steps + ft.steps + est.steps, history };
    } finally {
      this.stage = null;
    }
  }
}

registerDetector({
  name: 'pae-gmm',
  summary: 'The DAGMM paper\'s PAE-GMM baseline: DAGMM\'s compression network pretrained (layer-wise, then fine-tuned on reconstruction) and frozen, then the estimation network trained alone on its z with DAGMM\'s objective; score = sample energy',
  paper: 'Zong et al., ICLR 2018 (Section 4.2, Appendix A)',
  paramsSchema: PaeGmmParamsSchema,
  quickParams: { epochs: 5, batchSize: 64 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: PAE_GMM_PAPER_RUNS,
  create: (p) => new PaeGmmDetector(p),
});
