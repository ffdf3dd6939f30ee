/**
 * Seeded random numbers: xoshiro128** seeded through splitmix32. Every random choice in Aberrant
 * (initialisers, shuffles, dropout masks, splits) comes from an Rng derived from one user seed, and
 * `fork(label)` gives independent named streams that don't depend on how much the parent has drawn.
 */

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function hashString(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class Rng {
  readonly seed: number;
  /** xoshiro128** state words (int32 view); kernels that draw random numbers advance it in place. */
  readonly state = new Int32Array(4);
  private spareNormal: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    this.seed = seed >>> 0;
    const st = { s: (seed >>> 0) ^ (Math.floor(seed / 4294967296) * 0x632be5ab) };
    const q = this.state;
    q[0] = splitmix32(st); q[1] = splitmix32(st); q[2] = splitmix32(st); q[3] = splitmix32(st);
    if ((q[0] | q[1] | q[2] | q[3]) === 0) q[0] = 1;
  }

  /** An independent stream named `label`, a pure function of (seed, label). */
  fork(label: string): Rng {
    return new Rng(hashString(label, hashString(String(this.seed))));
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number { return xoshiroNext(this.state); }

  /**
   * Inverted-dropout mask: out[i] = scale when the next draw is below keep * 2^32 (the same test as
   * uniform() < keep, consuming one nextU32 per element), else 0.
   */
  fillKeepMask(out: Float32Array, n: number, keep: number, scale: number): void {
    keepMaskInto(this.state, n, keep, scale, out);
  }

  /** Uniform in [0, 1) with 32 random bits. */
  uniform(): number { return this.nextU32() / 4294967296; }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number { return lo + (hi - lo) * this.uniform(); }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!(Number.isInteger(n) && n > 0 && n <= 4294967296)) throw new Error(`Rng.int: n must be a positive integer, got ${n}`);
    // Remainders by floor division: v / n is never within 2^-32 of the next integer, so the floor is exact, and
    // it avoids V8's floating-point % (v exceeds int32).
    const limit = Math.floor(4294967296 / n) * n;
    for (;;) { const v = this.nextU32(); if (v < limit) return v - Math.floor(v / n) * n; }
  }

  /** Standard normal (Box-Muller, both values used). */
  normal(): number {
    if (this.spareNormal !== null) { const v = this.spareNormal; this.spareNormal = null; return v; }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /**
   * out[i] = base[i] + std * z_i (base omitted: 0) for i < n, z_i standard normal from this stream by the
   * ziggurat below: the bulk draw for training noise, ~2.5x less CPU per draw than normal() (whose Box-Muller spends
   * four transcendental calls a pair); a different sequence from normal()'s, the same distribution. The engine's
   * fillGaussian (ops/noise.ts) draws the same stream through the backend's kernel (Kernels.normals).
   */
  fillNormal(out: Float32Array | Float64Array, n: number, std = 1, base?: ArrayLike<number>): void {
    const z = normalScratch(n);
    normalsInto(this.state, n, z);
    scaleNormalsInto(z, n, std, base, out);
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i]; arr[i] = arr[j]; arr[j] = t;
    }
    return arr;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

function rotl(x: number, k: number): number { return (x << k) | (x >>> (32 - k)); }

/** One xoshiro128** step on a raw state, as an unsigned 32-bit number (Rng.nextU32). */
function xoshiroNext(q: Int32Array): number {
  const a = q[0], b = q[1];
  const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
  const t = b << 9;
  const c = q[2] ^ a, d = q[3] ^ b;
  q[1] = b ^ c; q[0] = a ^ d; q[2] = c ^ t; q[3] = rotl(d, 11);
  return r;
}

/*
 * The ziggurat (Marsaglia & Tsang, "The Ziggurat Method for Generating Random Variables", J. Stat. Softw.
 * 5(8), 2000) with 256 layers of equal area under f(x) = exp(-x^2/2): layer i spans x in [0, x_i) and
 * y in [f(x_i), f(x_{i+1})), x_1 = R > x_2 > ... > x_256 = 0; layer 0 is the rectangle [0, R) x [0, f(R)) plus
 * the tail beyond R, drawn as if of width x_0 = AREA / f(R). A draw picks a layer and x uniform in [0, x_i):
 * x < x_{i+1} lies under f (accepted at once, ~99% of draws); otherwise layer 0 samples the tail (Marsaglia,
 * 1964) and the others accept x when a uniform height in the layer falls under f(x). The layer index and the
 * 52-bit uniform come from separate bits (Doornik, "An Improved Ziggurat Method to Generate Normal Random
 * Samples", 2005: sharing bits correlates them).
 */
const ZIG_R = 3.6541528853610088;
/** R f(R) + the tail's integral of f beyond R, for which 256 layers close at x_256 = 0 (to 4e-15). */
const ZIG_AREA = 4.928673233974658e-3;
const ZIG_W = new Float64Array(256), ZIG_K = new Float64Array(256), ZIG_F = new Float64Array(257);
{
  const f = (x: number): number => Math.exp(-0.5 * x * x);
  const x = new Float64Array(257);
  x[0] = ZIG_AREA / f(ZIG_R); x[1] = ZIG_R; x[256] = 0;
  for (let i = 1; i < 255; i++) x[i + 1] = Math.sqrt(-2 * Math.log(ZIG_AREA / x[i] + f(x[i])));
  for (let i = 0; i < 256; i++) {
    ZIG_W[i] = x[i] / 2 ** 52;
    ZIG_K[i] = Math.floor((x[i + 1] / x[i]) * 2 ** 52);
  }
  for (let i = 0; i <= 256; i++) ZIG_F[i] = f(x[i]);
}

/** The ziggurat's tables as the native kernel takes them (it must draw rng.ts's exact stream). */
export const ZIGGURAT = { w: ZIG_W, k: ZIG_K, f: ZIG_F, r: ZIG_R } as const;

/**
 * n standard normals into z from a raw xoshiro128** state (advanced in place): the ziggurat below, the
 * TypeScript version of Kernels.normals and the stream of Rng.fillNormal.
 */
export function normalsInto(q: Int32Array, n: number, z: Float64Array): void {
  // The state lives in locals (xoshiroNext's steps inlined) and goes back to q around the rare calls that draw
  // from q; the sign multiplies by +1 or -1 (exact, -0 included) instead of branching on a random bit.
  let a = q[0], b = q[1], c = q[2], d = q[3];
  for (let i = 0; i < n; i++) {
    let v: number, sign: number;
    for (;;) {
      const hi = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
      let t = b << 9; c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = rotl(d, 11);
      const lo = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
      t = b << 9; c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = rotl(d, 11);
      sign = 1 - ((lo >>> 7) & 2);
      const layer = lo & 255;
      // 52 uniform bits from bits 9..31 of lo and 3..31 of hi; bit 8 of lo is the sign.
      const m = (lo >>> 9) + (hi >>> 3) * 8388608;
      const x = m * ZIG_W[layer];
      if (m < ZIG_K[layer]) { v = x; break; }
      q[0] = a; q[1] = b; q[2] = c; q[3] = d;
      if (layer === 0) v = zigguratTail(q);
      else {
        const y = ZIG_F[layer] + (xoshiroNext(q) / 4294967296) * (ZIG_F[layer + 1] - ZIG_F[layer]);
        v = y < Math.exp(-0.5 * x * x) ? x : NaN;
      }
      a = q[0]; b = q[1]; c = q[2]; d = q[3];
      if (v === v) break;
    }
    z[i] = sign * v;
  }
  q[0] = a; q[1] = b; q[2] = c; q[3] = d;
}

/** out[i] = base[i] + std * z[i] (base omitted: std * z[i]) for i < n, each rounded once on the store. */
export function scaleNormalsInto(z: Float64Array, n: number, std: number, base: ArrayLike<number> | undefined, out: Float32Array | Float64Array): void {
  if (base) for (let i = 0; i < n; i++) out[i] = base[i] + std * z[i];
  else for (let i = 0; i < n; i++) out[i] = std * z[i];
}

let scratch = new Float64Array(0);
/** A shared float64 buffer of at least n values for draws before scaling (grown on demand). */
export function normalScratch(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  return scratch;
}

/** |z| beyond R: R + e1 with e1 ~ Exp(R), accepted when 2 e2 > e1^2 for e2 ~ Exp(1) (Marsaglia 1964). */
export function zigguratTail(q: Int32Array): number {
  for (;;) {
    const e1 = -Math.log((xoshiroNext(q) + 1) / 4294967296) / ZIG_R;
    const e2 = -Math.log((xoshiroNext(q) + 1) / 4294967296);
    if (2 * e2 > e1 * e1) return ZIG_R + e1;
  }
}

/**
 * The dropout-mask loop on a raw xoshiro128** state (the TypeScript version of Kernels.keepMask): runs
 * on local int32 variables with signed comparisons, so no heap numbers are created per element.
 */
export function keepMaskInto(state: Int32Array, n: number, keep: number, scale: number, out: Float32Array): void {
  let a = state[0], b = state[1], c = state[2], d = state[3];
  // u < T for unsigned u is (u - 2^31) < (T - 2^31) in signed arithmetic.
  const t = keep * 4294967296 - 2147483648;
  for (let i = 0; i < n; i++) {
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) ^ -2147483648; // u - 2^31 as int32
    const sh = b << 9;
    c ^= a; d ^= b; b ^= c; a ^= d;
    c ^= sh;
    d = (d << 11) | (d >>> 21);
    out[i] = r < t ? scale : 0;
  }
  state[0] = a; state[1] = b; state[2] = c; state[3] = d;
}

