import { kernels } from '../backend/index.js';
import { Acc, Bin } from '../backend/kernels.js';
import { allocData, makeOutput, type Tensor } from '../tensor.js';

/**
 * Elementwise op with its derivative written from the input x and the output y.
 * Shared by exp, log, sqrt, square, abs, pow and reciprocal.
 */
function unary(x: Tensor, f: (v: number) => number, df: (v: number, y: number) => number): Tensor {
  const out = allocData(x.size, false);
  const d = x.data;
  for (let i = 0; i < out.length; i++) out[i] = f(d[i]);
  return makeOutput(out, x.shape, [x], (g, y) => {
    const gx = x.gradBuffer();
    const yd = y.data;
    for (let i = 0; i < g.length; i++) gx[i] += g[i] * df(d[i], yd[i]);
  });
}

export function exp(x: Tensor): Tensor { return unary(x, Math.exp, (_v, y) => y); }
export function log(x: Tensor): Tensor { return unary(x, Math.log, (v) => 1 / v); }
export function sqrt(x: Tensor): Tensor { return unary(x, Math.sqrt, (_v, y) => 0.5 / y); }
/** x^2, with its own loops: the hottest unary op (every squared error), kept out of unary's shared call sites. */
export function square(x: Tensor): Tensor {
  const out = allocData(x.size, false);
  const d = x.data;
  // x * x rounded to float32 (Kernels.binary's mul: the same product, in C on the native backend).
  kernels().binary(Bin.mul, out.length, d, d, out);
  return makeOutput(out, x.shape, [x], (g) => kernels().accumulate(Acc.square, g.length, g, d, null, x.gradBuffer()));
}
/** |x|, with its own loops: unary's shared call sites see every op's functions, so its calls are slow, and L1 losses
 * (AnoGAN's latent search at every scored row) run this one at full width. */
export function abs(x: Tensor): Tensor {
  const out = allocData(x.size, false);
  const d = x.data;
  for (let i = 0; i < out.length; i++) out[i] = Math.abs(d[i]);
  return makeOutput(out, x.shape, [x], (g) => {
    const gx = x.gradBuffer();
    // sign(v) as (v > 0) - (v < 0), without a branch: a residual's sign is a coin flip, so a branch mispredicts
    // half the time (3x slower); NaN and +-0 give 0, as before.
    for (let i = 0; i < g.length; i++) { const v = d[i]; gx[i] += g[i] * (+(v > 0) - +(v < 0)); }
  });
}
export function reciprocal(x: Tensor): Tensor { return unary(x, (v) => 1 / v, (_v, y) => -y * y); }
export function pow(x: Tensor, p: number): Tensor {
  return unary(x, (v) => v ** p, (v) => p * v ** (p - 1));
}
/** max(x, lo): used to keep denominators away from zero; the gradient is 0 where clamped. */
export function clampMin(x: Tensor, lo: number): Tensor {
  return unary(x, (v) => (v < lo ? lo : v), (v) => (v < lo ? 0 : 1));
}
