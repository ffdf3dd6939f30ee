import { allocData, makeOutput, type Tensor } from '../tensor.js';
import { axisLayout } from './reduce.js';

/**
 * x / max(||x||, eps) along one axis: each slice along `axis` scaled to unit Euclidean length (a slice shorter
 * than eps is divided by eps). One op for what div(x, clampMin(norm(x, axis, true), eps)) computes in three:
 * the forward values are the same (the length summed in double in axis order, rounded to float32, then each
 * quotient rounded to float32), and the backward is the closed form g / r - x <g, x> / r^3 per slice (g / eps
 * where clamped), with no broadcast index arrays or intermediate tensors. ICL normalises its embeddings this
 * way twice per step. Loops run over the contiguous inner axis, one accumulator per slice.
 */
export function unitNormalize(x: Tensor, axis: number, eps = 1e-12): Tensor {
  const { outer, len, inner } = axisLayout(x.shape, axis);
  const d = x.data, out = allocData(x.size);
  const floor = Math.fround(eps);
  // The divisor of each slice; 0 in `live` where it was clamped (the gradient then ignores the slice's length).
  const r = new Float64Array(outer * inner), live = new Uint8Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    const ro = o * inner, base = o * len * inner;
    for (let l = 0; l < len; l++) {
      const row = base + l * inner;
      for (let j = 0; j < inner; j++) { const v = d[row + j]; r[ro + j] += v * v; }
    }
    for (let j = 0; j < inner; j++) {
      const n = Math.fround(Math.sqrt(r[ro + j]));
      if (n < floor) r[ro + j] = floor; else { r[ro + j] = n; live[ro + j] = 1; }
    }
    for (let l = 0; l < len; l++) {
      const row = base + l * inner;
      for (let j = 0; j < inner; j++) out[row + j] = d[row + j] / r[ro + j];
    }
  }
  return makeOutput(out, x.shape, [x], (g) => {
    const gx = x.gradBuffer(), c = new Float64Array(inner), inv = new Float64Array(inner);
    for (let o = 0; o < outer; o++) {
      const ro = o * inner, base = o * len * inner;
      c.fill(0);
      for (let l = 0; l < len; l++) {
        const row = base + l * inner;
        for (let j = 0; j < inner; j++) c[j] += g[row + j] * d[row + j];
      }
      // d(x / r)/dx = (I - x x^T / r^2) / r: g / r - x <g, x> / r^3 (just g / r where r was clamped).
      for (let j = 0; j < inner; j++) { const q = r[ro + j]; c[j] = live[ro + j] ? c[j] / (q * q * q) : 0; inv[j] = 1 / q; }
      for (let l = 0; l < len; l++) {
        const row = base + l * inner;
        for (let j = 0; j < inner; j++) { const k = row + j; gx[k] += g[k] * inv[j] - d[k] * c[j]; }
      }
    }
  });
}
