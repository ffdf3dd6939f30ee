/** End-to-end DAGMM training: shuffled mini-batches, Adam, dropout, everything seeded. */
import { kernels } from '../../engine/backend/index.js';
import { Adam } from '../../engine/optim.js';
import { Rng } from '../../engine/rng.js';
import { Tape, Tensor } from '../../engine/tensor.js';
import { assertFiniteMatrix } from '../../engine/validate.js';
import type { GmmParams } from '../../gmm/gmm.js';
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

export function trainDagmm(config: DagmmNetworkConfig, x: Float32Array, rows: number, o: DagmmTrainOptions): TrainedDagmm {
  const rng = new Rng(o.seed);
  const net = new DagmmNetwork(config, rng.fork('init'));
  const cols = net.inputSize;
  assertFiniteMatrix(x, rows, cols, 'training data');
  if (!(Number.isInteger(o.batchSize) && o.batchSize > 0)) throw new Error(`batch size must be a positive integer, got ${o.batchSize}`);
  if (!(Number.isInteger(o.epochs) && o.epochs >= 0)) throw new Error(`epochs must be a non-negative integer, got ${o.epochs}`);
  const batch = Math.min(o.batchSize, rows);
  const opt = new Adam(net.parameters(), { lr: o.learningRate ?? 1e-4 });
  const tape = new Tape();
  const shuffle = rng.fork('shuffle'), dropRng = rng.fork('dropout');
  const buf = new Float32Array(batch * cols);
  const perm = new Int32Array(rows);
  for (let i = 0; i < rows; i++) perm[i] = i;
  const t0 = performance.now();
  let steps = 0;
  for (let ep = 0; ep < o.epochs; ep++) {
    shuffle.shuffle(perm);
    let sl = 0, sr = 0, se = 0, sp = 0, nb = 0;
    for (let s = 0; s < rows; s += batch) {
      const n = Math.min(batch, rows - s);
      // A trailing batch of one row has no covariance: skip it.
      if (n < 2 && s > 0) break;
      kernels().gatherRows(n, cols, x, perm, s, buf);
      const xb = new Tensor(n === batch ? buf : buf.subarray(0, n * cols), [n, cols]);
      opt.zeroGrad();
      const l = tape.record(() => net.loss(xb, true, dropRng));
      tape.backward(l.loss);
      opt.step();
      steps++;
      const lv = l.loss.item();
      if (!Number.isFinite(lv)) throw new Error(`DAGMM training diverged at epoch ${ep + 1}, step ${steps}: loss ${lv}`);
      sl += lv; sr += l.recon.item(); se += l.energy.item(); sp += l.covPenalty.item(); nb++;
    }
    o.onEpoch?.(ep + 1, { loss: sl / nb, recon: sr / nb, energy: se / nb, covPenalty: sp / nb });
  }
  tape.release();
  const gmm = fitGmmParams(net, x, rows);
  return { net, gmm, steps, seconds: (performance.now() - t0) / 1000 };
}
