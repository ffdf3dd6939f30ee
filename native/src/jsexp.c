/* exp(x) exactly as V8's Math.exp computes it: V8 uses its port of fdlibm's e_exp.c (src/base/ieee754.cc, from
 * FreeBSD's msun), whose steps are plain IEEE double operations, so the same steps in C (ISO C mode: no
 * contraction, SSE2 doubles) give the same bits. This lets a kernel that the TypeScript reference writes with
 * Math.exp run in C without changing one result; the tests compare it with Math.exp bit for bit. Written from
 * the published algorithm (Sun's fdlibm, freely redistributable), constants given by their bit patterns. */
#include <stdint.h>
#include <string.h>

#include "aberrant.h"

static inline double from_bits(uint64_t u) { double d; memcpy(&d, &u, sizeof d); return d; }
static inline uint64_t to_bits(double d) { uint64_t u; memcpy(&u, &d, sizeof u); return u; }

double ab_js_exp(double x) {
  const double one = 1.0, huge = 1.0e+300;
  const double o_threshold = from_bits(0x40862E42FEFA39EFULL), u_threshold = from_bits(0xC0874910D52D3051ULL);
  const double ln2_hi = from_bits(0x3FE62E42FEE00000ULL), ln2_lo = from_bits(0x3DEA39EF35793C76ULL);
  const double invln2 = from_bits(0x3FF71547652B82FEULL);
  const double P1 = from_bits(0x3FC555555555553EULL), P2 = from_bits(0xBF66C16C16BEBD93ULL),
               P3 = from_bits(0x3F11566AAF25DE2CULL), P4 = from_bits(0xBEBBBD41C5D26BF1ULL),
               P5 = from_bits(0x3E66376972BEA4D0ULL);
  const double twom1000 = from_bits(0x0170000000000000ULL), two1023 = from_bits(0x7FE0000000000000ULL);
  const double E = 2.718281828459045;
  double y, hi = 0.0, lo = 0.0, c, t, twopk;
  int32_t k = 0;
  const uint64_t bits = to_bits(x);
  uint32_t hx = (uint32_t)(bits >> 32);
  const int xsb = (int)((hx >> 31) & 1);
  hx &= 0x7fffffff;
  /* non-finite or |x| >= 709.78 */
  if (hx >= 0x40862E42) {
    if (hx >= 0x7ff00000) {
      const uint32_t lx = (uint32_t)bits;
      if (((hx & 0xfffff) | lx) != 0) return x + x; /* NaN */
      return xsb == 0 ? x : 0.0;                     /* exp(+-inf) = {inf, 0} */
    }
    if (x > o_threshold) return huge * huge;         /* overflow */
    if (x < u_threshold) return twom1000 * twom1000; /* underflow */
  }
  /* argument reduction */
  if (hx > 0x3fd62e42) {   /* |x| > 0.5 ln2 */
    if (hx < 0x3FF0A2B2) { /* and |x| < 1.5 ln2 */
      if (x == 1.0) return E; /* V8 returns Math.E for exp(1) */
      hi = x - (xsb ? -ln2_hi : ln2_hi);
      lo = xsb ? -ln2_lo : ln2_lo;
      k = 1 - xsb - xsb;
    } else {
      k = (int32_t)(invln2 * x + (xsb ? -0.5 : 0.5));
      t = k;
      hi = x - t * ln2_hi; /* t * ln2_hi is exact here */
      lo = t * ln2_lo;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) { /* |x| < 2^-28 */
    if (huge + x > one) return one + x;
  } else {
    k = 0;
  }
  /* x is now in the primary range */
  t = x * x;
  if (k >= -1021) twopk = from_bits((uint64_t)(0x3ff00000 + ((uint32_t)k << 20)) << 32);
  else twopk = from_bits((uint64_t)(0x3ff00000 + ((uint32_t)(k + 1000) << 20)) << 32);
  c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return one - ((x * c) / (c - 2.0) - x);
  y = one - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * two1023;
    return y * twopk;
  }
  return y * twopk * twom1000;
}

void ab_js_exp_array(int64_t n, const double *x, double *out) {
  for (int64_t i = 0; i < n; i++) out[i] = ab_js_exp(x[i]);
}
