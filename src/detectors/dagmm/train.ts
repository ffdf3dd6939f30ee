/**
 * End-to-end DAGMM training on bare matrices (no preprocessing, no threshold): the deep-detector
 * template's training loop (shuffled mini-batches, Adam, dropout, everything seeded) on a DagmmNetwork,
 * then the GMM parameters over all rows. DagmmDetector runs the same loop with the same streams.
 */
import { Rng } from '../../engine/rng.js';
import type { Tensor } from '../../engine/tensor.js';
import type { GmmParams } from '../../gmm/gmm.js';
import { trainLoop, type LossOutput, type StepContext } from '../deep/train-loop.js';
import { DagmmNetwork, fitGmmParams, type DagmmNetworkConfig } from './network.js';

export interface DagmmTrainOptions {
  epochs: number;
  batchSize: number;
  learningRate?: number;
  seed: number;
  /** Called after each epoch with the mean loss terms. */
  onEpoch?: (epoch: number, stats: { loss: number; recon: number; energy: number; covPenalty: number }) => void;
}

export interface TrainedDagmm {
  net: DagmmNetwork;
  /** GMM parameters over the whole training set, used for scoring. */
  gmm: GmmParams;
  steps: number;
  seconds: number;
}

/** A batch of one row has no covariance: DAGMM skips such a trailing batch. */
export const DAGMM_MIN_BATCH_ROWS = 2;

/** The DAGMM objective of one batch, with its terms for progress; onParams sees the batch's GMM parameters. */
export function dagmmBatchLoss(net: DagmmNetwork, batch: Tensor, ctx: StepContext, onParams?: (p: GmmParams) => void): LossOutput {
  const l = net.loss(batch, ctx.training, ctx.rng);
  onParams?.(l.params);
  return { loss: l.loss, terms: { recon: l.recon, energy: l.energy, covPenalty: l.covPenalty } };
}

export function trainDagmm(config: DagmmNetworkConfig, x: Float32Array, rows: number, o: DagmmTrainOptions): TrainedDagmm {
  const rng = new Rng(o.seed);
  const net = new DagmmNetwork(config, rng.fork('init'));
  const onEpoch = o.onEpoch;
  const t = trainLoop({ parameters: () => net.parameters(), loss: (b, ctx) => dagmmBatchLoss(net, b, ctx) }, x, rows, net.inputSize, rng, {
    what: 'DAGMM', epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate ?? 1e-4, minBatchRows: DAGMM_MIN_BATCH_ROWS,
    onEpoch: onEpoch ? (ep, s) => onEpoch(ep, { loss: s.loss, recon: s.terms.recon, energy: s.terms.energy, covPenalty: s.terms.covPenalty }) : undefined,
  });
  const gmm = fitGmmParams(net, x, rows);
  return { net, gmm, steps: t.steps, seconds: t.seconds };
}
