/* Dropout keep-mask from a xoshiro128** stream (Kernels.keepMask): the exact stream of keepMaskInto in
 * src/engine/rng.ts, one draw per element, state advanced in place. */
#include <math.h>
#include <string.h>

#include "aberrant.h"

static inline uint32_t rotl32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

void ab_keep_mask(int32_t *state, int64_t n, double keep, float scale, float *out) {
  uint32_t a = (uint32_t)state[0], b = (uint32_t)state[1], c = (uint32_t)state[2], d = (uint32_t)state[3];
  /* The TypeScript test is (u - 2^31) < t in double with t = keep * 2^32 - 2^31 (t evaluated in double
   * exactly as there). For an integer r, r < t <=> r < ceil(t), so the same test on integers is
   * u < ceil(t) + 2^31, clamped to [0, 2^32]; NaN keeps nothing. */
  const double t = keep * 4294967296.0 - 2147483648.0;
  uint64_t lim;
  if (!(t > -2147483648.0)) lim = 0;          /* also NaN */
  else if (t > 2147483648.0) lim = 4294967296ull;
  else lim = (uint64_t)((int64_t)ceil(t) + 2147483648ll);
  uint32_t sbits;
  memcpy(&sbits, &scale, sizeof sbits);
  uint32_t *o = (uint32_t *)out;
  for (int64_t i = 0; i < n; i++) {
    const uint32_t u = rotl32(b * 5u, 7) * 9u;
    const uint32_t sh = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= sh;
    d = rotl32(d, 11);
    /* branch-free select (the keep test is unpredictable): u - lim borrows into the high word iff u < lim */
    o[i] = sbits & (uint32_t)(((uint64_t)u - lim) >> 32);
  }
  state[0] = (int32_t)a;
  state[1] = (int32_t)b;
  state[2] = (int32_t)c;
  state[3] = (int32_t)d;
}

/* Standard normals by the ziggurat of rng.ts (Kernels.normals): the exact stream of normalsInto there, with its
 * tables passed in (w, k: 256 each; f: 257), state advanced in place. Every step is the TypeScript one in double:
 * integer draws, m * w exact as there (C11 mode: no contraction into FMAs). The tail beyond R is left to the
 * caller, whose log is V8's (libm's may differ in the last bit): at a draw that needs it the kernel stops with the
 * state past that draw's two words, writes the draw's sign (+1 or -1) to out[i] and returns i; it returns n when
 * all n are drawn. The wedge test calls libm's exp where V8 calls its own; both are within an ulp, so a decision
 * could differ only for a uniform falling inside that ulp (about 1e-15 per draw). */
int64_t ab_normals(int32_t *state, int64_t n, const double *w, const double *k, const double *f, double *out) {
  uint32_t a = (uint32_t)state[0], b = (uint32_t)state[1], c = (uint32_t)state[2], d = (uint32_t)state[3];
#define AB_XOSHIRO_NEXT(dst)                       \
  do {                                             \
    (dst) = rotl32(b * 5u, 7) * 9u;                \
    const uint32_t sh_ = b << 9;                   \
    c ^= a;                                        \
    d ^= b;                                        \
    b ^= c;                                        \
    a ^= d;                                        \
    c ^= sh_;                                      \
    d = rotl32(d, 11);                             \
  } while (0)
  int64_t i = 0;
  for (; i < n; i++) {
    double z;
    uint64_t sign; /* the draw's sign bit at bit 63: negating z >= 0 is flipping that bit, without a branch */
    int tail = 0;
    for (;;) {
      uint32_t hi, lo;
      AB_XOSHIRO_NEXT(hi);
      AB_XOSHIRO_NEXT(lo);
      sign = (uint64_t)(lo & 256u) << 55;
      const int layer = (int)(lo & 255u);
      /* 52 uniform bits from bits 9..31 of lo and 3..31 of hi; bit 8 of lo is the sign. */
      const double m = (double)(lo >> 9) + (double)(hi >> 3) * 8388608.0;
      const double x = m * w[layer];
      if (__builtin_expect(m < k[layer], 1)) { z = x; break; }
      if (layer == 0) { tail = 1; z = 0; break; }
      uint32_t u;
      AB_XOSHIRO_NEXT(u);
      const double y = f[layer] + ((double)u / 4294967296.0) * (f[layer + 1] - f[layer]);
      if (y < exp(-0.5 * x * x)) { z = x; break; }
    }
    if (__builtin_expect(tail, 0)) {
      out[i] = sign ? -1.0 : 1.0;
      break;
    }
    uint64_t bits;
    memcpy(&bits, &z, sizeof bits);
    bits ^= sign;
    memcpy(&out[i], &bits, sizeof bits);
  }
#undef AB_XOSHIRO_NEXT
  state[0] = (int32_t)a;
  state[1] = (int32_t)b;
  state[2] = (int32_t)c;
  state[3] = (int32_t)d;
  return i;
}
