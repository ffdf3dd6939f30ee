// Native kernels vs the TypeScript oracle, on seeded random data over many shapes, for the AVX2 and the
// portable scalar paths and for several thread counts; plus determinism and argument validation.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNativeKernels, nativeLoadError, type NativeKernels } from '../../src/engine/backend/native.js';
import { TsKernels } from '../../src/engine/backend/ts-kernels.js';
import { Acc, type AccCode, accumulateInto, accumulateScaledDifferenceInto, addScaledInto, columnAccumulateInto, meanCrossProductsInto, scaleColumnsInto, rowBroadcastAddInto, rowSumInto, rowSumBackwardInto, logSoftmaxInto, logSoftmaxBackwardInto, logSumExpInto, logSumExpBackwardInto, knnLeafUpdateInto, transposeShiftInto, isolationPathSumsInto, hyperplaneDot, unitNormalizeInto, unitNormalizeBackwardInto, squaredErrorSumOf, Act, Bin, type ActCode, type BinCode, squaredDistancesInto, tripletHingeInto, tripletHingeBackwardInto } from '../../src/engine/backend/kernels.js';
import { tsGmmKernels, type GmmKernels } from '../../src/engine/backend/gmm-kernels.js';
import { Rng, keepMaskInto, normalsInto, ZIGGURAT, zigguratTail } from '../../src/engine/rng.js';
import { growForest, leafPathLengths } from '../../src/detectors/iforest/forest.js';

const loaded = loadNativeKernels();
const skip: string | false = loaded ? false : `native addon unavailable: ${nativeLoadError() ?? 'unknown reason'}`;
if (skip) console.log(`# SKIPPING native kernel tests (${skip})`);
const ts = new TsKernels();

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rand(len: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed), a = new Float32Array(len);
  for (let i = 0; i < len; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** |got - want| <= rel * (1 + |want|) elementwise (NaN must match NaN, infinities must match exactly). */
function close(got: Float32Array, want: Float32Array, rel: number, what: string, abs = 0): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (Number.isNaN(w)) { assert.ok(Number.isNaN(g), `${what}[${i}]: want NaN, got ${g}`); continue; }
    if (!Number.isFinite(w)) { assert.equal(g, w, `${what}[${i}]: want ${w}, got ${g}`); continue; }
    const tol = rel * (1 + Math.abs(w)) + abs;
    if (!(Math.abs(g - w) <= tol)) assert.fail(`${what}[${i}]: got ${g}, want ${w} (|diff| ${Math.abs(g - w)} > ${tol})`);
  }
}

/** Relative closeness for transcendental outputs: |got - want| <= rel*|want| + 1e-37 (subnormal slack). */
function closeRel(got: Float32Array, want: Float32Array, rel: number, what: string, inputs?: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i], at = inputs ? ` at input ${inputs[i]}` : '';
    if (Number.isNaN(w)) { assert.ok(Number.isNaN(g), `${what}[${i}]${at}: want NaN, got ${g}`); continue; }
    if (!Number.isFinite(w)) { assert.equal(g, w, `${what}[${i}]${at}: want ${w}, got ${g}`); continue; }
    const d = Math.abs(g - w);
    if (Math.abs(w) > 1e-30) worst = Math.max(worst, d / Math.abs(w));
    if (!(d <= rel * Math.abs(w) + 1e-37)) assert.fail(`${what}[${i}]${at}: got ${g}, want ${w} (rel ${d / Math.abs(w)})`);
  }
  return worst;
}

/** Oracle results are computed once per case and reused by every mode (the TS oracle dominates the run time). */
const memo = new Map<string, Float32Array[]>();
function oracle(key: string, compute: () => Float32Array[]): Float32Array[] {
  let r = memo.get(key);
  if (!r) { r = compute(); memo.set(key, r); }
  return r;
}

type Mode = { simd: 'avx2' | 'scalar'; threads: number };
function modes(): Mode[] {
  if (!loaded) return [{ simd: 'scalar', threads: 1 }];
  const hasAvx2 = loaded.addon.simd() === 'avx2';
  const out: Mode[] = [];
  for (const simd of hasAvx2 ? ['avx2', 'scalar'] as const : ['scalar'] as const) {
    for (const threads of simd === 'avx2' ? [1, 2, 3] : [1, 2]) out.push({ simd, threads });
  }
  return out;
}

function withMode<T>(mode: Mode, fn: (k: NativeKernels) => T): T {
  const k = loaded as NativeKernels;
  const prevSimd = k.addon.simd() as 'avx2' | 'scalar', prevThreads = k.threads;
  k.addon.simd(mode.simd);
  k.setThreads(mode.threads);
  try {
    return fn(k);
  } finally {
    k.addon.simd(prevSimd);
    k.setThreads(prevThreads);
  }
}

const ODD = [1, 3, 7, 17, 33, 61, 127];
const DAGMM: Array<[number, number]> = [[120, 60], [60, 30], [30, 10], [10, 1], [1, 10], [10, 30], [30, 60],
  [60, 120], [3, 10], [10, 4]];

function checkGemm(k: NativeKernels, ta: boolean, tb: boolean, m: number, n: number, kk: number, beta: 0 | 1,
  seed: number): void {
  const a = rand(m * kk, seed), b = rand(kk * n, seed + 1), c0 = rand(m * n, seed + 2);
  const got = c0.slice();
  const [want] = oracle(`gemm ${ta} ${tb} ${m} ${n} ${kk} ${beta} ${seed}`, () => {
    const w = c0.slice();
    ts.gemm(ta, tb, m, n, kk, a, b, beta, w);
    return [w];
  });
  k.gemm(ta, tb, m, n, kk, a, b, beta, got);
  close(got, want, 1e-5 * Math.sqrt(kk), `gemm ta=${ta} tb=${tb} m=${m} n=${n} k=${kk} beta=${beta}`);
}

const ACTS: Array<[string, ActCode]> = Object.entries(Act) as Array<[string, ActCode]>;

function specialInputs(): Float32Array {
  const v = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 1e-30, -1e-30, 1e-8, -1e-8, 1e-3, -1e-3, 0.5, -0.5,
    0.6249, 0.625, 0.6251, -0.625, 0.7, -0.7, 1, -1, 2, -2, 5, -5, 8.9, 9, 9.1, -9, 10, -10, 15, -15, 17, -17,
    20, -20, 30, -30, 44, -44, 50, -50, 80, -80, 87, -87, 88, -88, 88.7, -88.7, 89, -89, 100, -100, 103, -103,
    104, -104, 105, -105, 1e6, -1e6, 3.4e38, -3.4e38];
  return new Float32Array(v);
}

function actInputs(seed: number): Float32Array {
  const parts = [specialInputs(), rand(4001, seed, -1, 1), rand(4001, seed + 1, -12, 12), rand(2001, seed + 2, -100, 100),
    rand(1001, seed + 3, -1e-3, 1e-3), rand(1001, seed + 4, -110, -80)];
  const len = parts.reduce((s, p) => s + p.length, 0), out = new Float32Array(len);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Rows i and j of a row-major matrix hold equal values. */
function sameRow(x: Float32Array, i: number, j: number, cols: number): boolean {
  for (let c = 0; c < cols; c++) if (x[i * cols + c] !== x[j * cols + c]) return false;
  return true;
}

describe('native kernels', { skip }, () => {
  for (const mode of modes()) {
    const tag = `[${mode.simd}, ${mode.threads}T]`;

    test(`gemm odd sizes, all transposes, beta 0/1 ${tag}`, () => withMode(mode, (k) => {
      let seed = 1;
      for (const ta of [false, true]) for (const tb of [false, true]) for (const beta of [0, 1] as const) {
        for (const m of ODD) for (const n of ODD) for (const kk of ODD) {
          if (mode.simd === 'scalar' && m * n * kk > 40000) continue; // keep the scalar run short
          checkGemm(k, ta, tb, m, n, kk, beta, seed++);
        }
      }
    }));

    test(`gemm DAGMM shapes (m=1024 all transposes; m=8192 forward and backward) ${tag}`, () => withMode(mode, (k) => {
      let seed = 1000;
      for (const [kk, n] of DAGMM) {
        for (const ta of [false, true]) for (const tb of [false, true]) for (const beta of [0, 1] as const) {
          if (mode.threads === 3 && (ta || tb)) continue; // 3T: only the forward layout
          checkGemm(k, ta, tb, 1024, n, kk, beta, seed++);
        }
        if (mode.threads !== 3 && mode.simd === 'avx2') {
          checkGemm(k, false, false, 8192, n, kk, 0, seed++); // forward
          checkGemm(k, true, false, kk, n, 8192, 1, seed++); // dW = x^T dY
          checkGemm(k, false, true, 8192, kk, n, 0, seed++); // dX = dY W^T
        }
        checkGemm(k, true, false, kk, n, 1024, 1, seed++); // dW = x^T dY at batch 1024
        checkGemm(k, false, true, 1024, kk, n, 0, seed++); // dX = dY W^T
      }
    }));

    test(`gemm with long k (several k blocks) and degenerate sizes ${tag}`, () => withMode(mode, (k) => {
      checkGemm(k, false, false, 13, 37, 700, 1, 7);
      checkGemm(k, true, true, 29, 21, 530, 0, 8);
      checkGemm(k, true, false, 61, 33, 1300, 1, 9);
      // k = 0: C = beta * C
      const c = rand(12, 3), keep = c.slice();
      k.gemm(false, false, 3, 4, 0, new Float32Array(0), new Float32Array(0), 1, c);
      assert.ok(bitsEqual(c, keep));
      k.gemm(false, false, 3, 4, 0, new Float32Array(0), new Float32Array(0), 0, c);
      assert.ok(c.every((v) => v === 0));
      // denseForward with k = 0 is act(bias); denseBackward with m = 0 leaves dw/db unchanged
      const o1 = new Float32Array(6), o2 = new Float32Array(6), bias = rand(3, 4);
      ts.denseForward(2, 3, 0, new Float32Array(0), new Float32Array(0), bias, Act.sigmoid, 0, o1);
      k.denseForward(2, 3, 0, new Float32Array(0), new Float32Array(0), bias, Act.sigmoid, 0, o2);
      close(o2, o1, 3e-7, 'denseForward k=0');
      const dw = rand(6, 5), db = rand(3, 6), dw0 = dw.slice(), db0 = db.slice(), e = new Float32Array(0);
      k.denseBackward(0, 3, 2, e, rand(6, 7), e, e, Act.tanh, 0, e, e, dw, db);
      assert.ok(bitsEqual(dw, dw0) && bitsEqual(db, db0));
      // m = 0 / n = 0 are no-ops
      k.gemm(false, false, 0, 4, 3, new Float32Array(0), rand(12, 1), 0, new Float32Array(0));
      k.gemm(false, false, 4, 0, 3, rand(12, 1), new Float32Array(0), 0, new Float32Array(0));
    }));

    test(`denseForward with and without bias, every activation ${tag}`, () => withMode(mode, (k) => {
      let seed = 5000;
      const shapes: Array<[number, number, number]> = [[1, 1, 1], [7, 3, 5], [33, 17, 61], [127, 61, 7], [5, 100, 300]];
      for (const [kk, n] of DAGMM) shapes.push([1024, n, kk]);
      for (const [m, n, kk] of shapes) {
        for (const [name, act] of ACTS) {
          for (const withBias of [false, true]) {
            const x = rand(m * kk, seed++, -2, 2), w = rand(kk * n, seed++, -1, 1), bias = withBias ? rand(n, seed++) : null;
            const got = new Float32Array(m * n).fill(NaN);
            const [want] = oracle(`dense ${m} ${n} ${kk} ${act} ${seed}`, () => {
              const o = new Float32Array(m * n);
              ts.denseForward(m, n, kk, x, w, bias, act, 0.1, o);
              return [o];
            });
            k.denseForward(m, n, kk, x, w, bias, act, 0.1, got);
            close(got, want, 2e-5 * Math.sqrt(kk), `denseForward ${name} bias=${withBias} ${m}x${kk}x${n}`);
          }
        }
      }
    }));

    test(`activation forward accuracy, NaN/Inf, saturation ${tag}`, () => withMode(mode, (k) => {
      const x = actInputs(11);
      const worst: Record<string, number> = {};
      for (const [name, act] of ACTS) {
        for (const alpha of [0.01, 0.2]) {
          const want = new Float32Array(x.length), got = new Float32Array(x.length);
          ts.activation(act, alpha, x.length, x, want);
          k.activation(act, alpha, x.length, x, got);
          worst[name] = Math.max(worst[name] ?? 0, closeRel(got, want, 3e-7, `activation ${name}`, x));
          // in place (out aliases x)
          const inplace = x.slice();
          k.activation(act, alpha, x.length, inplace, inplace);
          assert.ok(bitsEqual(inplace, got), `activation ${name} in place`);
        }
      }
      console.log(`# ${tag} max relative error vs double reference: ${JSON.stringify(worst)}`);
    }));

    test(`activationGrad from outputs, NaN/Inf, aliasing ${tag}`, () => withMode(mode, (k) => {
      const x = actInputs(21);
      for (const [name, act] of ACTS) {
        const y = new Float32Array(x.length);
        ts.activation(act, 0.1, x.length, x, y);
        // Arbitrary values (incl. NaN/Inf) as y too; softplus outputs are >= 0, so there y >= -80 keeps
        // act'(y) = -expm1(-y) inside float range (the oracle keeps it in double).
        const arbitrary = act === Act.softplus ? x.map((v) => (v < -80 ? -80 : v)) : x;
        for (const ys of [y, arbitrary]) {
          const dy = rand(x.length, 22, -3, 3);
          dy[0] = NaN; dy[1] = Infinity; dy[2] = -Infinity;
          const want = new Float32Array(x.length), got = new Float32Array(x.length);
          ts.activationGrad(act, 0.1, x.length, ys, dy, want);
          k.activationGrad(act, 0.1, x.length, ys, dy, got);
          close(got, want, 4e-7, `activationGrad ${name}`, 1e-37);
          const alias = dy.slice();
          k.activationGrad(act, 0.1, x.length, ys, alias, alias);
          assert.ok(bitsEqual(alias, got), `activationGrad ${name} with dx aliasing dy`);
        }
      }
    }));

    test(`denseBackward: dx/db null or not, dpre aliasing dy ${tag}`, () => withMode(mode, (k) => {
      let seed = 9000;
      const shapes: Array<[number, number, number]> = [[1, 1, 1], [7, 3, 5], [33, 17, 61], [127, 61, 7]];
      for (const [kk, n] of DAGMM) shapes.push([1024, n, kk]);
      for (const [m, n, kk] of shapes) {
        for (const [name, act] of ACTS) {
          for (const variant of [0, 1, 2, 3]) {
            // at batch 1024 every activation once, every dx/db/alias variant for none and tanh
            if (m === 1024 && variant > 0 && act !== Act.tanh && act !== Act.none) continue;
            const withDx = variant !== 1, withDb = variant !== 2, alias = variant === 3;
            const x = rand(m * kk, seed++, -1, 1), w = rand(kk * n, seed++);
            const y = new Float32Array(m * n);
            ts.activation(act, 0.1, m * n, rand(m * n, seed++, -3, 3), y);
            const dy = rand(m * n, seed++), dw0 = rand(kk * n, seed++), db0 = rand(n, seed++);
            const run = (kern: TsKernels | NativeKernels) => {
              const dyc = dy.slice(), dpre = alias ? dyc : new Float32Array(m * n).fill(NaN);
              const dx = withDx ? new Float32Array(m * kk).fill(NaN) : null, dw = dw0.slice();
              const db = withDb ? db0.slice() : null;
              kern.denseBackward(m, n, kk, x, w, y, dyc, act, 0.1, dpre, dx, dw, db);
              return { dpre, dx, dw, db, dyc };
            };
            const [wdpre, wdx, wdw, wdb] = oracle(`backward ${m} ${n} ${kk} ${act} ${variant} ${seed}`, () => {
              const r = run(ts);
              return [r.dpre, r.dx ?? new Float32Array(0), r.dw, r.db ?? new Float32Array(0)];
            });
            const want = { dpre: wdpre, dx: wdx, dw: wdw, db: wdb }, got = run(k);
            const what = `denseBackward ${name} ${m}x${kk}x${n} dx=${withDx} db=${withDb} alias=${alias}`;
            close(got.dpre, want.dpre, 4e-7, `${what} dpre`, 1e-37);
            close(got.dw, want.dw, 1e-5 * Math.sqrt(m), `${what} dw`);
            if (withDb) close(got.db as Float32Array, want.db as Float32Array, 1e-5 * Math.sqrt(m), `${what} db`);
            if (withDx) close(got.dx as Float32Array, want.dx as Float32Array, 1e-5 * Math.sqrt(n), `${what} dx`);
            if (!alias) assert.ok(bitsEqual(got.dyc, dy), `${what}: dy must not change`);
          }
        }
      }
    }));

    test(`binary ops, with aliasing and special values ${tag}`, () => withMode(mode, (k) => {
      for (const len of [0, 1, 7, 8, 9, 1000, 100003]) {
        const a = rand(len, len + 1, -5, 5), b = rand(len, len + 2, -5, 5);
        if (len > 8) { a[0] = NaN; b[1] = Infinity; a[2] = -Infinity; b[3] = 0; a[4] = 0; b[4] = 0; }
        for (const [name, op] of Object.entries(Bin) as Array<[string, BinCode]>) {
          const want = new Float32Array(len), got = new Float32Array(len);
          ts.binary(op, len, a, b, want);
          k.binary(op, len, a, b, got);
          close(got, want, 0, `binary ${name} len=${len}`);
          const aa = a.slice();
          k.binary(op, len, aa, b, aa);
          assert.ok(bitsEqual(aa, got), `binary ${name} out aliasing a`);
          const bb = b.slice();
          k.binary(op, len, a, bb, bb);
          assert.ok(bitsEqual(bb, got), `binary ${name} out aliasing b`);
        }
      }
    }));

    test(`rowPairStats, rowCombine, colSum ${tag}`, () => withMode(mode, (k) => {
      let seed = 300;
      const shapes: Array<[number, number]> = [[1, 1], [1, 9], [3, 7], [17, 33], [61, 127], [1024, 120], [1024, 1],
        [1024, 4], [1024, 60], [8192, 10], [2, 1000], [300, 333]];
      for (const [m, n] of shapes) {
        const x = rand(m * n, seed++, -2, 2), y = rand(m * n, seed++, -2, 2);
        const want = new Float32Array(m * 4), got = new Float32Array(m * 4);
        ts.rowPairStats(m, n, x, y, want);
        k.rowPairStats(m, n, x, y, got);
        close(got, want, 1e-6, `rowPairStats ${m}x${n}`);

        const ca = rand(m, seed++), cb = rand(m, seed++);
        for (const acc of [false, true]) {
          const o0 = rand(m * n, seed++);
          const w2 = o0.slice(), g2 = o0.slice();
          ts.rowCombine(m, n, x, y, ca, cb, acc, w2);
          k.rowCombine(m, n, x, y, ca, cb, acc, g2);
          close(g2, w2, 3e-7, `rowCombine ${m}x${n} acc=${acc}`);

          const s0 = rand(n, seed++);
          const ws = s0.slice(), gs = s0.slice();
          ts.colSum(m, n, x, acc, ws);
          k.colSum(m, n, x, acc, gs);
          close(gs, ws, 2e-6 * Math.sqrt(m), `colSum ${m}x${n} acc=${acc}`);
        }
      }
      const out = rand(5, 1), keep = out.slice();
      k.colSum(0, 5, new Float32Array(0), true, out);
      assert.ok(bitsEqual(out, keep));
      k.colSum(0, 5, new Float32Array(0), false, out);
      assert.ok(out.every((v) => v === 0));
    }));
  }

  test('determinism: identical inputs give bit-identical outputs for each thread count', () => {
    // Outputs tagged true may differ (slightly) between thread counts: denseBackward's dw and db are
    // reduced over per-thread row blocks. Everything else is even identical across thread counts.
    const runAll = (k: NativeKernels) => {
      const res: Array<[Float32Array, boolean]> = [];
      for (const [kk, n] of DAGMM) {
        const m = 1024;
        const x = rand(m * kk, kk * 31 + n, -1, 1), w = rand(kk * n, 7), bias = rand(n, 8);
        const out = new Float32Array(m * n);
        k.denseForward(m, n, kk, x, w, bias, Act.tanh, 0, out);
        const dy = rand(m * n, 9), dpre = new Float32Array(m * n), dx = new Float32Array(m * kk);
        const dw = rand(kk * n, 10), db = rand(n, 11);
        k.denseBackward(m, n, kk, x, w, out, dy, Act.tanh, 0, dpre, dx, dw, db);
        const c = rand(m * n, 12);
        k.gemm(false, false, m, n, kk, x, w, 1, c);
        const dw2 = rand(kk * n, 13);
        k.gemm(true, false, kk, n, m, x, dy, 1, dw2);
        const stats = new Float32Array(m * 4);
        k.rowPairStats(m, n, out, dy, stats);
        const cs = new Float32Array(n);
        k.colSum(m, n, dy, false, cs);
        res.push([out, false], [dpre, false], [dx, false], [dw, true], [db, true], [c, false], [dw2, false],
          [stats, false], [cs, false]);
      }
      const big = rand(300000, 5, -10, 10), act = new Float32Array(big.length);
      k.activation(Act.softplus, 0, big.length, big, act);
      res.push([act, false]);
      return res;
    };
    for (const simd of loaded?.addon.simd() === 'avx2' ? ['avx2', 'scalar'] as const : ['scalar'] as const) {
      const byThreads = [1, 2, 3].map((threads) => [withMode({ simd, threads }, runAll), withMode({ simd, threads }, runAll)]);
      byThreads.forEach(([r1, r2], t) => r1.forEach(([v], i) =>
        assert.ok(bitsEqual(v, r2[i][0]), `${simd}, ${t + 1} threads: output ${i} differs between two runs`)));
      for (let t = 1; t < byThreads.length; t++) {
        byThreads[0][0].forEach(([v, mayDiffer], i) => {
          const other = byThreads[t][0][i][0];
          if (mayDiffer) close(other, v, 1e-5 * 32, `${simd}: output ${i} with ${t + 1} threads vs 1`);
          else assert.ok(bitsEqual(v, other), `${simd}: output ${i} differs between 1 and ${t + 1} threads`);
        });
      }
    }
  });

  test('bad sizes and types throw clear errors (and never reach C)', () => {
    const k = loaded as NativeKernels;
    const f = (n: number) => new Float32Array(n);
    assert.throws(() => k.gemm(false, false, 4, 4, 4, f(15), f(16), 0, f(16)), /gemm: a has length 15, needs at least 16/);
    assert.throws(() => k.gemm(true, true, 4, 4, 4, f(16), f(15), 0, f(16)), /gemm: b has length 15/);
    assert.throws(() => k.gemm(false, false, 4, 4, 4, f(16), f(16), 0, f(15)), /gemm: c has length 15/);
    assert.throws(() => k.gemm(false, false, -1, 4, 4, f(16), f(16), 0, f(16)), /gemm: m must be a non-negative integer/);
    assert.throws(() => k.gemm(false, false, 1.5, 4, 4, f(16), f(16), 0, f(16)), /gemm: m must be/);
    assert.throws(() => k.gemm(false, false, 4, 4, 4, f(16), f(16), 2 as 0, f(16)), /beta/);
    assert.throws(() => k.gemm(false, false, 4, 4, 4, new Float64Array(16) as unknown as Float32Array, f(16), 0, f(16)),
      /gemm: a must be a Float32Array/);
    assert.throws(() => k.denseForward(4, 3, 2, f(8), f(6), f(2), Act.tanh, 0, f(12)), /denseForward: bias has length 2/);
    assert.throws(() => k.denseForward(4, 3, 2, f(8), f(6), null, 9 as ActCode, 0, f(12)), /unknown activation/);
    assert.throws(() => k.denseBackward(4, 3, 2, f(8), f(6), f(12), f(12), 0, 0, f(12), f(7), f(6), null),
      /denseBackward: dx has length 7/);
    assert.throws(() => k.denseBackward(4, 3, 2, f(8), f(6), f(12), f(12), 0, 0, f(12), null, f(6), f(2)),
      /denseBackward: db has length 2/);
    assert.throws(() => k.denseBackward(4, 3, 2, f(8), f(6), f(12), f(11), 0, 0, f(12), null, f(6), null),
      /denseBackward: dy has length 11/);
    assert.throws(() => k.activation(Act.tanh, 0, 10, f(10), f(9)), /activation: out has length 9/);
    assert.throws(() => k.activationGrad(Act.tanh, 0, 10, f(9), f(10), f(10)), /activationGrad: y has length 9/);
    assert.throws(() => k.binary(Bin.add, 10, f(10), f(10), f(9)), /binary: out has length 9/);
    assert.throws(() => k.binary(7 as BinCode, 10, f(10), f(10), f(10)), /unknown op code/);
    assert.throws(() => k.rowPairStats(3, 2, f(6), f(6), f(11)), /rowPairStats: out has length 11/);
    assert.throws(() => k.rowCombine(3, 2, f(6), f(6), f(2), f(3), false, f(6)), /rowCombine: ca has length 2/);
    assert.throws(() => k.colSum(3, 2, f(6), false, f(1)), /colSum: out has length 1/);
    // The addon's own checks (bypassing the TypeScript wrapper) also refuse short arrays.
    assert.throws(() => k.addon.gemm(false, false, 4, 4, 4, f(16), f(16), 0, f(3)), /gemm: c is too short/);
    assert.throws(() => k.addon.activation(1, 0, 5, f(5), new Float32Array(0)), /activation: out is too short/);
  });

  test('threads getter and setNativeThreads', async () => {
    const k = loaded as NativeKernels;
    const { setNativeThreads } = await import('../../src/engine/backend/native.js');
    const prev = k.threads;
    assert.ok(prev >= 1);
    assert.equal(setNativeThreads(3), 3);
    assert.equal(k.threads, 3);
    assert.equal(setNativeThreads(prev), prev);
    assert.equal(k.name, 'native');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Fused MLP stacks, Adam and row gathering.

type Stack = { name: string; sizes: number[]; acts: ActCode[]; nullBias?: number[]; douts?: number[] };
const DAGMM_STACKS: Stack[] = [
  { name: 'DAGMM compression', sizes: [120, 60, 30, 10, 1, 10, 30, 60, 120],
    acts: [Act.tanh, Act.tanh, Act.tanh, Act.none, Act.tanh, Act.tanh, Act.tanh, Act.none], douts: [3, 7] },
  { name: 'DAGMM estimation', sizes: [3, 10, 4], acts: [Act.tanh, Act.none] },
];
const STACKS: Stack[] = [
  ...DAGMM_STACKS,
  { name: 'mixed acts, null bias', sizes: [7, 13, 5, 17, 2], acts: [Act.sigmoid, Act.relu, Act.softplus, Act.leakyRelu],
    nullBias: [1, 3], douts: [0, 2] },
  { name: 'single layer', sizes: [33, 9], acts: [Act.tanh], nullBias: [0] },
  { name: 'wide', sizes: [300, 40, 270], acts: [Act.relu, Act.sigmoid], douts: [0] },
];

function makeStack(st: Stack, m: number, seed: number) {
  const L = st.sizes.length - 1, sizes = Int32Array.from(st.sizes), acts = Int32Array.from(st.acts);
  const weights: Float32Array[] = [], biases: Array<Float32Array | null> = [];
  for (let l = 0; l < L; l++) {
    weights.push(rand(st.sizes[l] * st.sizes[l + 1], seed + 10 * l, -0.4, 0.4));
    biases.push(st.nullBias?.includes(l) ? null : rand(st.sizes[l + 1], seed + 10 * l + 1, -0.2, 0.2));
  }
  const x = rand(m * st.sizes[0], seed + 999, -1.5, 1.5);
  const douts: Array<Float32Array | null> = [];
  for (let l = 0; l < L; l++) {
    douts.push(l === L - 1 || st.douts?.includes(l) ? rand(m * st.sizes[l + 1], seed + 10 * l + 2) : null);
  }
  const dws0 = weights.map((w, l) => rand(w.length, seed + 10 * l + 3, -0.1, 0.1));
  const dbs0 = biases.map((b, l) => (b ? rand(b.length, seed + 10 * l + 4, -0.1, 0.1) : null));
  return { L, sizes, acts, weights, biases, x, douts, dws0, dbs0 };
}

type StackData = ReturnType<typeof makeStack>;
function runStack(k: TsKernels | NativeKernels, s: StackData, m: number, withDx: boolean, topNull = false) {
  const outs = Array.from(s.sizes.slice(1), (n) => new Float32Array(m * n).fill(NaN));
  k.mlpForward(m, s.sizes, s.weights, s.biases, s.acts, 0.1, s.x, outs);
  const dpres = Array.from(s.sizes.slice(1), (n) => new Float32Array(m * n).fill(NaN));
  const dws = s.dws0.map((d) => d.slice()), dbs = s.dbs0.map((d) => (d ? d.slice() : null));
  const dx = withDx ? new Float32Array(m * s.sizes[0]).fill(NaN) : null;
  const douts = topNull ? s.douts.map((d, l) => (l === s.L - 1 ? null : d)) : s.douts;
  const doutsCopy = douts.map((d) => (d ? d.slice() : null));
  k.mlpBackward(m, s.sizes, s.weights, s.acts, 0.1, s.x, outs, douts, dpres, dx, dws, dbs);
  douts.forEach((d, l) => { if (d) assert.ok(bitsEqual(d, doutsCopy[l] as Float32Array), `douts[${l}] modified`); });
  return { outs, dpres, dws, dbs, dx };
}

/** Tolerance relative to the largest magnitude in the reference (gradients mix terms of both signs). */
function closeScaled(got: Float32Array, want: Float32Array, rel: number, what: string): void {
  let scale = 0;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  close(got, want, 0, what, rel * (1 + scale));
}

describe('native fused kernels', { skip }, () => {
  for (const mode of modes()) {
    const tag = `[${mode.simd}, ${mode.threads}T]`;
    test(`mlpForward / mlpBackward vs the TypeScript oracle ${tag}`, () => withMode(mode, (k) => {
      let seed = 77;
      for (const st of STACKS) {
        for (const m of [1, 5, 13, 64, 1024, 1027]) {
          if (mode.simd === 'scalar' && m > 64 && !st.name.startsWith('DAGMM')) continue;
          const s = makeStack(st, m, seed += 100);
          for (const variant of [0, 1, 2]) {
            const withDx = variant !== 1, topNull = variant === 2 && s.L > 1;
            const what = `${st.name} m=${m} dx=${withDx} topNull=${topNull}`;
            const want = runStack(ts, s, m, withDx, topNull), got = runStack(k, s, m, withDx, topNull);
            for (let l = 0; l < s.L; l++) {
              const kk = s.sizes[l];
              close(got.outs[l], want.outs[l], 3e-5 * Math.sqrt(kk), `${what} outs[${l}]`);
              closeScaled(got.dpres[l], want.dpres[l], 1e-4, `${what} dpres[${l}]`);
              closeScaled(got.dws[l], want.dws[l], 1e-4, `${what} dws[${l}]`);
              if (want.dbs[l]) closeScaled(got.dbs[l] as Float32Array, want.dbs[l] as Float32Array, 1e-4, `${what} dbs[${l}]`);
              else assert.equal(got.dbs[l], null);
            }
            if (withDx) closeScaled(got.dx as Float32Array, want.dx as Float32Array, 1e-4, `${what} dx`);
          }
        }
      }
    }));

    test(`adamStep matches the oracle over several steps ${tag}`, () => withMode(mode, (k) => {
      for (const len of [1, 3, 8, 13, 20011]) {
        for (const wd of [0, 0.01]) {
          const w0 = rand(len, len, -1, 1), want = { w: w0.slice(), m: new Float32Array(len), v: new Float32Array(len) };
          const got = { w: w0.slice(), m: new Float32Array(len), v: new Float32Array(len) };
          const b1 = 0.9, b2 = 0.999, lr = 1e-3, eps = 1e-8;
          for (let t = 1; t <= 5; t++) {
            const g = rand(len, 100 * t + len, -2, 2);
            const step = lr / (1 - b1 ** t), bc2 = Math.sqrt(1 - b2 ** t);
            ts.adamStep(len, want.w, g, want.m, want.v, step, bc2, b1, b2, eps, wd);
            k.adamStep(len, got.w, g, got.m, got.v, step, bc2, b1, b2, eps, wd);
          }
          // The native kernel does the oracle's double-precision arithmetic, so it agrees bit for bit.
          closeRel(got.w, want.w, 1e-6, `adam w len=${len} wd=${wd}`);
          closeRel(got.m, want.m, 1e-6, `adam m len=${len} wd=${wd}`);
          closeRel(got.v, want.v, 1e-6, `adam v len=${len} wd=${wd}`);
          assert.ok(bitsEqual(got.w, want.w) && bitsEqual(got.m, want.m) && bitsEqual(got.v, want.v),
            `adam len=${len} wd=${wd}: not bit-identical to the oracle`);
        }
      }
    }));
  }

  test('mlp: determinism (two calls bit-identical) for each thread count, DAGMM at m=1024', () => {
    const s = makeStack(DAGMM_STACKS[0], 1024, 5);
    for (const threads of [1, 2, 3]) {
      const [a, b] = [0, 1].map(() => withMode({ simd: 'avx2', threads }, (k) => runStack(k, s, 1024, true)));
      const flat = (r: ReturnType<typeof runStack>): Float32Array[] => [...r.outs, ...r.dpres, ...r.dws, ...r.dbs, r.dx]
        .filter((v) => v !== null) as Float32Array[];
      const fa = flat(a), fb = flat(b);
      fa.forEach((v, i) => assert.ok(bitsEqual(v, fb[i]), `${threads} threads: output ${i} differs between runs`));
    }
  });

  test('gatherRows copies rows and rejects bad indices', () => {
    const k = loaded as NativeKernels;
    const cols = 7, rows = 50, src = rand(rows * cols, 3);
    const idx = Int32Array.from([4, 0, 49, 17, 17, 3, 22, 8]);
    for (const [n, start] of [[8, 0], [3, 5], [0, 8]]) {
      const want = new Float32Array(n * cols), got = new Float32Array(n * cols).fill(NaN);
      ts.gatherRows(n, cols, src, idx, start, want);
      k.gatherRows(n, cols, src, idx, start, got);
      assert.ok(bitsEqual(got, want), `gatherRows n=${n} start=${start}`);
    }
    // a large gather (threaded, with prefetching), at an offset into idx
    const big = rand(3000 * 120, 4), perm = Int32Array.from({ length: 1100 }, (_, i) => (i * 1237) % 3000);
    const want = new Float32Array(1024 * 120), got = new Float32Array(1024 * 120);
    ts.gatherRows(1024, 120, big, perm, 70, want);
    k.gatherRows(1024, 120, big, perm, 70, got);
    assert.ok(bitsEqual(got, want), 'gatherRows 1024 x 120');
    const dst = new Float32Array(8 * cols);
    assert.throws(() => k.gatherRows(2, cols, src, Int32Array.from([1, 50]), 0, dst), /row index 50 .*out of range/);
    assert.throws(() => k.gatherRows(1, cols, src, Int32Array.from([-1]), 0, dst), /row index -1 .*out of range/);
    assert.throws(() => k.gatherRows(3, cols, src, idx, 6, dst), /idx has length 8, needs at least start \+ n = 9/);
    assert.throws(() => k.gatherRows(9, cols, src, new Int32Array(9), 0, dst), /dst has length 56/);
  });

  test('keepMask: bit-equal masks and final states vs the TypeScript loop (wrapper and addon)', () => {
    const k = loaded as NativeKernels;
    const keeps = [0.5, 0.1, 0.9, 1, 0.3333, 0, 2, -0.5, NaN, 1e-9, 0.75 + 2 ** -40, 1 - 2 ** -33];
    for (const keep of keeps) {
      for (const n of [0, 1, 7, 63, 64, 65, 10240]) {
        for (const viaAddon of [false, true]) {
          const seedRng = new Rng(1234 + n);
          const s0 = Int32Array.from(seedRng.state), s1 = Int32Array.from(seedRng.state);
          const scale = keep > 0 && Number.isFinite(1 / keep) ? 1 / keep : 1.7;
          const want = new Float32Array(n + 3).fill(-7), got = new Float32Array(n + 3).fill(-7);
          keepMaskInto(s0, n, keep, scale, want);
          if (viaAddon) k.addon.keepMask(s1, n, keep, scale, got);
          else k.keepMask(s1, n, keep, scale, got);
          const what = `keep=${keep} n=${n} ${viaAddon ? 'addon' : 'wrapper'}`;
          assert.ok(bitsEqual(got, want), `${what}: mask differs`);
          assert.deepEqual(Array.from(s1), Array.from(s0), `${what}: final state differs`);
        }
      }
    }
    // consecutive calls continue one stream
    const a = new Rng(9), b = new Rng(9);
    const wa = new Float32Array(300), wb = new Float32Array(300);
    keepMaskInto(a.state, 300, 0.4, 2.5, wa);
    k.keepMask(b.state, 100, 0.4, 2.5, wb);
    k.keepMask(b.state, 200, 0.4, 2.5, wb.subarray(100));
    assert.ok(bitsEqual(wb, wa), 'split calls');
    assert.throws(() => k.keepMask(new Int32Array(3), 4, 0.5, 2, new Float32Array(4)), /state must be an Int32Array/);
    assert.throws(() => k.keepMask(a.state, 100, 0.5, 2, new Float32Array(99)), /out has length 99/);
  });

  test('accumulate: bit-equal to the reference loops for every op (wrapper and addon), rounding-sensitive values included', () => {
    const k = loaded as NativeKernels;
    for (const simd of k.addon.simd() === 'avx2' ? ['avx2', 'scalar'] as const : ['scalar'] as const) {
      withMode({ simd, threads: 1 }, () => {
        for (const len of [0, 1, 255, 256, 10007]) {
          // Wide magnitudes (products near float32's rounding boundaries, tiny quotients), zeros, infinities and NaN;
          // softplus outputs (b >= 0 for the slope) past exp's k < -1021 end.
          const g = rand(len, 3, -1e3, 1e3), b = rand(len, 4, -5, 5), r = rand(len, 5, -1e-3, 1e-3), base = rand(len, 6, -1, 1);
          if (len > 8) { g[0] = 0; b[1] = 0; g[2] = Infinity; b[3] = NaN; base[4] = 3.4e38; g[5] = 1e-40; b[6] = 1e-38; b[7] = 3e38; g[7] = 1e-3; }
          if (len > 16) { b[9] = 708.6; b[10] = 720; b[11] = Infinity; b[12] = 1e-9; b[13] = -1; b[14] = 0.3465; }
          for (let op = 0; op <= 6; op++) {
            for (const viaAddon of [false, true]) {
              const want = Float32Array.from(base), got = Float32Array.from(base);
              accumulateInto(op as AccCode, len, g, b, r, want);
              if (viaAddon) k.addon.accumulate!(op, len, g, b, r, got);
              else k.accumulate(op as AccCode, len, g, b, r, got);
              assert.ok(bitsEqual(got, want), `${simd} op ${op} len ${len} ${viaAddon ? 'addon' : 'wrapper'}`);
            }
          }
        }
      });
    }
    assert.throws(() => k.accumulate(7 as AccCode, 4, new Float32Array(4), null, null, new Float32Array(4)), /unknown op code 7/);
    assert.throws(() => k.accumulate(Acc.softplusSlope, 4, new Float32Array(4), new Float32Array(3), null, new Float32Array(4)), /b has length 3/);
    assert.throws(() => k.accumulate(Acc.mul, 4, new Float32Array(4), new Float32Array(3), null, new Float32Array(4)), /b has length 3/);
  });

  test('jsExp: the bits of V8\'s Math.exp on every range (the native kernels\' exp), special values included', () => {
    const k = loaded as NativeKernels;
    const n = 200_000, x = new Float64Array(n), out = new Float64Array(n);
    const word = new Uint32Array(2), pattern = new Float64Array(word.buffer);
    const next = rng(77);
    const cases: [string, (i: number) => number][] = [
      ['[-1, 1]', () => -1 + 2 * next()], ['[-50, 50]', () => -100 * next() + 50], ['[-750, 710]', () => -750 + 1460 * next()],
      ['tiny', () => (next() - 0.5) * 1e-7], ['every bit pattern', () => { word[0] = next() * 2 ** 32; word[1] = next() * 2 ** 32; return pattern[0]; }],
    ];
    // Each branch's borders (0.5 ln2, 1.5 ln2, 2^-28, the k = 1024 and k < -1021 ends) and their neighbours, so
    // the four-lane path meets them mixed with ordinary lanes.
    const border = [Math.LN2 / 2, 1.5 * Math.LN2, 2 ** -28, 709.4, 709.78, -708.3, -708.5, -709.1];
    const special = [0, -0, 1, -1, 0.5, 709.782712893384, 709.79, -745.1332191019411, -745.14, -(2 ** -29), Infinity, -Infinity, NaN, 1e-320,
      ...border.flatMap((v) => [v, -v, v * (1 + 2 ** -52), v * (1 - 2 ** -52), -v * (1 + 2 ** -52), -v * (1 - 2 ** -52)])];
    for (const simd of loaded!.addon.simd() === 'avx2' ? ['avx2', 'scalar'] as const : ['scalar'] as const) {
      withMode({ simd, threads: 1 }, () => {
        for (const [name, draw] of cases) {
          for (let i = 0; i < n; i++) x[i] = i < special.length ? special[i] : draw(i);
          k.addon.jsExp!(n, x, out);
          let bad = -1;
          for (let i = 0; i < n && bad < 0; i++) if (!Object.is(out[i], Math.exp(x[i]))) bad = i;
          assert.equal(bad, -1, bad < 0 ? name : `${simd} ${name}: exp(${x[bad]}) gave ${out[bad]}, Math.exp ${Math.exp(x[bad])}`);
        }
      });
    }
  });

  test('expAffine: exp(a x + b) with Math.exp\'s bits (wrapper and addon, both SIMD paths, in place), and its argument checks', () => {
    const k = loaded as NativeKernels;
    const n = 50_003, x = new Float64Array(n), out = new Float64Array(n), want = new Float64Array(n);
    const next = rng(79);
    // (a, b) as the callers use them: RBF values exp(-gamma d2) (d2 >= 0, with zeros), log-sum-exp terms
    // exp(shift - d), and general ones whose arguments cross every branch of the exp.
    const cases: [string, number, number, () => number][] = [
      ['rbf', -2.1929771157705344, 0, () => (next() < 0.05 ? 0 : 40 * next() ** 3)],
      ['log-sum-exp', -1, 3.75, () => 3.75 + 60 * next()],
      ['wide', 1.7, -0.3, () => -500 + 920 * next()],
      ['tiny arguments', 1e-9, 0, () => next() - 0.5],
      ['specials', -1, 0, () => [0, -0, Infinity, -Infinity, NaN, 745.2, -745.2, 1e-320][Math.floor(next() * 8)]],
    ];
    for (const simd of loaded!.addon.simd() === 'avx2' ? ['avx2', 'scalar'] as const : ['scalar'] as const) {
      withMode({ simd, threads: 1 }, () => {
        for (const [name, a, b, draw] of cases) {
          for (let i = 0; i < n; i++) x[i] = draw();
          for (let i = 0; i < n; i++) want[i] = Math.exp(a * x[i] + b);
          for (const via of ['addon', 'wrapper', 'in place'] as const) {
            out.fill(7);
            if (via === 'addon') k.addon.expAffine!(n, a, b, x, out);
            else if (via === 'wrapper') k.expAffine(n, a, b, x, out);
            else { out.set(x); k.expAffine(n, a, b, out, out); }
            let bad = -1;
            for (let i = 0; i < n && bad < 0; i++) if (!Object.is(out[i], want[i])) bad = i;
            assert.equal(bad, -1, bad < 0 ? name : `${simd} ${via} ${name}: exp(${a} * ${x[bad]} + ${b}) gave ${out[bad]}, Math.exp ${want[bad]}`);
          }
          // Short calls (the wrapper's JavaScript loop) and the addon's scalar tail give the same values.
          const short = new Float64Array(7);
          k.addon.expAffine!(7, a, b, x, short);
          for (let i = 0; i < 7; i++) assert.ok(Object.is(short[i], want[i]), `${simd} ${name}: tail value ${i}`);
        }
      });
    }
    assert.throws(() => k.expAffine(4, 1, 0, new Float32Array(4) as unknown as Float64Array, out), /expAffine: x must be a Float64Array of at least 4 values/);
    assert.throws(() => k.expAffine(100, 1, 0, x, new Float64Array(99)), /expAffine: out must be a Float64Array of at least 100 values/);
    assert.throws(() => k.expAffine(-1, 1, 0, x, out), /expAffine: n must be a non-negative integer/);
    assert.throws(() => k.addon.expAffine!(100, 1, 0, x, new Float64Array(99)), /out/);
  });

  test('tripletHinge and its backward: bit-equal to the reference loops (wrapper and addon), ties and NaN rows included', () => {
    const k = loaded as NativeKernels;
    const next = rng(80);
    for (const [n, m, f, margin] of [[64, 64, 32, 1], [9, 2, 3, 0], [5, 7, 1, 4], [33, 16, 8, 0.5]] as const) {
      const rows = n * m;
      const z = Float32Array.from({ length: rows * f }, () => 2 * next() - 1);
      const c = Float32Array.from({ length: m * f }, () => next() - 0.5);
      if (m > 2) c.copyWithin(f, 0, f); // centres 0 and 1 equal: ties for the nearest other centre
      z[3 * f] = NaN; // one row's features NaN: its hinge is NaN, so it is left out
      const zc = new Float32Array(rows * m);
      for (let r = 0; r < rows; r++) for (let j = 0; j < m; j++) { let d = 0; for (let a = 0; a < f; a++) d += z[r * f + a] * c[j * f + a]; zc[r * m + j] = d; }
      const wantNearest = new Int32Array(rows), wantTotal = tripletHingeInto(rows, m, f, z, c, zc, margin, wantNearest);
      const s = 2 * (0.5 + next()) / rows, gz0 = Float32Array.from({ length: rows * f }, () => next() - 0.5);
      const wantG = gz0.slice();
      tripletHingeBackwardInto(rows, m, f, n, z, c, wantNearest, s, wantG);
      assert.ok(wantNearest.some((b) => b >= 0) && wantNearest.some((b) => b < 0), `${n}x${m}x${f}: both active and inactive rows`);
      for (const via of ['addon', 'wrapper'] as const) {
        const nearest = new Int32Array(rows).fill(99), g = gz0.slice();
        const total = via === 'addon' ? k.addon.tripletHinge!(rows, m, f, z, c, zc, margin, nearest) : k.tripletHinge(rows, m, f, z, c, zc, margin, nearest);
        assert.ok(Object.is(total, wantTotal), `${via} ${n}x${m}x${f}: total ${total} vs ${wantTotal}`);
        assert.deepEqual(nearest, wantNearest, `${via} ${n}x${m}x${f}: nearest centres`);
        if (via === 'addon') k.addon.tripletHingeBackward!(rows, m, f, n, z, c, nearest, s, g);
        else k.tripletHingeBackward(rows, m, f, n, z, c, nearest, s, g);
        let bad = -1;
        for (let i = 0; i < g.length && bad < 0; i++) if (!Object.is(g[i], wantG[i])) bad = i;
        assert.equal(bad, -1, `${via} ${n}x${m}x${f}: gradient ${bad}: ${g[bad]} vs ${wantG[bad]}`);
      }
    }
    const z = new Float32Array(8), c = new Float32Array(4), zc = new Float32Array(8);
    assert.throws(() => k.tripletHinge(4, 2, 2, z, c, zc, 1, new Int32Array(3)), /tripletHinge: nearest must be an Int32Array of at least 4 values/);
    assert.throws(() => k.tripletHinge(4, 2, 2, z, c, new Float32Array(7), 1, new Int32Array(4)), /tripletHinge: zc has length 7, needs at least 8/);
    assert.throws(() => k.tripletHinge(4, 1, 2, z, c, zc, 1, new Int32Array(4)), /m must be at least 2/);
    assert.throws(() => k.addon.tripletHingeBackward!(4, 2, 2, 2, z, c, Int32Array.from([0, 5, -1, 1]), 1, new Float32Array(8)), /nearest/);
    assert.throws(() => k.addon.tripletHinge!(4, 2, 2, z, c, zc, 1, new Int32Array(2)), /nearest/);
  });

  test('jsLog: the bits of V8\'s Math.log on every range, subnormals and special values included', () => {
    const k = loaded as NativeKernels;
    const n = 200_000, x = new Float64Array(n), out = new Float64Array(n);
    const word = new Uint32Array(2), pattern = new Float64Array(word.buffer);
    const next = rng(78);
    const cases: [string, (i: number) => number][] = [
      ['(0, 2]', () => 2 * next()], ['near 1', () => 1 + (next() - 0.5) * 2 ** -18], ['(0, 1e6]', () => 1e6 * next()],
      ['wide', () => 10 ** (600 * next() - 300)], ['subnormal', () => next() * 2 ** -1022],
      ['every bit pattern', () => { word[0] = next() * 2 ** 32; word[1] = next() * 2 ** 32; return pattern[0]; }],
    ];
    const special = [0, -0, 1, -1, 2, 0.5, Math.E, 1 + 2 ** -52, 1 - 2 ** -53, 1 + 2 ** -21, 1 - 2 ** -21, 5e-324, 2 ** -1022, 1.7976931348623157e308, Infinity, -Infinity, NaN];
    for (const [name, draw] of cases) {
      for (let i = 0; i < n; i++) x[i] = i < special.length ? special[i] : draw(i);
      k.addon.jsLog!(n, x, out);
      let bad = -1;
      for (let i = 0; i < n && bad < 0; i++) if (!Object.is(out[i], Math.log(x[i]))) bad = i;
      assert.equal(bad, -1, bad < 0 ? name : `${name}: log(${x[bad]}) gave ${out[bad]}, Math.log ${Math.log(x[bad])}`);
    }
  });

  test('logSoftmax, logSumExp and their backwards: bit-equal to the reference loops (wrapper and addon, both SIMD paths), extreme rows included', () => {
    const k = loaded as NativeKernels;
    for (const simd of k.addon.simd() === 'avx2' ? ['avx2', 'scalar'] as const : ['scalar'] as const) {
      withMode({ simd, threads: 1 }, () => {
        for (const [m, n] of [[1, 1], [3, 7], [8, 64], [100, 33], [2, 600]]) {
          const x = rand(m * n, m + 61, -30, 30), g = rand(m * n, m + 62, -1, 1), base = rand(m * n, m + 63, -1, 1);
          // A row far below exp's range, a row of equal values, an infinite and a NaN entry, -0.
          if (m > 2) { for (let j = 0; j < n; j++) { x[j] = -800 - j; x[n + j] = 3; } x[2 * n] = -Infinity; g[1] = -0; }
          if (m > 3 && n > 2) x[3 * n + 1] = NaN;
          const want = new Float32Array(m * n), wantG = Float32Array.from(base);
          logSoftmaxInto(m, n, x, want);
          logSoftmaxBackwardInto(m, n, want, g, wantG);
          for (const viaAddon of [false, true]) {
            const got = new Float32Array(m * n).fill(5), gotG = Float32Array.from(base);
            if (viaAddon) { k.addon.logSoftmax!(m, n, x, got); k.addon.logSoftmaxBackward!(m, n, want, g, gotG); }
            else { k.logSoftmax(m, n, x, got); k.logSoftmaxBackward(m, n, want, g, gotG); }
            assert.ok(bitsEqual(got, want), `${simd} logSoftmax ${m} x ${n} ${viaAddon ? 'addon' : 'wrapper'}`);
            assert.ok(bitsEqual(gotG, wantG), `${simd} logSoftmaxBackward ${m} x ${n} ${viaAddon ? 'addon' : 'wrapper'}`);
          }
          // logSumExp on the same rows (plus an all -inf row and a +inf row), its gradient from per-row g.
          if (m > 4) { x.fill(-Infinity, 4 * n, 5 * n); }
          if (m > 5) x[5 * n + 2] = Infinity;
          const wantL = new Float32Array(m), gRow = rand(m, m + 64, -2, 2), wantLG = Float32Array.from(base);
          logSumExpInto(m, n, x, wantL);
          logSumExpBackwardInto(m, n, x, wantL, gRow, wantLG);
          for (const viaAddon of [false, true]) {
            const got = new Float32Array(m).fill(5), gotG = Float32Array.from(base);
            if (viaAddon) { k.addon.logSumExp!(m, n, x, got); k.addon.logSumExpBackward!(m, n, x, wantL, gRow, gotG); }
            else { k.logSumExp(m, n, x, got); k.logSumExpBackward(m, n, x, wantL, gRow, gotG); }
            assert.ok(bitsEqual(got, wantL), `${simd} logSumExp ${m} x ${n} ${viaAddon ? 'addon' : 'wrapper'}`);
            assert.ok(bitsEqual(gotG, wantLG), `${simd} logSumExpBackward ${m} x ${n} ${viaAddon ? 'addon' : 'wrapper'}`);
          }
        }
      });
    }
    // Hand-computed: [0, ln 3] -> [-ln 4, ln 3 - ln 4]; the gradient of sum(out) is 1 - 2 softmax.
    const out = new Float32Array(2), gx = new Float32Array(2);
    ts.logSoftmax(1, 2, Float32Array.from([0, Math.log(3)]), out);
    assert.ok(Math.abs(out[0] + Math.log(4)) < 1e-7 && Math.abs(out[1] - Math.log(3 / 4)) < 1e-7, `${out}`);
    ts.logSoftmaxBackward(1, 2, out, Float32Array.from([1, 1]), gx);
    assert.ok(Math.abs(gx[0] - 0.5) < 1e-6 && Math.abs(gx[1] + 0.5) < 1e-6, `${gx}`);
    assert.throws(() => k.logSoftmax(4, 3, new Float32Array(12), new Float32Array(11)), /out has length 11/);
    const lse = new Float32Array(1);
    ts.logSumExp(1, 3, Float32Array.from([0, Math.log(2), Math.log(5)]), lse);
    assert.ok(Math.abs(lse[0] - Math.log(8)) < 1e-6, `${lse[0]}`);
    assert.throws(() => k.logSumExpBackward(4, 3, new Float32Array(12), new Float32Array(3), new Float32Array(4), new Float32Array(12)), /y has length 3/);
  });

  test('squaredErrorSum and accumulateScaledDifference: bit-equal to the reference loops (wrapper and addon), edge values included', () => {
    const k = loaded as NativeKernels;
    for (const len of [0, 1, 255, 256, 10007]) {
      const a = rand(len, 7, -1e3, 1e3), b = rand(len, 8, -1e3, 1e3), base = rand(len, 9, -1, 1);
      // Differences that round in float32 but not in double, a zero, subnormals, float32's largest value.
      if (len > 8) { a[0] = 1 + 2 ** -23; b[0] = 1; a[1] = b[1]; a[2] = 1e-40; b[3] = 3.4e38; a[4] = 16777217; base[5] = 3.4e38; }
      const want = squaredErrorSumOf(len, a, b);
      assert.ok(Object.is(k.squaredErrorSum(len, a, b), want), `sum, wrapper, len ${len}`);
      if (len > 0) assert.ok(Object.is(k.addon.squaredErrorSum!(len, a, b), want), `sum, addon, len ${len}`);
      for (const c of [1 / 3, -2.5e-7, 0]) {
        for (const viaAddon of [false, true]) {
          const w = Float32Array.from(base), g = Float32Array.from(base);
          accumulateScaledDifferenceInto(len, c, a, b, w);
          if (viaAddon) k.addon.accumulateScaledDifference!(len, c, a, b, g);
          else k.accumulateScaledDifference(len, c, a, b, g);
          assert.ok(bitsEqual(g, w), `accumulate c ${c} len ${len} ${viaAddon ? 'addon' : 'wrapper'}`);
        }
      }
    }
    // A hand-computed case: (3 - 1)^2 + (0.5 - 1)^2 = 4.25; out += 2 * (a - b).
    const a = Float32Array.from([3, 0.5]), b = Float32Array.from([1, 1]), out = Float32Array.from([1, 1]);
    assert.equal(ts.squaredErrorSum(2, a, b), 4.25);
    ts.accumulateScaledDifference(2, 2, a, b, out);
    assert.deepEqual([...out], [5, 0]);
    assert.throws(() => k.squaredErrorSum(300, new Float32Array(300), new Float32Array(299)), /b has length 299/);
    assert.throws(() => k.accumulateScaledDifference(300, 1, new Float32Array(300), new Float32Array(300), new Float32Array(10)), /out has length 10/);
  });

  test('addScaled: bit-equal to the reference loop (wrapper and addon), values rounding differently in float32 included', () => {
    const k = loaded as NativeKernels;
    for (const len of [0, 1, 255, 256, 10007]) {
      const base = rand(len, 31, -3, 3), z = Float64Array.from(rand(len, 32, -4, 4), (v, i) => v + i * 1e-12);
      if (len > 8) { base[0] = 3.4e38; z[0] = 1e30; z[1] = Infinity; base[2] = NaN; z[3] = 1e-300; }
      for (const c of [0.1, -2.5, 0]) {
        const want = Float32Array.from(base).fill(7);
        addScaledInto(len, c, z, base, want);
        for (const viaAddon of [false, true]) {
          const got = new Float32Array(len).fill(-7);
          if (viaAddon) { if (len > 0) k.addon.addScaled!(len, c, z, base, got); else continue; } else k.addScaled(len, c, z, base, got);
          assert.ok(bitsEqual(got, want), `c ${c} len ${len} ${viaAddon ? 'addon' : 'wrapper'}`);
        }
      }
    }
    assert.throws(() => k.addScaled(300, 1, new Float64Array(299), new Float32Array(300), new Float32Array(300)), /z must be a Float64Array/);
  });

  test('rowBroadcastAdd and columnAccumulate: bit-equal to the reference loops (wrapper and addon)', () => {
    const k = loaded as NativeKernels;
    for (const [m, n] of [[1, 1], [3, 7], [64, 120], [1024, 6], [5, 300]]) {
      const row = rand(n, m + 41, -1e3, 1e3), x = rand(m * n, m + 42, -1, 1), g = rand(m * n, m + 43, -1e-3, 1e3), base = rand(n, m + 44, -1, 1);
      if (m * n > 8) { x[0] = 3.4e38; row[0] = 3.4e38; g[1] = 1e-40; g[2] = -0; base[3] = 1e30; }
      const want = new Float32Array(m * n);
      rowBroadcastAddInto(m, n, row, x, want);
      for (const negate of [false, true]) {
        const wantAcc = Float32Array.from(base);
        columnAccumulateInto(m, n, g, negate, wantAcc);
        for (const viaAddon of [false, true]) {
          const got = new Float32Array(m * n).fill(5), gotAcc = Float32Array.from(base);
          if (viaAddon) { k.addon.rowBroadcastAdd!(m, n, row, x, got); k.addon.columnAccumulate!(m, n, g, negate, gotAcc); }
          else { k.rowBroadcastAdd(m, n, row, x, got); k.columnAccumulate(m, n, g, negate, gotAcc); }
          assert.ok(bitsEqual(got, want), `rowBroadcastAdd ${m} x ${n} ${viaAddon ? 'addon' : 'wrapper'}`);
          assert.ok(bitsEqual(gotAcc, wantAcc), `columnAccumulate ${m} x ${n} negate ${negate} ${viaAddon ? 'addon' : 'wrapper'}`);
        }
      }
    }
    // Hand-computed: rows [1, 2] and [3, 4] summed into [10, 20]; a row [1, 1] added to them.
    const acc = Float32Array.from([10, 20]);
    ts.columnAccumulate(2, 2, Float32Array.from([1, 2, 3, 4]), false, acc);
    assert.deepEqual([...acc], [14, 26]);
    const out = new Float32Array(4);
    ts.rowBroadcastAdd(2, 2, Float32Array.from([1, 1]), Float32Array.from([1, 2, 3, 4]), out);
    assert.deepEqual([...out], [2, 3, 4, 5]);
    assert.throws(() => k.columnAccumulate(100, 3, new Float32Array(300), false, new Float32Array(2)), /out has length 2/);
  });

  test('rowSum and rowSumBackward: bit-equal to the reference loops (wrapper and addon), rounding-sensitive sums included', () => {
    const k = loaded as NativeKernels;
    for (const [m, n] of [[1, 1], [3, 7], [5, 300], [64, 120], [1023, 6], [1024, 1]]) {
      // Sums whose double running total rounds differently from a float one, an overflowing row, NaN, -0.
      const x = rand(m * n, m + 51, -1e3, 1e3), g = rand(m, m + 52, -1e3, 1e3), base = rand(m * n, m + 53, -1, 1);
      if (m * n > 8) { x[0] = 3.4e38; x[1] = 3.4e38; x[n] = 1 + 2 ** -23; x[n + 1] = 2 ** -30; g[0] = -0; base[2] = 1e30; }
      if (m > 2) { x[2 * n] = NaN; g[1] = 1e-40; g[2] = 3.4e38; }
      const want = new Float32Array(m), wantG = Float32Array.from(base);
      rowSumInto(m, n, x, want);
      rowSumBackwardInto(m, n, g, wantG);
      for (const viaAddon of [false, true]) {
        const got = new Float32Array(m).fill(5), gotG = Float32Array.from(base);
        if (viaAddon) { k.addon.rowSum!(m, n, x, got); k.addon.rowSumBackward!(m, n, g, gotG); }
        else { k.rowSum(m, n, x, got); k.rowSumBackward(m, n, g, gotG); }
        assert.ok(bitsEqual(got, want), `rowSum ${m} x ${n} ${viaAddon ? 'addon' : 'wrapper'}`);
        assert.ok(bitsEqual(gotG, wantG), `rowSumBackward ${m} x ${n} ${viaAddon ? 'addon' : 'wrapper'}`);
      }
    }
    // Hand-computed: 1 + 2^-24 + 2^-24 is 1 + 2^-23 when summed in double, 1 when summed in float.
    const out = new Float32Array(2);
    ts.rowSum(2, 3, Float32Array.from([1, 2 ** -24, 2 ** -24, 1, 2, 3]), out);
    assert.deepEqual([...out], [1 + 2 ** -23, 6]);
    const gx = Float32Array.from([1, 1, 1, 1, 1, 1]);
    ts.rowSumBackward(2, 3, Float32Array.from([0.5, -2]), gx);
    assert.deepEqual([...gx], [1.5, 1.5, 1.5, -1, -1, -1]);
    assert.throws(() => k.rowSum(100, 3, new Float32Array(300), new Float32Array(99)), /out has length 99/);
    assert.throws(() => k.rowSumBackward(100, 3, new Float32Array(99), new Float32Array(300)), /g has length 99/);
  });

  test('meanCrossProducts: bit-equal to the reference loops (wrapper and addon), zero deviations and wide values included', () => {
    const k = loaded as NativeKernels;
    for (const [rows, cols] of [[1, 1], [7, 3], [100, 41], [1000, 50], [3, 200]]) {
      const x = rand(rows * cols, rows + cols, -1e4, 1e4);
      // A constant column (every deviation 0: its rows are skipped) and a row equal to another.
      for (let r = 0; r < rows; r++) x[r * cols] = 2.5;
      if (rows > 2) x.copyWithin(cols, 0, cols);
      const mw = new Float64Array(cols), cw = new Float64Array(cols * cols);
      meanCrossProductsInto(rows, cols, x, mw, cw);
      for (const viaAddon of [false, true]) {
        const mg = new Float64Array(cols).fill(9), cg = new Float64Array(cols * cols).fill(9);
        if (viaAddon) k.addon.meanCrossProducts!(rows, cols, x, mg, cg);
        else k.meanCrossProducts(rows, cols, x, mg, cg);
        assert.ok(mg.every((v, i) => Object.is(v, mw[i])) && cg.every((v, i) => Object.is(v, cw[i])), `${rows} x ${cols} ${viaAddon ? 'addon' : 'wrapper'}`);
      }
    }
    // Hand-computed: rows (1, 2), (3, 6): mean (2, 4); deviations (-1, -2), (1, 2): sums [[2, .], [4, 8]].
    const mean = new Float64Array(2), cov = new Float64Array(4);
    ts.meanCrossProducts(2, 2, Float32Array.from([1, 2, 3, 6]), mean, cov);
    assert.deepEqual([...mean, cov[0], cov[2], cov[3]], [2, 4, 2, 4, 8]);
    assert.throws(() => k.meanCrossProducts(100, 50, new Float32Array(4999), new Float64Array(50), new Float64Array(2500)), /x has length 4999/);
    assert.throws(() => k.meanCrossProducts(100, 50, new Float32Array(5000), new Float64Array(50), new Float64Array(100)), /cov must be a Float64Array/);
  });

  test('unitNormalize and its backward: bit-equal to the reference loops (wrapper and addon, 1-3 threads), clamped and wide slices included', () => {
    const k = loaded as NativeKernels;
    const floor = Math.fround(1e-12);
    for (const [outer, len, inner] of [[64, 5, 200], [320, 200, 1], [7, 9, 1], [3, 7, 5], [1, 1, 1], [700, 3, 33], [1030, 2, 1]]) {
      const size = outer * len * inner;
      const x = rand(size, size + 1, -3, 3), g = rand(size, size + 2, -1, 1);
      // A zero slice (clamped: divided by the floor), a tiny one (clamped too) and one near float32's limit.
      if (len > 1) for (let l = 0; l < len; l++) { x[l * inner] = 0; if (outer > 1) x[len * inner + l * inner] = 1e-30; }
      x[size - 1] = 3e38;
      const wr = new Float64Array(outer * inner), wo = new Float32Array(size), wg = rand(size, size + 3);
      unitNormalizeInto(outer, len, inner, x, floor, wr, wo);
      unitNormalizeBackwardInto(outer, len, inner, x, g, wr, wg);
      if (len > 1) assert.ok(wr[0] === -floor, 'the zero slice is clamped');
      for (const threads of [1, 2, 3]) {
        for (const viaAddon of [false, true]) {
          const r = new Float64Array(outer * inner).fill(5), out = new Float32Array(size).fill(5), gx = rand(size, size + 3);
          withMode({ simd: k.addon.simd() as 'avx2' | 'scalar', threads }, (kk) => {
            if (viaAddon) { kk.addon.unitNormalize!(outer, len, inner, x, floor, r, out); kk.addon.unitNormalizeBackward!(outer, len, inner, x, g, r, gx); }
            else { kk.unitNormalize(outer, len, inner, x, floor, r, out); kk.unitNormalizeBackward(outer, len, inner, x, g, r, gx); }
          });
          const what = `${outer} x ${len} x ${inner}, ${threads} threads, ${viaAddon ? 'addon' : 'wrapper'}`;
          assert.ok(r.every((v, i) => Object.is(v, wr[i])) && bitsEqual(out, wo), `forward ${what}`);
          assert.ok(bitsEqual(gx, wg), `backward ${what}`);
        }
      }
    }
    // Hand-computed: (3, 4) has length 5: (0.6, 0.8); with g = (1, 0): g / 5 - x (3) / 125 = (0.2 - 0.072, -0.096).
    const r = new Float64Array(1), out = new Float32Array(2), gx = new Float32Array(2);
    ts.unitNormalize(1, 2, 1, Float32Array.from([3, 4]), floor, r, out);
    ts.unitNormalizeBackward(1, 2, 1, Float32Array.from([3, 4]), Float32Array.from([1, 0]), r, gx);
    assert.deepEqual([r[0], ...out], [5, Math.fround(0.6), Math.fround(0.8)]);
    assert.deepEqual([...gx], [Math.fround(0.2 - 0.072), Math.fround(-0.096)]);
    assert.throws(() => k.unitNormalize(64, 5, 200, new Float32Array(63999), floor, new Float64Array(12800), new Float32Array(64000)), /x has length 63999/);
    assert.throws(() => k.unitNormalizeBackward(64, 5, 200, new Float32Array(64000), new Float32Array(64000), new Float64Array(12799), new Float32Array(64000)), /r must be a Float64Array/);
    assert.throws(() => k.addon.unitNormalize!(64, 5, 200, new Float32Array(64000), floor, new Float64Array(12800), new Float32Array(6400)), /out/);
  });

  test('scaleColumns: bit-equal to the reference loop and to JavaScript\'s arithmetic (every SIMD path, 1-3 threads), constant columns, clamps and NaN included', () => {
    const k = loaded as NativeKernels;
    const limit = 1e6;
    for (const [rows, cols] of [[2000, 50], [777, 3], [300, 1], [65, 7], [5000, 13]] as const) {
      const x = rand(rows * cols, rows + cols, -5, 5);
      const offset = Float64Array.from({ length: cols }, (_, j) => (j % 3) - 0.3 * j);
      const scale = Float64Array.from({ length: cols }, (_, j) => (j % 4 === 1 ? 0 : 0.01 + j * 0.7));
      // Values to clamp both ways, infinities, signed zeros at the offset of a constant column (sign(-0 - 0) = -0).
      x[3 * cols] = 3e38; x[cols] = -Infinity; x[x.length - 1] = Infinity; // column 0 is scaled
      if (cols > 1) { x[2 * cols + 1] = -0; offset[1] = 0; x[4 * cols + 1] = 0; }
      const want = new Float32Array(rows * cols), wantClamped = new Float64Array(cols);
      assert.equal(scaleColumnsInto(rows, cols, x, offset, scale, limit, want, wantClamped), -1);
      // The reference is JavaScript's own arithmetic on each value, as the preprocessor's scalar path computes it.
      for (let i = 0; i < rows * cols; i += 97) {
        const j = i % cols, d = x[i] - offset[j];
        assert.ok(Object.is(want[i], Math.fround(Math.max(-limit, Math.min(limit, scale[j] > 0 ? d / scale[j] : Math.sign(d))))), `value ${i}`);
      }
      assert.ok(wantClamped.reduce((a, b) => a + b, 0) >= 2, 'some values clamped');
      for (const mode of modes()) {
        for (const viaAddon of [false, true]) {
          const out = new Float32Array(rows * cols).fill(7), clamped = new Float64Array(cols).fill(1);
          const r = withMode(mode, (kk) => (viaAddon ? kk.addon.scaleColumns!(rows, cols, x, offset, scale, limit, out, clamped) : kk.scaleColumns(rows, cols, x, offset, scale, limit, out, clamped)));
          const what = `${rows} x ${cols}, ${mode.simd}, ${mode.threads} threads, ${viaAddon ? 'addon' : 'wrapper'}`;
          assert.equal(r, -1, what);
          assert.ok(bitsEqual(out, want), what);
          assert.ok(clamped.every((v, j) => v === wantClamped[j] + 1), `clamp counts add to what was there: ${what}`);
          // A NaN: its flat index (the first of two), wherever the row falls among the threads.
          const nan = Float32Array.from(x); nan[rows * cols - cols] = NaN; nan[(rows >> 1) * cols + cols - 1] = NaN;
          const first = Math.min(rows * cols - cols, (rows >> 1) * cols + cols - 1);
          assert.equal(withMode(mode, (kk) => kk.addon.scaleColumns!(rows, cols, nan, offset, scale, limit, out, new Float64Array(cols))), first, `NaN ${what}`);
        }
      }
    }
    assert.throws(() => k.scaleColumns(100, 5, new Float32Array(499), new Float64Array(5), new Float64Array(5), 1e6, new Float32Array(500), new Float64Array(5)), /x has length 499/);
    assert.throws(() => k.scaleColumns(100, 5, new Float32Array(500), new Float64Array(5), new Float64Array(4), 1e6, new Float32Array(500), new Float64Array(5)), /scale must be a Float64Array of at least 5/);
    assert.throws(() => k.addon.scaleColumns!(100, 5, new Float32Array(500), new Float64Array(5), new Float64Array(5), 1e6, new Float32Array(50), new Float64Array(5)), /out/);
  });

  test('isolationPathSums: bit-equal to the reference loop (wrapper and addon, 1-3 threads), both split kinds, NaN and infinities included', () => {
    const k = loaded as NativeKernels;
    for (const [rows, cols, level] of [[600, 5, undefined], [600, 5, 4], [1000, 50, 49], [777, 12, 2], [9, 3, 2], [300, 1, 0]] as const) {
      const train = rand(rows * cols, rows + cols, -3, 3);
      const f = growForest(train, rows, cols, { trees: 13, samples: Math.min(64, rows), features: cols, bootstrap: false, rng: new Rng(rows + cols), extensionLevel: level });
      const leaf = leafPathLengths(f);
      // Scored rows: other draws, a training row, and rows holding NaN and infinities (NaN <= t is false: right).
      const m = rows + 5, x = rand(m * cols, 3 * rows + cols, -4, 4);
      x.set(train.subarray(0, cols), 0);
      x[cols] = NaN; x[2 * cols] = Infinity; x[3 * cols + cols - 1] = -Infinity; x[4 * cols] = 3.4028234663852886e38;
      const want = new Float64Array(m).fill(7);
      isolationPathSumsInto(m, cols, x, f.feature, f.threshold, f.left, f.right, f.roots, leaf, f.normals ?? null, want);
      assert.ok(want.every((v) => v > 0 || Number.isNaN(v)), 'every row gathers positive path lengths');
      for (const mode of modes()) {
        for (const viaAddon of [false, true]) {
          const got = new Float64Array(m).fill(-1);
          withMode(mode, (kk) => {
            if (viaAddon) kk.addon.isolationPathSums!(m, cols, x, f.feature, f.threshold, f.left, f.right, f.roots, leaf, f.normals ?? null, got);
            else kk.isolationPathSums(m, cols, x, f.feature, f.threshold, f.left, f.right, f.roots, leaf, f.normals ?? null, got);
          });
          assert.ok(got.every((v, i) => Object.is(v, want[i])), `${rows} x ${cols} level ${level}, ${mode.simd} ${mode.threads} threads, ${viaAddon ? 'addon' : 'wrapper'}`);
        }
      }
    }
    // Hand-built stump: x <= 0.5 goes to leaf 1 (length 1), else leaf 2 (length 3); two trees sum both walks.
    const feature = Int32Array.from([0, -1, -1, 0, -1, -1]), threshold = Float32Array.from([0.5, 0, 0, 0.25, 0, 0]);
    const left = Int32Array.from([1, -1, -1, 4, -1, -1]), right = Int32Array.from([2, -1, -1, 5, -1, -1]);
    const roots = Int32Array.from([0, 3]), leaf = Float64Array.from([0, 1, 3, 0, 10, 30]);
    const sums = new Float64Array(3);
    ts.isolationPathSums(3, 1, Float32Array.from([0.2, 0.4, 0.9]), feature, threshold, left, right, roots, leaf, null, sums);
    assert.deepEqual([...sums], [11, 31, 33]);
    // The hyperplane form of the same stump: the normal (2) doubles the value, so 0.2 -> 0.4 <= 0.5 but 0.4 -> 0.8.
    ts.isolationPathSums(3, 1, Float32Array.from([0.2, 0.4, 0.9]), Int32Array.from([0, -1, -1, 0, -1, -1]), threshold, left, right, roots, leaf, Float32Array.from([2]), sums);
    assert.deepEqual([...sums], [31, 33, 33]);
    // The projection's order: four partial sums, (s0 + s2) + (s1 + s3). With F = 2^60, 1 + F rounds to F, so the
    // column-order sum of [1, F, 1, -F] is 0; the partial sums give (1 + 1) + (F - F) = 2. A stump at 1 tells the
    // two apart: the row goes right (leaf length 3) only with the partial sums, on every path and lane position.
    const F = 2 ** 60, quad = Float32Array.from([1, F, 1, -F]);
    assert.equal(hyperplaneDot(Float32Array.from([1, 1, 1, 1]), 0, quad, 0, 4), 2);
    assert.equal(hyperplaneDot(Float32Array.from([0, 1, 1, 1, 1]), 1, Float32Array.from([9, 9, 1, F, 1, -F]), 2, 4), 2);
    for (const n of [1, 9]) { // one lane, and every lane of a block plus one
      const xq = new Float32Array(n * 6);
      for (let i = 0; i < n; i++) xq.set([1, F, 1, -F, 0, 0], i * 6); // 6 columns: a masked tail of 2 as well
      const stump = [Int32Array.from([0, -1, -1]), Float32Array.from([1, 0, 0]), Int32Array.from([1, -1, -1]), Int32Array.from([2, -1, -1]), Int32Array.from([0])] as const;
      const want = new Float64Array(n).fill(3), normals = Float32Array.from([1, 1, 1, 1, 1, 1]);
      const ref = new Float64Array(n);
      isolationPathSumsInto(n, 6, xq, ...stump, Float64Array.from([0, 1, 3]), normals, ref);
      assert.deepEqual([...ref], [...want]);
      for (const mode of modes()) {
        const got = new Float64Array(n);
        withMode(mode, (kk) => kk.isolationPathSums(n, 6, xq, ...stump, Float64Array.from([0, 1, 3]), normals, got));
        assert.deepEqual([...got], [...want], `${mode.simd} ${mode.threads} threads, ${n} rows`);
      }
    }
    // The addon refuses any index it would follow out of range, or a child that does not come after its parent.
    const xs = new Float32Array(600);
    const call = (fe: Int32Array, l: Int32Array, r: Int32Array, ro: Int32Array, normals: Float32Array | null = null) =>
      k.addon.isolationPathSums!(600, 1, xs, fe, threshold, l, r, ro, leaf, normals, new Float64Array(600));
    assert.throws(() => call(feature, left, right, Int32Array.from([0, 6])), /root is out of range/);
    assert.throws(() => call(Int32Array.from([1, -1, -1, 0, -1, -1]), left, right, roots), /feature \(or normal\) out of range/);
    assert.throws(() => call(Int32Array.from([1, -1, -1, 0, -1, -1]), left, right, roots, Float32Array.from([2])), /feature \(or normal\) out of range/);
    assert.throws(() => call(feature, Int32Array.from([1, -1, -1, 3, -1, -1]), right, roots), /child is not after it/);
    assert.throws(() => call(feature, left, Int32Array.from([2, -1, -1, 6, -1, -1]), roots), /child is not after it/);
    assert.throws(() => k.isolationPathSums(600, 1, new Float32Array(599), feature, threshold, left, right, roots, leaf, null, new Float64Array(600)), /x has length 599/);
    assert.throws(() => k.isolationPathSums(600, 1, xs, feature, threshold, left, right, roots, leaf.subarray(0, 5), null, new Float64Array(600)), /leafLength must be/);
  });

  test('knnLeafUpdate: the same neighbour lists as the reference loop (wrapper and addon), ties, exclusions and NaN included', () => {
    const k = loaded as NativeKernels;
    const cols = 5, queries = 40, refRows = 300, kk = 4, na = 30, n = 200;
    const query = rand(queries * cols, 21, -2, 2), ref = rand(refRows * cols, 22, -2, 2);
    // Rows of ref at equal distance from query 0 (ties broken by index) and a duplicate of query 1.
    ref.set(query.subarray(0, cols).map((v) => v + 0.5), 10 * cols); ref.set(query.subarray(0, cols).map((v) => v + 0.5), 11 * cols);
    ref.set(query.subarray(cols, 2 * cols), 12 * cols);
    const qNorm = Float64Array.from({ length: queries }, (_, i) => { let t = 0; for (let a = 0; a < cols; a++) t += query[i * cols + a] ** 2; return t; });
    const active = Int32Array.from({ length: na }, (_, u) => (u * 7) % queries), leafRows = Int32Array.from({ length: n }, (_, j) => (j * 3 + 1) % refRows);
    leafRows[0] = 10; leafRows[1] = 11; leafRows[2] = 12;
    const g = new Float32Array(na * n);
    for (let u = 0; u < na; u++) for (let j = 0; j < n; j++) {
      const qi = active[u], r = leafRows[j];
      let dot = 0, rn = 0;
      for (let a = 0; a < cols; a++) { dot += query[qi * cols + a] * ref[r * cols + a]; rn += ref[r * cols + a] ** 2; }
      g[u * n + j] = rn - 2 * dot;
    }
    g[5] = NaN;
    const err = new Float64Array(na).fill(1e-4);
    for (const exclude of [null, Int32Array.from({ length: queries }, (_, i) => (i === 7 ? 12 : i))]) {
      const start = () => ({ d: new Float64Array(queries * kk).fill(Infinity), i: new Int32Array(queries * kk).fill(-1) });
      const want = start();
      knnLeafUpdateInto(na, n, kk, cols, g, active, err, query, ref, leafRows, null, qNorm, exclude, want.d, want.i);
      assert.ok(want.i[0] === 10 || want.i.includes(10), 'the tie rows are among query 0\'s neighbours');
      for (const viaAddon of [false, true]) {
        const got = start();
        if (viaAddon) k.addon.knnLeafUpdate!(na, n, kk, cols, g, active, err, query, ref, leafRows, null, qNorm, exclude, got.d, got.i);
        else k.knnLeafUpdate(na, n, kk, cols, g, active, err, query, ref, leafRows, null, qNorm, exclude, got.d, got.i);
        assert.deepEqual([...got.i], [...want.i], `indices, ${viaAddon ? 'addon' : 'wrapper'}, exclude ${exclude ? 'map' : 'none'}`);
        assert.ok(got.d.every((v, t) => Object.is(v, want.d[t])), `distances, ${viaAddon ? 'addon' : 'wrapper'}`);
      }
      // A second leaf met with the lists already full: most rows are skipped in blocks (16 and 8 wide in C), a
      // few near the k-th distance pass; rows shifted so that candidates fall at every offset of a block.
      const g2 = Float32Array.from(g, (v, t) => v + (((t * 5) % 17) - 8) * 0.05);
      const again = { d: want.d.slice(), i: want.i.slice() };
      knnLeafUpdateInto(na, n, kk, cols, g2, active, err, query, ref, leafRows, null, qNorm, exclude, again.d, again.i);
      const got2 = { d: want.d.slice(), i: want.i.slice() };
      k.addon.knnLeafUpdate!(na, n, kk, cols, g2, active, err, query, ref, leafRows, null, qNorm, exclude, got2.d, got2.i);
      assert.deepEqual([...got2.i], [...again.i], 'second pass: indices');
      assert.ok(got2.d.every((v, t) => Object.is(v, again.d[t])), 'second pass: distances');
    }
    const d2 = new Float64Array(queries * kk).fill(Infinity), ix = new Int32Array(queries * kk);
    assert.throws(() => k.addon.knnLeafUpdate!(na, n, kk, cols, g, Int32Array.from(active, () => queries), err, query, ref, leafRows, null, qNorm, null, d2, ix), /active query index is out of range/);
    assert.throws(() => k.addon.knnLeafUpdate!(na, n, kk, cols, g, active, err, query, ref, Int32Array.from(leafRows, () => refRows), null, qNorm, null, d2, ix), /leafRows index is out of range/);
  });

  test('transposeShift: the reference loop\'s bits (wrapper and addon), tiles and edges, values of every scale', () => {
    const k = loaded as NativeKernels;
    for (const [m, n, seed] of [[256, 256, 1], [37, 53, 2], [4, 4, 3], [16, 17, 4], [3, 250, 5], [250, 2, 6]]) {
      // g like ||y||^2 - 2 x.y of rows with norms near 100, shifts the norms: the sums cancel, so every rounding shows.
      const g = rand(m * n, seed, -200, 200), rs = rand(m, seed + 10, 50, 150), cs = rand(n, seed + 20, 50, 150);
      g[0] = 1e-40; g[m * n - 1] = -3e38;
      const want = new Float32Array(m * n);
      transposeShiftInto(m, n, g, rs, cs, want);
      assert.equal(want[1], Math.fround(Math.fround(g[n] + rs[1]) - cs[0]), 'the reference rounds each operation to float32');
      for (const viaAddon of [false, true]) {
        const got = new Float32Array(m * n).fill(NaN);
        if (viaAddon) k.addon.transposeShift!(m, n, g, rs, cs, got);
        else k.transposeShift(m, n, g, rs, cs, got);
        assert.ok(bitsEqual(got, want), `${m} x ${n} ${viaAddon ? 'addon' : 'wrapper'}`);
      }
    }
    assert.throws(() => k.transposeShift(4, 4, new Float32Array(15), new Float32Array(4), new Float32Array(4), new Float32Array(16)), /g has length 15/);
    assert.throws(() => k.transposeShift(4, 4, new Float32Array(16), new Float64Array(4) as unknown as Float32Array, new Float32Array(4), new Float32Array(16)), /rowShift and colShift must be Float32Arrays/);
    assert.throws(() => k.transposeShift(4, 4, new Float32Array(16), new Float32Array(4), new Float32Array(3), new Float32Array(16)), /at least m = 4 and n = 4/);
  });

  test('knnLeafUpdate with runs of equal rows: the same lists as row by row (reference, wrapper, addon), exclusion and ties inside runs', () => {
    const k = loaded as NativeKernels;
    const cols = 3, kk = 5, distinct = 12, copies = [1, 7, 3, 1, 12, 2, 1, 5, 9, 1, 4, 2];
    const base = rand(distinct * cols, 31, -1, 1);
    // Reference rows: each distinct row repeated (copies[d] times) at rising indices, interleaved with others.
    const order: number[] = [];
    copies.forEach((c, dRow) => { for (let t = 0; t < c; t++) order.push(dRow); });
    const refRows = order.length, ref = new Float32Array(refRows * cols);
    const idxOf = Int32Array.from({ length: refRows }, (_, i) => (i * 17) % refRows); // a permutation (17 coprime to 48)
    assert.equal(new Set(idxOf).size, refRows);
    order.forEach((dRow, pos) => ref.set(base.subarray(dRow * cols, (dRow + 1) * cols), idxOf[pos] * cols));
    // Leaf order: grouped by distinct row, rising indices inside each group (as the index builds them).
    const leafRows = Int32Array.from(copies.flatMap((_c, dRow) => order.map((o, pos) => (o === dRow ? idxOf[pos] : -1)).filter((v) => v >= 0).sort((a, b) => a - b)));
    const n = refRows, runs = new Int32Array(n).fill(1);
    for (let p = n - 2; p >= 0; p--) if (leafRows[p] < leafRows[p + 1] && sameRow(ref, leafRows[p], leafRows[p + 1], cols)) runs[p] = runs[p + 1] + 1;
    assert.equal(Math.max(...runs), 12, 'the longest run is the 12 copies');
    // Queries: some equal to reference rows (distance 0 to a whole run), some elsewhere.
    const queries = 30, query = rand(queries * cols, 32, -1, 1);
    for (let qi = 0; qi < queries; qi += 3) query.set(base.subarray((qi % distinct) * cols, (qi % distinct + 1) * cols), qi * cols);
    const qNorm = Float64Array.from({ length: queries }, (_, i) => { let t = 0; for (let a = 0; a < cols; a++) t += query[i * cols + a] ** 2; return t; });
    const na = queries, active = Int32Array.from({ length: na }, (_, u) => u);
    const g = new Float32Array(na * n);
    for (let u = 0; u < na; u++) for (let j = 0; j < n; j++) {
      let dot = 0, rn = 0;
      for (let a = 0; a < cols; a++) { dot += query[u * cols + a] * ref[leafRows[j] * cols + a]; rn += ref[leafRows[j] * cols + a] ** 2; }
      g[u * n + j] = rn - 2 * dot;
    }
    const err = new Float64Array(na).fill(1e-5);
    // Exclusion: query q excludes reference row leafRows[q] (inside a run for most q).
    for (const exclude of [null, Int32Array.from({ length: queries }, (_, q) => leafRows[(q * 5) % n])]) {
      const start = () => ({ d: new Float64Array(queries * kk).fill(Infinity), i: new Int32Array(queries * kk).fill(-1) });
      const plain = start();
      knnLeafUpdateInto(na, n, kk, cols, g, active, err, query, ref, leafRows, null, qNorm, exclude, plain.d, plain.i);
      assert.ok(plain.d.some((v) => v === 0) && plain.i.every((v) => v >= 0));
      for (const how of ['reference', 'wrapper', 'addon'] as const) {
        const got = start();
        if (how === 'reference') knnLeafUpdateInto(na, n, kk, cols, g, active, err, query, ref, leafRows, runs, qNorm, exclude, got.d, got.i);
        else if (how === 'wrapper') k.knnLeafUpdate(na, n, kk, cols, g, active, err, query, ref, leafRows, runs, qNorm, exclude, got.d, got.i);
        else k.addon.knnLeafUpdate!(na, n, kk, cols, g, active, err, query, ref, leafRows, runs, qNorm, exclude, got.d, got.i);
        assert.deepEqual([...got.i], [...plain.i], `${how}, exclude ${exclude ? 'map' : 'none'}: indices`);
        assert.ok(got.d.every((v, t) => Object.is(v, plain.d[t])), `${how}: distances`);
      }
    }
    const d2 = new Float64Array(queries * kk), ix = new Int32Array(queries * kk), bad = runs.slice();
    bad[n - 1] = 2;
    assert.throws(() => k.addon.knnLeafUpdate!(na, n, kk, cols, g, active, err, query, ref, leafRows, bad, qNorm, null, d2, ix), /a run is empty or passes the leaf's end/);
    assert.throws(() => k.knnLeafUpdate(na, n, kk, cols, g, active, err, query, ref, leafRows, runs.subarray(0, 3), qNorm, null, d2, ix), /runs must be an Int32Array of at least/);
  });

  test('normals: bit-equal draws and final states vs the TypeScript ziggurat (wrapper and addon), tail and wedge paths included', () => {
    const k = loaded as NativeKernels;
    for (const n of [0, 1, 63, 64, 65, 1000]) {
      for (const viaAddon of [false, true]) {
        const s0 = Int32Array.from(new Rng(55 + n).state), s1 = Int32Array.from(s0);
        const want = new Float64Array(n + 2).fill(-7), got = new Float64Array(n + 2).fill(-7);
        normalsInto(s0, n, want);
        if (viaAddon) {
          // The addon alone stops at a tail draw: its index, its sign in out, the state past its two words.
          const at = k.addon.normals!(s1, n, ZIGGURAT.w, ZIGGURAT.k, ZIGGURAT.f, got);
          assert.equal(at, n, `n=${n}: no tail draw among these (seed chosen so)`);
        } else k.normals(s1, n, got);
        assert.deepEqual(Array.from(got), Array.from(want), `n=${n} ${viaAddon ? 'addon' : 'wrapper'}: draws differ`);
        assert.deepEqual(Array.from(s1), Array.from(s0), `n=${n} ${viaAddon ? 'addon' : 'wrapper'}: final state differs`);
      }
    }
    // Two million draws: about 500 take the tail beyond R (P(|z| > R) = 2.6e-4) and about 1% the wedge test,
    // the paths where C's exp and log stand in for V8's.
    const a = new Rng(2024), b = new Rng(2024), n = 2_000_000;
    const want = new Float64Array(n), got = new Float64Array(n);
    normalsInto(a.state, n, want);
    k.normals(b.state, n / 2, got);
    k.normals(b.state, n / 2, got.subarray(n / 2));
    let tail = 0, differ = 0;
    for (let i = 0; i < n; i++) { if (Math.abs(want[i]) > ZIGGURAT.r) tail++; if (!Object.is(got[i], want[i])) differ++; }
    assert.ok(tail > 300, `only ${tail} tail draws`);
    assert.equal(differ, 0, `${differ} of ${n} draws differ`);
    assert.deepEqual(Array.from(b.state), Array.from(a.state), 'final state');
    // The addon's stop at a tail draw: the sign it leaves, then the wrapper's tail gives the same draw.
    const d = new Rng(2024), first = want.findIndex((v) => Math.abs(v) > ZIGGURAT.r);
    const part = new Float64Array(first + 1);
    assert.equal(k.addon.normals!(d.state, first + 1, ZIGGURAT.w, ZIGGURAT.k, ZIGGURAT.f, part), first);
    assert.equal(part[first], Math.sign(want[first]));
    assert.equal(Math.sign(want[first]) * zigguratTail(d.state), want[first]);
    assert.throws(() => k.normals(new Int32Array(3), 4, new Float64Array(4)), /state must be an Int32Array/);
    assert.throws(() => k.normals(a.state, 100, new Float64Array(99)), /out must be a Float64Array of at least 100/);
  });

  test('squaredDistances64: bit-equal to the reference loop on every SIMD path and thread count (addon and wrapper), edge sizes, clear errors', () => {
    const r = new Rng(77);
    // Rows and vectors around the 4 x 8 register tiles, one column, no column, and a call big enough for threads.
    const shapes: Array<[number, number, number]> = [[1, 1, 1], [3, 7, 5], [4, 8, 3], [5, 9, 1], [9, 17, 13], [37, 301, 121], [130, 64, 6], [4, 8, 0]];
    for (const mode of modes()) {
      withMode(mode, (k) => {
        for (const [m, n, c] of shapes) {
          // Values of mixed scale, so the per-term rounding matters.
          const x = Float32Array.from({ length: m * c }, () => (r.uniform() - 0.5) * 10 ** r.int(4));
          const v32 = Float32Array.from({ length: n * c }, () => (r.uniform() - 0.5) * 10 ** r.int(4));
          // float64 vectors (GOAD's centres) with bits a float32 cannot hold
          const v64 = Float64Array.from({ length: n * c }, () => (r.uniform() - 0.5) * 10 ** r.int(4));
          for (const v of [v32, v64]) {
            const want = new Float64Array(m * n);
            squaredDistancesInto(m, n, c, x, v, want);
            for (const viaAddon of [false, true]) {
              const got = new Float64Array(m * n).fill(-1);
              if (viaAddon) k.addon.squaredDistances64(m, n, c, x, v, got); else k.squaredDistances64(m, n, c, x, v, got);
              assert.deepEqual(Array.from(got), Array.from(want), `${mode.simd} x${mode.threads} ${m} x ${n} x ${c} ${viaAddon ? 'addon' : 'wrapper'} ${v.constructor.name}`);
            }
          }
        }
      });
    }
    const k = loaded as NativeKernels;
    assert.throws(() => k.squaredDistances64(2, 3, 4, new Float32Array(7), new Float32Array(12), new Float64Array(6)), /squaredDistances64: x has length 7/);
    assert.throws(() => k.squaredDistances64(2, 3, 4, new Float32Array(8), new Float32Array(12), new Float64Array(5)), /out must be a Float64Array/);
    assert.throws(() => k.addon.squaredDistances64(2, 3, 4, new Float32Array(8), new Float32Array(12), new Float32Array(6) as unknown as Float64Array), /out must be a Float64Array/);
    assert.throws(() => k.squaredDistances64(2, 3, 4, new Float32Array(8), new Float64Array(11), new Float64Array(6)), /squaredDistances64: v has length 11/);
    assert.throws(() => k.addon.squaredDistances64(2, 3, 4, new Float32Array(8), new Float64Array(11), new Float64Array(6)), /v is too short/);
    assert.throws(() => k.addon.squaredDistances64(2, 3, 4, new Float32Array(8), new Int32Array(12) as unknown as Float32Array, new Float64Array(6)), /v must be a Float32Array/);
  });

  test('mlp/adam bad sizes throw clear errors', () => {
    const k = loaded as NativeKernels;
    const f = (n: number) => new Float32Array(n);
    const sizes = Int32Array.from([3, 4, 2]), acts = Int32Array.from([Act.tanh, Act.none]);
    const w = [f(12), f(8)], outs = [f(20), f(10)];
    k.mlpForward(5, sizes, w, [null, null], acts, 0, f(15), outs);
    assert.throws(() => k.mlpForward(5, sizes, w, [null, null], acts, 0, f(14), outs), /mlpForward: x has length 14/);
    assert.throws(() => k.mlpForward(5, sizes, [f(12), f(7)], [null, null], acts, 0, f(15), outs),
      /mlpForward: weights\[1\] has length 7/);
    assert.throws(() => k.mlpForward(5, sizes, w, [f(3), null], acts, 0, f(15), outs), /mlpForward: biases\[0\] has length 3/);
    assert.throws(() => k.mlpForward(5, sizes, w, [null, null], acts, 0, f(15), [f(20), f(9)]), /outs\[1\] has length 9/);
    assert.throws(() => k.mlpForward(5, Int32Array.from([3, 4]), w, [null, null], acts, 0, f(15), outs), /sizes must be/);
    assert.throws(() => k.mlpForward(5, sizes, w, [null, null], Int32Array.from([1, 9]), 0, f(15), outs), /unknown activation/);
    assert.throws(() => k.mlpForward(5, sizes, w, [null], acts, 0, f(15), outs), /biases must be an array/);
    const bw = (over: Partial<Record<'dx' | 'dpres1' | 'dws0' | 'douts0' | 'dbs1', Float32Array | null>>) =>
      k.mlpBackward(5, sizes, w, acts, 0, f(15), outs, ['douts0' in over ? over.douts0 ?? null : null, f(10)],
        [f(20), over.dpres1 ?? f(10)], 'dx' in over ? over.dx ?? null : f(15), [over.dws0 ?? f(12), f(8)],
        [null, over.dbs1 ?? null]);
    bw({});
    bw({ dx: null });
    assert.throws(() => bw({ dx: f(14) }), /mlpBackward: dx has length 14/);
    assert.throws(() => bw({ dpres1: f(9) }), /mlpBackward: dpres\[1\] has length 9/);
    assert.throws(() => bw({ dws0: f(11) }), /mlpBackward: dws\[0\] has length 11/);
    assert.throws(() => bw({ douts0: f(19) }), /mlpBackward: douts\[0\] has length 19/);
    assert.throws(() => bw({ dbs1: f(1) }), /mlpBackward: dbs\[1\] has length 1/);
    // The addon's own checks (bypassing the wrapper).
    assert.throws(() => k.addon.mlpForward(5, sizes, w, [null, null], acts, 0, f(15), [f(20), f(9)]),
      /mlpForward: outs\[1\] is too short/);
    assert.throws(() => k.addon.mlpBackward(5, sizes, w, acts, 0, f(15), outs, [null, f(10)], [f(20), f(10)], null,
      [f(12), f(8)], [null]), /mlpBackward: dbs must have one entry per layer/);
    assert.throws(() => k.adamStep(4, f(4), f(3), f(4), f(4), 1, 1, 0.9, 0.999, 1e-8, 0), /adamStep: g has length 3/);
    assert.throws(() => k.addon.gatherRows(1, 2, f(4), Int32Array.from([2]), 0, f(2)), /row index 2/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// GMM loops and row softmax vs the TypeScript oracle (tsGmmKernels), in double precision.

function rand64(len: number, seed: number, lo = -1, hi = 1): Float64Array {
  return Float64Array.from(rand(len, seed, lo, hi), (v) => v);
}

/** |got - want| <= rel * max(|want|) + 1e-300 elementwise (double outputs; sums mix signs). */
function close64(got: Float64Array, want: Float64Array, rel: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let scale = 0;
  for (const v of want) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (Number.isNaN(w)) { assert.ok(Number.isNaN(g), `${what}[${i}]: want NaN, got ${g}`); continue; }
    if (!Number.isFinite(w)) { assert.equal(g, w, `${what}[${i}]`); continue; }
    const tol = rel * Math.max(scale, 1e-300);
    if (!(Math.abs(g - w) <= tol)) assert.fail(`${what}[${i}]: got ${g}, want ${w} (|diff| ${Math.abs(g - w)} > ${tol})`);
  }
}

function gmmCase(n: number, k: number, d: number, seed: number) {
  const z = rand(n * d, seed, -2, 2), gamma = new Float32Array(n * k), r = rng(seed + 1);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < k; c++) { gamma[i * k + c] = 0.05 + r(); s += gamma[i * k + c]; }
    for (let c = 0; c < k; c++) gamma[i * k + c] /= s;
  }
  // SPD precisions A A^T + I, means near the data, log-weights
  const prec = new Float64Array(k * d * d), mu = rand64(k * d, seed + 2, -1, 1), base = rand64(k, seed + 3, -6, -1);
  for (let c = 0; c < k; c++) {
    const A = rand64(d * d, seed + 10 + c, -0.7, 0.7);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) {
      let v = a === b ? 1 : 0;
      for (let q = 0; q < d; q++) v += A[a * d + q] * A[b * d + q];
      prec[c * d * d + a * d + b] = v;
    }
  }
  const gE = rand(n, seed + 4, -1, 1);
  for (let i = 0; i < n; i += 5) gE[i] = 0; // the oracle skips these rows
  const gMu = rand64(k * d, seed + 5), gSig = rand64(k * d * d, seed + 6), gS = rand64(k, seed + 7);
  const s = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) s[c] += gamma[i * k + c];
  const gz0 = rand(n * d, seed + 8), gGamma0 = rand(n * k, seed + 9);
  return { n, k, d, z, gamma, prec, mu, base, gE, gMu, gSig, gS, s, gz0, gGamma0 };
}
type GmmCase = ReturnType<typeof gmmCase>;

function runGmm(g: GmmKernels, c: GmmCase) {
  const { n, k, d } = c;
  const s = new Float64Array(k), mu = new Float64Array(k * d), cov = new Float64Array(k * d * d);
  g.moments(n, k, d, c.z, c.gamma, s, mu, cov);
  const energy = new Float64Array(n), energy2 = new Float64Array(n), resp = new Float64Array(n * k);
  const w = new Float64Array(n * k * d);
  g.energy(n, k, d, c.z, c.mu, c.prec, c.base, energy, null, null);
  g.energy(n, k, d, c.z, c.mu, c.prec, c.base, energy2, resp, w);
  // backward passes on the oracle's resp / w (passed in by the caller through c) so both see equal inputs
  const gLogp = new Float64Array(k), gMu = new Float64Array(k * d), gOuter = new Float64Array(k * d * d);
  const gz = c.gz0.slice();
  g.backwardAccumulate(n, k, d, c.gE, oracleRespW(c).resp, oracleRespW(c).w, gLogp, gMu, gOuter, gz);
  const gz2 = c.gz0.slice(), gGamma = c.gGamma0.slice(), gGamma2 = c.gGamma0.slice();
  g.backwardApply(n, k, d, c.z, c.gamma, c.s, c.mu, c.gMu, c.gSig, c.gS, gz2, gGamma);
  g.backwardApply(n, k, d, c.z, c.gamma, c.s, c.mu, c.gMu, c.gSig, c.gS, null, gGamma2);
  const gz3 = c.gz0.slice();
  g.backwardAccumulate(n, k, d, c.gE, oracleRespW(c).resp, oracleRespW(c).w, gLogp.slice(), gMu.slice(),
    gOuter.slice(), null);
  return { s, mu, cov, energy, energy2, resp, w, gLogp, gMu, gOuter, gz, gz2, gGamma, gGamma2, gz3 };
}

const respMemo = new Map<GmmCase, { resp: Float64Array; w: Float64Array }>();
function oracleRespW(c: GmmCase): { resp: Float64Array; w: Float64Array } {
  let r = respMemo.get(c);
  if (!r) {
    r = { resp: new Float64Array(c.n * c.k), w: new Float64Array(c.n * c.k * c.d) };
    tsGmmKernels.energy(c.n, c.k, c.d, c.z, c.mu, c.prec, c.base, new Float64Array(c.n), r.resp, r.w);
    respMemo.set(c, r);
  }
  return r;
}

function softmaxOracle(m: number, n: number, x: Float32Array, log: boolean): Float32Array {
  const out = new Float32Array(m * n);
  for (let r = 0; r < m; r++) {
    const o = r * n;
    let mx = -Infinity;
    for (let j = 0; j < n; j++) if (x[o + j] > mx) mx = x[o + j];
    let s = 0;
    if (log) {
      for (let j = 0; j < n; j++) s += Math.exp(x[o + j] - mx);
      const l = mx + Math.log(s);
      for (let j = 0; j < n; j++) out[o + j] = x[o + j] - l;
    } else {
      for (let j = 0; j < n; j++) { const e = Math.exp(x[o + j] - mx); out[o + j] = e; s += e; }
      for (let j = 0; j < n; j++) out[o + j] /= s;
    }
  }
  return out;
}

const GMM_SHAPES: Array<[number, number, number]> = [[1, 1, 1], [7, 2, 3], [1024, 4, 3], [8192, 4, 3], [300, 3, 12],
  [5, 3, 1], [2050, 4, 3]];

/** The features of mlpLatentFeatures from rowPairStats, as the contract states them. */
function latentFromParts(m: number, lat: number, zc: Float32Array, stats: Float32Array, nf: number, relAt: number,
  cosAt: number, floor: number): Float32Array {
  const w = lat + nf, z = new Float32Array(m * w);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < lat; j++) z[i * w + j] = zc[i * lat + j];
    const sx = Math.sqrt(stats[i * 4]);
    if (relAt >= 0) z[i * w + lat + relAt] = Math.sqrt(stats[i * 4 + 3]) / (sx > floor ? sx : floor);
    if (cosAt >= 0) { const q2 = sx * Math.sqrt(stats[i * 4 + 1]); z[i * w + lat + cosAt] = stats[i * 4 + 2] / (q2 > floor * floor ? q2 : floor * floor); }
  }
  return z;
}

const LATENT_STACKS: Array<{ st: Stack; tap: number }> = [
  { st: DAGMM_STACKS[0], tap: 3 },
  { st: DAGMM_STACKS[0], tap: 0 },
  { st: { name: 'mixed acts, null bias', sizes: [7, 13, 5, 7], acts: [Act.sigmoid, Act.softplus, Act.leakyRelu], nullBias: [1] }, tap: 1 },
  { st: { name: 'single layer', sizes: [9, 9], acts: [Act.tanh] }, tap: 0 },
];
const FEATURE_LAYOUTS: Array<[number, number, number]> = [[2, 0, 1], [2, 1, 0], [1, -1, 0], [1, 0, -1], [0, -1, -1], [3, 2, 0]];

describe('native mlpLatentFeatures (fused DAGMM inference)', { skip }, () => {
  const FLOOR = 1e-6;
  for (const mode of modes()) {
    const tag = `[${mode.simd}, ${mode.threads}T]`;
    test(`vs the TypeScript oracle, and bit-equal to native mlpForward + rowPairStats + features ${tag}`, () => withMode(mode, (k) => {
      let seed = 5;
      for (const { st, tap } of LATENT_STACKS) {
        for (const m of [1, 5, 13, 200, 1027, 3000]) {
          if (mode.simd === 'scalar' && m > 1027) continue;
          const s = makeStack(st, m, seed += 100);
          // an all-zero row and a row equal to nothing special: exercise the norm floor
          s.x.fill(0, 0, st.sizes[0]);
          const lat = st.sizes[tap + 1];
          const outs = Array.from(s.sizes.slice(1), (n) => new Float32Array(m * n));
          k.mlpForward(m, s.sizes, s.weights, s.biases, s.acts, 0.1, s.x, outs);
          const stats = new Float32Array(m * 4);
          k.rowPairStats(m, st.sizes[0], s.x, outs[s.L - 1], stats);
          for (const [nf, relAt, cosAt] of FEATURE_LAYOUTS) {
            const what = `${st.name} tap=${tap} m=${m} nf=${nf} rel=${relAt} cos=${cosAt}`;
            const got = new Float32Array(m * (lat + nf)).fill(NaN);
            k.mlpLatentFeatures(m, s.sizes, s.weights, s.biases, s.acts, 0.1, s.x, tap, nf, relAt, cosAt, FLOOR, got);
            const [want] = oracle(`latent ${what} ${seed}`, () => {
              const z = new Float32Array(m * (lat + nf)).fill(NaN);
              ts.mlpLatentFeatures(m, s.sizes, s.weights, s.biases, s.acts, 0.1, s.x, tap, nf, relAt, cosAt, FLOOR, z);
              return [z];
            });
            close(got, want, 2e-4, `${what} vs oracle`);
            assert.ok(bitsEqual(got, latentFromParts(m, lat, outs[tap], stats, nf, relAt, cosAt, FLOOR)),
              `${what}: not bit-equal to the unfused native path`);
          }
        }
      }
    }));
  }

  test('bit-identical across runs and thread counts (DAGMM, m = 8192)', () => {
    const s = makeStack(DAGMM_STACKS[0], 8192, 11);
    const run = (threads: number): Float32Array => withMode({ simd: 'avx2', threads }, (k) => {
      const z = new Float32Array(8192 * 3);
      k.mlpLatentFeatures(8192, s.sizes, s.weights, s.biases, s.acts, 0.1, s.x, 3, 2, 0, 1, FLOOR, z);
      return z;
    });
    const ref = run(1);
    for (const threads of [1, 2, 3]) assert.ok(bitsEqual(run(threads), ref), `${threads} threads differ`);
  });

  test('bad arguments throw clear errors', () => {
    const k = loaded as NativeKernels;
    const sizes = Int32Array.from([3, 4, 3]), acts = Int32Array.from([Act.tanh, Act.none]);
    const w = [rand(12, 1), rand(12, 2)], b = [null, null], x = rand(15, 3);
    k.mlpLatentFeatures(5, sizes, w, b, acts, 0, x, 0, 2, 0, 1, 1e-6, new Float32Array(30));
    assert.throws(() => k.mlpLatentFeatures(5, sizes, w, b, acts, 0, x, 0, 2, 0, 1, 1e-6, new Float32Array(29)), /z has length 29/);
    assert.throws(() => k.mlpLatentFeatures(5, sizes, w, b, acts, 0, x, 2, 2, 0, 1, 1e-6, new Float32Array(30)), /tap must be/);
    assert.throws(() => k.mlpLatentFeatures(5, sizes, w, b, acts, 0, x, 0, 2, 2, 1, 1e-6, new Float32Array(30)), /relAt must be/);
    assert.throws(() => k.mlpLatentFeatures(5, sizes, w, b, acts, 0, x, 0, 1, 0, -2, 1e-6, new Float32Array(30)), /cosAt must be/);
    assert.throws(() => k.mlpLatentFeatures(5, Int32Array.from([3, 4, 2]), [w[0], rand(8, 4)], b, acts, 0, x, 0, 2, 0, 1,
      1e-6, new Float32Array(30)), /as many columns/);
    assert.throws(() => k.addon.mlpLatentFeatures(5, sizes, w, b, acts, 0, x, 0, 2, 0, 1, 1e-6, new Float32Array(29)),
      /mlpLatentFeatures: z is too short/);
    assert.throws(() => k.addon.mlpLatentFeatures(5, sizes, w, b, acts, 0, x, 0, 2, 0, 2, 1e-6, new Float32Array(30)),
      /cosAt must be -1/);
  });
});

describe('native GMM kernels and softmax', { skip }, () => {
  const cases = GMM_SHAPES.map(([n, k, d], i) => gmmCase(n, k, d, 500 + 37 * i));
  const wants = new Map<GmmCase, ReturnType<typeof runGmm>>();
  const want = (c: GmmCase) => {
    let r = wants.get(c);
    if (!r) { r = runGmm(tsGmmKernels, c); wants.set(c, r); }
    return r;
  };
  for (const mode of modes()) {
    const tag = `[${mode.simd}, ${mode.threads}T]`;
    test(`GMM kernels vs tsGmmKernels ${tag}`, () => withMode(mode, (k) => {
      for (const c of cases) {
        const what = `(n, k, d) = (${c.n}, ${c.k}, ${c.d})`;
        const w = want(c), g = runGmm(k.gmm, c);
        close64(g.s, w.s, 1e-13, `${what} moments s`);
        close64(g.mu, w.mu, 1e-12, `${what} moments mu`);
        close64(g.cov, w.cov, 1e-12, `${what} moments cov`);
        for (const [name, got, ref] of [['energy', g.energy, w.energy], ['energy (with resp)', g.energy2, w.energy2],
          ['resp', g.resp, w.resp], ['w', g.w, w.w]] as const) {
          for (let i = 0; i < ref.length; i++) {
            if (!(Math.abs(got[i] - ref[i]) <= 1e-12 * Math.abs(ref[i]) + 1e-300)) {
              assert.fail(`${what} ${name}[${i}]: got ${got[i]}, want ${ref[i]}`);
            }
          }
        }
        close64(g.gLogp, w.gLogp, 1e-12, `${what} gLogp`);
        close64(g.gMu, w.gMu, 1e-12, `${what} gMu`);
        close64(g.gOuter, w.gOuter, 1e-12, `${what} gOuter`);
        close(g.gz, w.gz, 1e-6, `${what} backwardAccumulate gz`);
        assert.ok(bitsEqual(g.gz3, w.gz3), `${what} backwardAccumulate with gz null`);
        close(g.gz2, w.gz2, 1e-6, `${what} backwardApply gz`);
        close(g.gGamma, w.gGamma, 1e-6, `${what} backwardApply gGamma`);
        close(g.gGamma2, w.gGamma2, 1e-6, `${what} backwardApply gGamma (gz null)`);
      }
    }));

    test(`softmaxRows vs the op's oracle, special values ${tag}`, () => withMode(mode, (k) => {
      for (const [m, n] of [[1, 1], [3, 4], [1024, 4], [8193, 4], [17, 33], [5, 1000]]) {
        const x = rand(m * n, m + n, -30, 30);
        if (m * n > 10) { x[0] = -Infinity; x[3] = 800; x[5] = -800; x[7] = NaN; }
        for (const log of [false, true]) {
          const got = new Float32Array(m * n);
          k.softmaxRows(m, n, x, log, got);
          const ref = softmaxOracle(m, n, x, log);
          for (let i = 0; i < ref.length; i++) {
            const a = got[i], b = ref[i];
            if (Number.isNaN(b)) { assert.ok(Number.isNaN(a), `softmax ${m}x${n} log=${log} [${i}] want NaN`); continue; }
            if (a === b) continue;
            if (!(Math.abs(a - b) <= 2e-7 * Math.abs(b) + 1e-38)) {
              assert.fail(`softmax ${m}x${n} log=${log} [${i}]: got ${a}, want ${b}`);
            }
          }
        }
      }
    }));
  }

  test('GMM kernels and softmax are bit-deterministic per thread count; row-wise ones across thread counts', () => {
    const c = cases[3]; // (8192, 4, 3): large enough for the threaded paths
    const x = rand(8192 * 4, 3, -5, 5);
    const run = (threads: number) => withMode({ simd: 'avx2', threads }, (k) => {
      const r = runGmm(k.gmm, c);
      const sm = new Float32Array(x.length);
      k.softmaxRows(8192, 4, x, false, sm);
      return { r, sm };
    });
    const byT = [1, 2, 3].map((t) => [run(t), run(t)]);
    const f64 = (a: Float64Array) => new Float32Array(a.buffer); // bit view (pairs of 32-bit words)
    for (const [a, b] of byT) {
      for (const key of Object.keys(a.r) as Array<keyof typeof a.r>) {
        const u = a.r[key], v = b.r[key];
        const eq = u instanceof Float64Array ? bitsEqual(f64(u), f64(v as Float64Array)) : bitsEqual(u, v as Float32Array);
        assert.ok(eq, `${key} differs between two runs`);
      }
      assert.ok(bitsEqual(a.sm, b.sm), 'softmax differs between two runs');
    }
    for (const key of ['energy', 'energy2', 'resp', 'w', 'gz2', 'gGamma'] as const) {
      const u = byT[0][0].r[key], v = byT[1][0].r[key];
      const eq = u instanceof Float64Array ? bitsEqual(f64(u), f64(v as Float64Array)) : bitsEqual(u, v as Float32Array);
      assert.ok(eq, `${key} differs between 1 and 2 threads`);
    }
  });

  test('GMM kernels: bad sizes and types throw', () => {
    const k = loaded as NativeKernels;
    const f = (n: number) => new Float32Array(n), d = (n: number) => new Float64Array(n);
    assert.throws(() => k.gmm.moments(4, 2, 3, f(11), f(8), d(2), d(6), d(18)), /gmmMoments: z is too short/);
    assert.throws(() => k.gmm.moments(4, 2, 3, f(12), f(8), d(2), d(6), d(17)), /gmmMoments: cov is too short/);
    assert.throws(() => k.gmm.energy(4, 2, 3, f(12), d(6), d(18), d(2), d(3), null, null), /gmmEnergy: energy is too short/);
    assert.throws(() => k.gmm.energy(4, 2, 3, f(12), d(6), d(18), d(2), d(4), d(7), d(24)), /gmmEnergy: resp is too short/);
    assert.throws(() => k.gmm.energy(4, 2, 3, f(12), d(6), f(18) as unknown as Float64Array, d(2), d(4), null, null),
      /gmmEnergy: prec must be a Float64Array/);
    assert.throws(() => k.gmm.backwardAccumulate(4, 2, 3, f(4), d(8), d(23), d(2), d(6), d(18), null),
      /gmmBackwardAccumulate: w is too short/);
    assert.throws(() => k.gmm.backwardApply(4, 2, 3, f(12), f(8), d(2), d(6), d(6), d(18), d(2), f(11), null),
      /gmmBackwardApply: gz is too short/);
    assert.throws(() => k.softmaxRows(3, 4, f(12), false, f(11)), /softmaxRows: out has length 11/);
  });
});
