import { kernels } from '../backend/index.js';
import { allocData, makeOutput, type Tensor } from '../tensor.js';
import { axisLayout } from './reduce.js';

/**
 * x / max(||x||, eps) along one axis: each slice along `axis` scaled to unit Euclidean length (a slice shorter
 * than eps is divided by eps). One op for what div(x, clampMin(norm(x, axis, true), eps)) computes in three:
 * the forward values are the same (the length summed in double in axis order, rounded to float32, then each
 * quotient rounded to float32), and the backward is the closed form g / r - x <g, x> / r^3 per slice (g / eps
 * where clamped), with no broadcast index arrays or intermediate tensors (Kernels.unitNormalize and
 * unitNormalizeBackward: C on the native backend, the same values on every backend). ICL normalises its
 * embeddings this way twice per step.
 */
export function unitNormalize(x: Tensor, axis: number, eps = 1e-12): Tensor {
  if (!(eps > 0 && Number.isFinite(eps))) throw new Error(`unitNormalize: eps must be a positive finite number, got ${eps}`);
  const { outer, len, inner } = axisLayout(x.shape, axis);
  const out = allocData(x.size, false), r = new Float64Array(outer * inner);
  kernels().unitNormalize(outer, len, inner, x.data, Math.fround(eps), r, out);
  return makeOutput(out, x.shape, [x], (g) => {
    kernels().unitNormalizeBackward(outer, len, inner, x.data, g, r, x.gradBuffer());
  });
}
