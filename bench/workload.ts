/**
 * The PyTorch reference workload (shared/bench/pytorch-reference/common.py), reproduced bit for bit:
 * hash-based float32 data and Glorot weights, so both sides train the same network on the same rows.
 */
import { Rng } from '../src/engine/rng.js';
import { DagmmNetwork } from '../src/detectors/dagmm/network.js';

export const KDD_COMPRESSION = 'FC(120,60,tanh)-FC(60,30,tanh)-FC(30,10,tanh)-FC(10,1,none)-FC(1,10,tanh)-FC(10,30,tanh)-FC(30,60,tanh)-FC(60,120,none)';
export const KDD_ESTIMATION = 'FC(3,10,tanh)-Drop(0.5)-FC(10,4,softmax)';
const AE_DIMS: [number, number][] = [[120, 60], [60, 30], [30, 10], [10, 1], [1, 10], [10, 30], [30, 60], [60, 120]];
const EST_DIMS: [number, number][] = [[3, 10], [10, 4]];

function hash32(x: number): number {
  x >>>= 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** common.uniform_array: n float32 values in [0, 1). */
export function uniformArray(n: number, seed: number): Float32Array {
  const off = Number((BigInt(seed) * 0x9e3779b9n) & 0xffffffffn);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (hash32((i + off) >>> 0) >>> 8) / 16777216;
  return out;
}

/** common.glorot: [fin, fout] float32 with numpy's float32 rounding. */
export function glorot(fin: number, fout: number, seed: number): Float32Array {
  const u = uniformArray(fin * fout, seed);
  const lim = Math.fround(Math.sqrt(6 / (fin + fout)));
  const out = new Float32Array(u.length);
  for (let i = 0; i < u.length; i++) out[i] = Math.fround(Math.fround(Math.fround(2 * u[i]) - 1) * lim);
  return out;
}

/** common.make_data: rows x cols. */
export function makeData(rows: number, cols = 120, seed = 42): Float32Array {
  return uniformArray(rows * cols, seed);
}

/** The reference DAGMM network with common.init_weights() loaded. */
export function referenceNetwork(): DagmmNetwork {
  const net = new DagmmNetwork({ compression: KDD_COMPRESSION, estimation: KDD_ESTIMATION, covEps: 1e-6 }, new Rng(0));
  const dims = [...AE_DIMS, ...EST_DIMS];
  const weights = [...net.compression.weights, ...net.estimation.weights];
  const biases = [...net.compression.biases, ...net.estimation.biases];
  dims.forEach(([i, o], l) => {
    weights[l].data.set(glorot(i, o, 1000 + l));
    biases[l].data.fill(0);
  });
  return net;
}
