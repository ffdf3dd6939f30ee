// Kernel micro-benchmark: GFLOPS of gemm at the DAGMM shapes (forward x W, and the two backward
// variants dW = x^T dY and dX = dY W^T) for the TypeScript and native backends, and microseconds per
// call of the other kernels at batch 1024. Prints one JSON object.
//   node dist/bench/kernels.js [--quick] [--threads N] [--native-only] [--no-gemm] [--mlp-only]
import { Act, Bin, type Kernels } from '../src/engine/backend/kernels.js';
import { TsKernels } from '../src/engine/backend/ts-kernels.js';
import { tsGmmKernels } from '../src/engine/backend/gmm-kernels.js';
import { loadNativeKernels, nativeLoadError } from '../src/engine/backend/native.js';
import { Rng } from '../src/engine/rng.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const mlpOnly = argv.includes('--mlp-only');
const ti = argv.indexOf('--threads');
const native = loadNativeKernels();
if (native && ti >= 0) native.setThreads(Number(argv[ti + 1]));

const SHAPES: Array<[number, number]> = [[120, 60], [60, 30], [30, 10], [10, 1], [1, 10], [10, 30], [30, 60],
  [60, 120], [3, 10], [10, 4]];

function rand(len: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const a = new Float32Array(len);
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

/** Median seconds per call over several timed batches (each batch >= minMs). */
function time(fn: () => void, minMs: number): number {
  for (let i = 0; i < 3; i++) fn(); // warm up (JIT, caches, worker threads)
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    const dt = performance.now() - t0;
    if (dt >= minMs / 5) break;
    reps *= 2;
  }
  const samples: number[] = [];
  for (let s = 0; s < 5; s++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    samples.push((performance.now() - t0) / 1000 / reps);
  }
  samples.sort((a, b) => a - b);
  return samples[2];
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

function gemmCase(k: Kernels, m: number, kk: number, n: number, minMs: number) {
  const x = rand(m * kk, 1), w = rand(kk * n, 2), y = new Float32Array(m * n), dy = rand(m * n, 3);
  const dw = new Float32Array(kk * n), dx = new Float32Array(m * kk);
  const flops = 2 * m * n * kk;
  const fwd = time(() => k.gemm(false, false, m, n, kk, x, w, 0, y), minMs);
  const dW = time(() => k.gemm(true, false, kk, n, m, x, dy, 1, dw), minMs);
  const dX = time(() => k.gemm(false, true, m, kk, n, dy, w, 0, dx), minMs);
  return { fwd: r3(flops / fwd / 1e9), dW: r3(flops / dW / 1e9), dX: r3(flops / dX / 1e9),
    us: { fwd: r3(fwd * 1e6), dW: r3(dW * 1e6), dX: r3(dX * 1e6) } };
}

const out: Record<string, unknown> = {
  native: native ? { loaded: true, threads: native.threads, simd: native.addon.simd() } : { loaded: false, why: nativeLoadError() },
  note: 'gemm GFLOPS = 2*m*k*n / time; shapes are "m x k x n" of the forward layer (dW: k x n += x^T(m x k) dY(m x n); dX: m x k = dY W^T)',
};

const backends: Array<[string, Kernels]> = argv.includes('--native-only') ? [] : [['typescript', new TsKernels()]];
if (native) backends.push(['native', native]);
const gemm: Record<string, Record<string, unknown>> = {};
for (const [name, k] of argv.includes('--no-gemm') || mlpOnly ? [] : backends) {
  const minMs = name === 'typescript' ? (quick ? 20 : 60) : (quick ? 30 : 150);
  const res: Record<string, unknown> = {};
  let fl = 0, sec = 0;
  for (const [kk, n] of SHAPES) {
    const r = gemmCase(k, 1024, kk, n, minMs);
    res[`1024x${kk}x${n}`] = r;
    fl += 3 * 2 * 1024 * kk * n;
    sec += (r.us.fwd + r.us.dW + r.us.dX) / 1e6;
  }
  res.stepGemms = { us: r3(sec * 1e6), GFLOPS: r3(fl / sec / 1e9), note: 'all 3 gemms of all 10 layers, batch 1024' };
  let fl8 = 0, sec8 = 0;
  for (const [kk, n] of SHAPES) {
    const r = gemmCase(k, 8192, kk, n, minMs);
    res[`8192x${kk}x${n}`] = { fwd: r.fwd, dW: r.dW, dX: r.dX };
    fl8 += 2 * 8192 * kk * n;
    sec8 += r.us.fwd / 1e6;
  }
  res.inference8192 = { us: r3(sec8 * 1e6), GFLOPS: r3(fl8 / sec8 / 1e9), note: 'forward gemms of all layers, batch 8192' };
  gemm[name] = res;
}
out.gemm = gemm;

// Other kernels (microseconds per call) at m = 1024.
const m = 1024;
const kernels: Record<string, Record<string, number>> = {};
for (const [name, k] of backends) {
  const minMs = name === 'typescript' ? (quick ? 20 : 50) : (quick ? 20 : 100);
  const r: Record<string, number> = {};
  const n = 120, len = m * n;
  const a = rand(len, 5), b = rand(len, 6), o = new Float32Array(len), ca = rand(m, 7), cb = rand(m, 8);
  const mask = new Float32Array(10240), rs = new Rng(5).state;
  r['keepMask 10240'] = r3(time(() => k.keepMask(rs, 10240, 0.8, 1.25, mask), minMs) * 1e6);
  // A DSEBM or DAE step on KDDCUP draws one normal per input value: 1024 x 120.
  const z = new Float64Array(len);
  r['normals 1024x120'] = r3(time(() => k.normals(rs, len, z), minMs) * 1e6);
  if (!mlpOnly) for (const act of ['tanh', 'sigmoid', 'relu', 'softplus'] as const) {
    r[`activation ${act} 1024x120`] = r3(time(() => k.activation(Act[act], 0, len, a, o), minMs) * 1e6);
    r[`activationGrad ${act} 1024x120`] = r3(time(() => k.activationGrad(Act[act], 0, len, a, b, o), minMs) * 1e6);
  }
  r['binary mul 1024x120'] = r3(time(() => k.binary(Bin.mul, len, a, b, o), minMs) * 1e6);
  r['binary div 1024x120'] = r3(time(() => k.binary(Bin.div, len, a, b, o), minMs) * 1e6);
  r['rowPairStats 1024x120'] = r3(time(() => k.rowPairStats(m, n, a, b, o), minMs) * 1e6);
  r['rowCombine acc 1024x120'] = r3(time(() => k.rowCombine(m, n, a, b, ca, cb, true, o), minMs) * 1e6);
  r['colSum 1024x120'] = r3(time(() => k.colSum(m, n, a, false, o), minMs) * 1e6);
  r['colSum 1024x10'] = r3(time(() => k.colSum(m, 10, a, false, o), minMs) * 1e6);
  r['binary add len 8 (call overhead)'] = r3(time(() => k.binary(Bin.add, 8, a, b, o), minMs) * 1e6);
  // Dense layers with tanh, forward (fused epilogue) and backward, over the whole DAGMM net.
  let fwdAll = 0, bwdAll = 0;
  for (const [kk, nn] of mlpOnly ? [] : SHAPES) {
    const x = rand(m * kk, 1), w = rand(kk * nn, 2), bias = rand(nn, 3), y = new Float32Array(m * nn);
    const dy = rand(m * nn, 4), dpre = new Float32Array(m * nn), dx = new Float32Array(m * kk);
    const dw = new Float32Array(kk * nn), db = new Float32Array(nn);
    const f = time(() => k.denseForward(m, nn, kk, x, w, bias, Act.tanh, 0, y), minMs);
    const bw = time(() => k.denseBackward(m, nn, kk, x, w, y, dy, Act.tanh, 0, dpre, dx, dw, db), minMs);
    r[`denseForward tanh 1024x${kk}x${nn}`] = r3(f * 1e6);
    r[`denseBackward tanh 1024x${kk}x${nn}`] = r3(bw * 1e6);
    fwdAll += f; bwdAll += bw;
  }
  r['denseForward all 10 layers'] = r3(fwdAll * 1e6);
  r['denseBackward all 10 layers'] = r3(bwdAll * 1e6);
  // The fused stacks (DAGMM compression net 120-60-30-10-1-10-30-60-120 and estimation net 3-10-4).
  for (const [label, sz, ac, mm] of [
    ['compression', [120, 60, 30, 10, 1, 10, 30, 60, 120], [1, 1, 1, 0, 1, 1, 1, 0], m],
    ['estimation', [3, 10, 4], [1, 0], m],
    ['compression', [120, 60, 30, 10, 1, 10, 30, 60, 120], [1, 1, 1, 0, 1, 1, 1, 0], 8192],
    ['thyroid', [6, 12, 4, 1, 4, 12, 6], [1, 1, 0, 1, 1, 0], 943],
    ['thyroid-estimation', [3, 10, 2], [1, 0], 943],
    ['arrhythmia', [274, 10, 2, 10, 274], [1, 0, 1, 0], 128],
  ] as Array<[string, number[], number[], number]>) {
    const sizes = Int32Array.from(sz), acts = Int32Array.from(ac), L = sz.length - 1;
    const ws = sz.slice(1).map((n, l) => rand(sz[l] * n, 20 + l)), bs = sz.slice(1).map((n, l) => rand(n, 40 + l));
    const x = rand(mm * sz[0], 60), outs = sz.slice(1).map((n) => new Float32Array(mm * n));
    r[`mlpForward ${label} ${mm}`] = r3(time(() => k.mlpForward(mm, sizes, ws, bs, acts, 0, x, outs), minMs) * 1e6);
    if (mm > m) continue;
    const douts = sz.slice(1).map((n, l) => (l === L - 1 ? rand(mm * n, 70) : null));
    const dpres = sz.slice(1).map((n) => new Float32Array(mm * n)), dx = new Float32Array(mm * sz[0]);
    const dws = ws.map((w) => new Float32Array(w.length)), dbs = bs.map((b) => new Float32Array(b.length));
    r[`mlpBackward ${label} ${mm}`] = r3(time(() =>
      k.mlpBackward(mm, sizes, ws, acts, 0, x, outs, douts, dpres, dx, dws, dbs), minMs) * 1e6);
  }
  {
    const len = 20000, w = rand(len, 1), g = rand(len, 2), mo = new Float32Array(len), v = new Float32Array(len);
    r['adamStep 72'] = r3(time(() => k.adamStep(72, w, g, mo, v, 1e-4, 0.5, 0.9, 0.999, 1e-8, 0), minMs) * 1e6);
    r['adamStep 20000'] = r3(time(() => k.adamStep(len, w, g, mo, v, 1e-4, 0.5, 0.9, 0.999, 1e-8, 0), minMs) * 1e6);
    const src = rand(8192 * 120, 3), idx = new Int32Array(8192).map((_, i) => (i * 4099) % 8192);
    const dst = new Float32Array(m * 120);
    r['gatherRows 1024x120'] = r3(time(() => k.gatherRows(m, 120, src, idx, 0, dst), minMs) * 1e6);
  }
  // GMM loops (k = 4 components, d = 3 latent dims) at the training batch and the scoring batch.
  const gk = k.gmm ?? tsGmmKernels;
  for (const n of mlpOnly ? [] : [m, 8192]) {
    const K = 4, D = 3;
    const z = rand(n * D, 80), gamma = new Float32Array(n * K);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < K; c++) { gamma[i * K + c] = 0.1 + Math.abs(z[i * D + (c % D)]); s += gamma[i * K + c]; }
      for (let c = 0; c < K; c++) gamma[i * K + c] /= s;
    }
    const s = new Float64Array(K), mu = new Float64Array(K * D), cov = new Float64Array(K * D * D);
    gk.moments(n, K, D, z, gamma, s, mu, cov);
    const prec = new Float64Array(K * D * D), base = new Float64Array(K).fill(-2);
    for (let c = 0; c < K; c++) for (let a = 0; a < D; a++) prec[c * D * D + a * D + a] = 4 + c;
    const energy = new Float64Array(n), resp = new Float64Array(n * K), wv = new Float64Array(n * K * D);
    const gE = rand(n, 81), gz = new Float32Array(n * D), gGamma = new Float32Array(n * K);
    const gLogp = new Float64Array(K), gMu = new Float64Array(K * D), gOuter = new Float64Array(K * D * D);
    const gSig = new Float64Array(K * D * D).fill(0.01), gS = new Float64Array(K).fill(0.1);
    r[`gmm.energy ${n} (no resp)`] = r3(time(() => gk.energy(n, K, D, z, mu, prec, base, energy, null, null), minMs) * 1e6);
    if (n > m) continue;
    r[`gmm.moments ${n}`] = r3(time(() => gk.moments(n, K, D, z, gamma, s, mu, cov), minMs) * 1e6);
    r[`gmm.energy ${n} (resp, w)`] = r3(time(() => gk.energy(n, K, D, z, mu, prec, base, energy, resp, wv), minMs) * 1e6);
    r[`gmm.backwardAccumulate ${n}`] = r3(time(() =>
      gk.backwardAccumulate(n, K, D, gE, resp, wv, gLogp, gMu, gOuter, gz), minMs) * 1e6);
    r[`gmm.backwardApply ${n}`] = r3(time(() =>
      gk.backwardApply(n, K, D, z, gamma, s, mu, gMu, gSig, gS, gz, gGamma), minMs) * 1e6);
    const lg = rand(n * K, 82), so = new Float32Array(n * K);
    if (k.softmaxRows) r[`softmaxRows ${n}x${K}`] = r3(time(() => k.softmaxRows?.(n, K, lg, false, so), minMs) * 1e6);
  }
  kernels[name] = r;
}
out.kernelsMicroseconds = kernels;
console.log(JSON.stringify(out, null, 1));
