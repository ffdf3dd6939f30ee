/**
 * DAGMM-p, the DAGMM paper's compromise between DAGMM and PAE-GMM (Zong et al., ICLR 2018, Section 4.2 and
 * Appendix A): the compression network is pretrained greedily layer by layer (deep/pretrain.ts), then the whole
 * DAGMM is fine-tuned end to end from it with DAGMM's objective; score = sample energy. With pretrainEpochs 0
 * it is DAGMM itself (same seed, same streams, same result).
 */
import * as z from '../../zod.js';
import type { DagmmResolvedConfig } from '../dagmm/auto-config.js';
import { DagmmDetector, DagmmParamsSchema } from '../dagmm/detector.js';
import { progressLine, UNTRAINED_CONTROL, type EpochStats } from '../deep/detector.js';
import type { MatrixContext } from '../detector.js';
import { parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { layerPairs, pretrainEpochsShape } from './pae.js';
import { DAGMM_P_PAPER_RUNS } from './paper-configs.js';

export const DagmmPParamsSchema = z.strictObject({ ...DagmmParamsSchema.shape, ...pretrainEpochsShape });
export type DagmmPParams = z.infer<typeof DagmmPParamsSchema>;
export interface DagmmPConfig extends DagmmResolvedConfig { pretrainEpochs: number }

export class DagmmPDetector extends DagmmDetector<DagmmPParams, DagmmPConfig> {
  override readonly name: string = 'dagmm-p';

  constructor(params: z.input<typeof DagmmPParamsSchema> = {}) {
    super({}, parseParams('dagmm-p', DagmmPParamsSchema, params));
  }

  protected override configure(d: number, rows: number): DagmmPConfig {
    const c = super.configure(d, rows);
    return { ...c, pretrainEpochs: this.params.pretrainEpochs ?? c.epochs };
  }

  protected override train(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number; history: EpochStats[] } {
    const c = this.config;
    const pre = this.pretrainNetworks(['compression'], x, rows, cols, ctx, c.pretrainEpochs, { before: 0, after: c.epochs });
    const before = layerPairs(this.mlp('compression')) * c.pretrainEpochs, total = before + c.epochs;
    const r = this.trainEpochs(x, rows, cols, ctx.rng, c.epochs, ctx.onProgress
      ? (ep, s) => ctx.onProgress!(before + ep, total, `DAGMM fine-tuning, ${progressLine(s)}`) : undefined);
    return { steps: pre.steps + r.steps, history: r.history };
  }
}

registerDetector({
  name: 'dagmm-p',
  summary: 'The DAGMM paper\'s DAGMM-p variant: DAGMM whose compression network is first pretrained greedily layer by layer, then fine-tuned end to end with DAGMM\'s objective; score = sample energy',
  paper: 'Zong et al., ICLR 2018 (Section 4.2, Appendix A)',
  paramsSchema: DagmmPParamsSchema,
  quickParams: { epochs: 5, batchSize: 64 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: DAGMM_P_PAPER_RUNS,
  create: (p) => new DagmmPDetector(p),
});

