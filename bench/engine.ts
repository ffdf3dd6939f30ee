/**
 * Engine benchmark on the PyTorch reference workload (dagmm_torch.py): one DAGMM training epoch over
 * 200,000 x 120 rows at batch 1024 (Adam, dropout, full loss) and energy scoring at batch 8192 with fixed
 * GMM parameters. Prints one JSON object. Usage: node dist/bench/engine.js [--json] [--rows N]
 * [--epochs N] [--backend auto|native|typescript] [--threads N]
 */
import { kernels } from '../src/engine/backend/index.js';
import { Adam } from '../src/engine/optim.js';
import { Rng } from '../src/engine/rng.js';
import { Tape, Tensor } from '../src/engine/tensor.js';
import { gmmParamsFromMemberships } from '../src/gmm/gmm.js';
import { scoreEnergies } from '../src/detectors/dagmm/network.js';
import { backendInfo, useBestBackend, type BackendPreference } from '../src/backend-node.js';
import { makeData, referenceNetwork } from './workload.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

const rows = Number(arg('rows', '200000'));
const epochs = Number(arg('epochs', '1'));
const batch = Number(arg('batch', '1024'));
const inferBatch = Number(arg('infer-batch', '8192'));
const warmup = Number(arg('warmup', '10'));
const threadsArg = arg('threads', '');
useBestBackend(arg('backend', 'auto') as BackendPreference, threadsArg ? Number(threadsArg) : undefined);
const cols = 120;

const X = makeData(rows, cols);
const rng = new Rng(123);

function train(): { epochS: number[]; lastLoss: number; nanSteps: number } {
  const net = referenceNetwork();
  const opt = new Adam(net.parameters(), { lr: 1e-4 });
  const tape = new Tape();
  const xb = new Float32Array(batch * cols);
  const dropRng = rng.fork('dropout');
  let lastLoss = NaN, nanSteps = 0;
  const step = (idx: Int32Array, s: number, e: number): void => {
    const n = e - s;
    kernels().gatherRows(n, cols, X, idx, s, xb);
    const t = new Tensor(n === batch ? xb : xb.subarray(0, n * cols), [n, cols]);
    opt.zeroGrad();
    const l = tape.record(() => net.loss(t, true, dropRng));
    tape.backward(l.loss);
    opt.step();
    lastLoss = l.loss.item();
    if (!Number.isFinite(lastLoss)) nanSteps++;
  };
  const warm = rng.fork('warmup').permutation(rows);
  for (let w = 0; w < warmup; w++) step(warm, w * batch, Math.min(rows, (w + 1) * batch));
  const epochS: number[] = [];
  for (let ep = 0; ep < epochs; ep++) {
    const perm = rng.fork(`epoch${ep}`).permutation(rows);
    const t0 = performance.now();
    for (let s = 0; s < rows; s += batch) step(perm, s, Math.min(rows, s + batch));
    epochS.push((performance.now() - t0) / 1000);
  }
  tape.release();
  return { epochS, lastLoss, nanSteps };
}

function infer(): { epochS: number[]; meanEnergy: number } {
  const net = referenceNetwork();
  // Fixed GMM parameters from the first 8192 rows, as the reference does.
  const tape = new Tape({ grad: false });
  const head = new Tensor(X.subarray(0, Math.min(rows, 8192) * cols), [Math.min(rows, 8192), cols]);
  const params = tape.record(() => {
    const { z } = net.forward(head);
    const gamma = net.memberships(z, false);
    return gmmParamsFromMemberships([{ z: z.data, gamma: gamma.data, n: head.rows }], net.k, z.cols, { covEps: 1e-6 });
  });
  tape.release();
  const out = new Float64Array(rows);
  scoreEnergies(net, params, X, Math.min(rows, inferBatch), inferBatch, out);
  const epochS: number[] = [];
  let acc = 0;
  for (let ep = 0; ep < epochs; ep++) {
    const t0 = performance.now();
    scoreEnergies(net, params, X, rows, inferBatch, out);
    epochS.push((performance.now() - t0) / 1000);
    acc = 0;
    for (let i = 0; i < rows; i++) acc += out[i];
  }
  return { epochS, meanEnergy: acc / rows };
}

const median = (a: number[]): number => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const tr = train();
const inf = infer();
const info = backendInfo();
const result = {
  bench: 'engine',
  workload: 'dagmm_torch.py KDDCUP DAGMM (120-60-30-10-1-10-30-60-120 tanh, estimation 3-10-4, K=4)',
  backend: info.backend,
  threads: info.threads,
  rows, batch, infer_batch: inferBatch, epochs,
  train_epoch_s: median(tr.epochS),
  train_samples_per_s: rows / median(tr.epochS),
  infer_epoch_s: median(inf.epochS),
  infer_samples_per_s: rows / median(inf.epochS),
  last_loss: tr.lastLoss,
  nan_steps: tr.nanSteps,
  mean_energy: inf.meanEnergy,
  node: process.version,
};
console.log(JSON.stringify(result, null, process.argv.includes('--json') ? 0 : 2));
