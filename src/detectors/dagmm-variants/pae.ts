/**
 * PAE, the DAGMM paper's pretrained autoencoder baseline (Zong et al., ICLR 2018, Section 4.2 and Appendix A):
 * DAGMM without the energy term, i.e. a deep autoencoder, trained with the pretraining strategy of Vincent et
 * al. (2010): greedy layer-wise pretraining of each encoder layer with its mirror (deep/pretrain.ts), then
 * fine-tuning of the whole autoencoder on mean squared reconstruction error (Appendix A gives epochs for both
 * stages); score = a row's mean squared reconstruction error.
 *
 * PaeDetector is also the first step of PAE-GMM-EM (pae-gmm-em.ts).
 */
import * as z from '../../zod.js';
import type { Mlp } from '../../nn/mlp.js';
import { reconstructionParamsShape, registerReconstructionDetector } from '../ae/detector.js';
import { AutoencoderBase, type AutoencoderConfig } from '../ae/network.js';
import { progressLine, type EpochStats } from '../deep/detector.js';
import type { MatrixContext } from '../detector.js';
import { parseParams } from '../params.js';
import { PAE_PAPER_RUNS } from './paper-configs.js';

/** The schema field for epochs per layer pair of the layer-wise pretraining. */
export const pretrainEpochsShape = {
  pretrainEpochs: z.optional(z.number().check(z.int(), z.minimum(0)))
    .check(z.describe('epochs of greedy layer-wise pretraining per encoder layer and its mirror; default: epochs (the paper uses the same count for every stage); 0: none')),
};

export const PaeParamsSchema = z.strictObject({ ...reconstructionParamsShape(), ...pretrainEpochsShape });
export type PaeParams = z.infer<typeof PaeParamsSchema>;

export interface PaeConfig extends AutoencoderConfig { pretrainEpochs: number }

/** The number of encoder/mirror pairs of an encoder and decoder (their dense layers, halved). */
export function layerPairs(...nets: readonly Mlp[]): number {
  return nets.reduce((s, n) => s + n.weights.length, 0) / 2;
}

export class PaeDetector<P extends PaeParams = PaeParams, C extends PaeConfig = PaeConfig> extends AutoencoderBase<P, C> {
  readonly name: string = 'pae';
  readonly scoreName: string = 'reconstruction error';

  constructor(params: z.input<typeof PaeParamsSchema> = {}, parsed?: P) {
    super(parsed ?? parseParams('pae', PaeParamsSchema, params) as P);
  }

  /** Subclasses extending C override this and add their fields. */
  protected configure(d: number, rows: number): C {
    const c = this.autoencoderConfig(d, rows);
    return { ...c, pretrainEpochs: this.params.pretrainEpochs ?? c.epochs } as C;
  }

  /** Epochs of the stages after fine-tuning (for progress); none here. */
  protected epochsAfterFineTuning(): number { return 0; }

  /** Runs between pretraining and fine-tuning (e.g. DCN's k-means on the pretrained codes); nothing here. */
  protected beforeFineTuning(_x: Float32Array, _rows: number, _cols: number, _ctx: MatrixContext): void { /* optional hook */ }

  /** Layer-wise pretraining, then fine-tuning of the whole autoencoder (the template's loop, stream as ae's). */
  protected override train(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number; history: EpochStats[] } {
    const c = this.config, after = c.epochs + this.epochsAfterFineTuning();
    const pre = this.pretrainNetworks(['encoder', 'decoder'], x, rows, cols, ctx, c.pretrainEpochs, { before: 0, after });
    this.beforeFineTuning(x, rows, cols, ctx);
    const before = layerPairs(this.mlp('encoder'), this.mlp('decoder')) * c.pretrainEpochs, total = before + after;
    const ft = this.trainEpochs(x, rows, cols, ctx.rng, c.epochs, ctx.onProgress
      ? (ep, s) => ctx.onProgress!(before + ep, total, `fine-tuning, ${progressLine(s)}`) : undefined);
    return { steps: pre.steps + ft.steps, history: ft.history };
  }
}

registerReconstructionDetector({
  name: 'pae',
  summary: 'The DAGMM paper\'s PAE baseline: a deep autoencoder pretrained greedily layer by layer (each encoder layer with its mirror, as a shallow autoencoder on the codes below), then fine-tuned end to end on mean squared error; score = a row\'s mean squared reconstruction error',
  paper: 'Zong et al., ICLR 2018 (Section 4.2, Appendix A); pretraining after Vincent et al., JMLR 2010',
  paramsSchema: PaeParamsSchema,
  paperConfigs: PAE_PAPER_RUNS,
  create: (p) => new PaeDetector(p),
});
