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
