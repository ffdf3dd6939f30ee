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
  private a: number; private b: number; private c: number; private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    this.seed = seed >>> 0;
    const st = { s: (seed >>> 0) ^ (Math.floor(seed / 4294967296) * 0x632be5ab) };
    this.a = splitmix32(st); this.b = splitmix32(st); this.c = splitmix32(st); this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** An independent stream named `label`, a pure function of (seed, label). */
  fork(label: string): Rng {
    return new Rng(hashString(label, hashString(String(this.seed))));
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a; this.d ^= this.b; this.b ^= this.c; this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /**
   * Inverted-dropout mask: out[i] = scale when the next draw is below keep * 2^32 (the same test as
   * uniform() < keep, consuming one nextU32 per element), else 0. The generator runs on local variables
   * with signed comparisons, so no heap numbers are created per element.
   */
  fillKeepMask(out: Float32Array, n: number, keep: number, scale: number): void {
    let a = this.a | 0, b = this.b | 0, c = this.c | 0, d = this.d | 0;
    // u < T for unsigned u is (u - 2^31) < (T - 2^31) in signed arithmetic.
    const t = keep * 4294967296 - 2147483648;
    for (let i = 0; i < n; i++) {
      const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) ^ -2147483648; // flips the top bit: r - 2^31
      const sh = b << 9;
      c ^= a; d ^= b; b ^= c; a ^= d;
      c ^= sh;
      d = (d << 11) | (d >>> 21);
      out[i] = r < t ? scale : 0;
    }
    this.a = a; this.b = b; this.c = c; this.d = d;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  uniform(): number { return this.nextU32() / 4294967296; }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number { return lo + (hi - lo) * this.uniform(); }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!(Number.isInteger(n) && n > 0 && n <= 4294967296)) throw new Error(`Rng.int: n must be a positive integer, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) { const v = this.nextU32(); if (v < limit) return v % n; }
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
