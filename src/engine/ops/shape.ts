import { Acc } from '../backend/kernels.js';
import { kernels } from '../backend/index.js';
import { allocData, makeOutput, type Shape, shapeSize, shapeString, Tensor } from '../tensor.js';
import { axisLayout } from './reduce.js';

/** Same data, new shape (a copy when recording, so the tape owns it). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  if (shapeSize(shape) !== x.size) {
    throw new Error(`reshape: cannot view ${shapeString(x.shape)} (${x.size} values) as ${shapeString(shape)}`);
  }
  const out = allocData(x.size, false);
  out.set(x.data);
  return makeOutput(out, shape, [x], (g) => kernels().accumulate(Acc.grad, g.length, g, null, null, x.gradBuffer()));
}

/** Concatenation along an axis; all other dimensions must agree. */
export function concat(xs: readonly Tensor[], axis = -1): Tensor {
  if (xs.length === 0) throw new Error('concat: needs at least one tensor');
  const first = xs[0];
  const ax = axis < 0 ? first.rank + axis : axis;
  for (const t of xs) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new Error(`concat: shapes ${xs.map((u) => shapeString(u.shape)).join(', ')} differ outside axis ${axis}`);
    }
  }
  const lens = xs.map((t) => t.shape[ax]);
  const total = lens.reduce((a, b) => a + b, 0);
  const shape = first.shape.map((d, i) => (i === ax ? total : d));
  const { outer, inner } = axisLayout(shape, ax);
  const out = allocData(shapeSize(shape), false);
  let off = 0;
  xs.forEach((t, q) => {
    copyBlocks(t.data, 0, lens[q] * inner, out, off, total * inner, outer, lens[q] * inner);
    off += lens[q] * inner;
  });
  return makeOutput(out, shape, xs, (g) => {
    let o2 = 0;
    const stride = total * inner;
    for (let q = 0; q < xs.length; q++) {
      const t = xs[q], w = lens[q] * inner;
      if (t.requiresGrad) {
        const gt = t.gradBuffer();
        for (let o = 0; o < outer; o++) {
          const src = o * stride + o2, dst = o * w;
          for (let j = 0; j < w; j++) gt[dst + j] += g[src + j];
        }
      }
      o2 += w;
    }
  });
}

/** Elements [start, end) along an axis. */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const { outer, len, inner, axis: ax } = axisLayout(x.shape, axis);
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end <= len && start <= end)) {
    throw new Error(`slice: range [${start}, ${end}) is outside axis ${axis} of length ${len}`);
  }
  const w = (end - start) * inner;
  const shape = x.shape.map((d, i) => (i === ax ? end - start : d));
  const out = allocData(outer * w, false);
  copyBlocks(x.data, start * inner, len * inner, out, 0, w, outer, w);
  return makeOutput(out, shape, [x], (g) => {
    const gx = x.gradBuffer();
    for (let o = 0; o < outer; o++) {
      const base = (o * len + start) * inner;
      for (let j = 0; j < w; j++) gx[base + j] += g[o * w + j];
    }
  });
}

/** Transpose of a 2-D tensor. */
export function transpose(x: Tensor): Tensor {
  if (x.rank !== 2) throw new Error(`transpose: needs a 2-D tensor, got shape ${shapeString(x.shape)}`);
  const [m, n] = x.shape;
  const out = allocData(x.size);
  const d = x.data;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = d[i * n + j];
  return makeOutput(out, [n, m], [x], (g) => {
    const gx = x.gradBuffer();
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) gx[i * n + j] += g[j * m + i];
  });
}

/**
 * Copies `count` blocks of `width` values: block o from src[srcOff + o*srcStride] to dst[dstOff + o*dstStride].
 * Narrow blocks use a plain loop (a subarray per block would allocate).
 */
function copyBlocks(src: Float32Array, srcOff: number, srcStride: number, dst: Float32Array, dstOff: number,
  dstStride: number, count: number, width: number): void {
  if (width >= 32) {
    for (let o = 0; o < count; o++) {
      const s0 = srcOff + o * srcStride;
      dst.set(src.subarray(s0, s0 + width), dstOff + o * dstStride);
    }
    return;
  }
  for (let o = 0; o < count; o++) {
    const s0 = srcOff + o * srcStride, d0 = dstOff + o * dstStride;
    for (let j = 0; j < width; j++) dst[d0 + j] = src[s0 + j];
  }
}

/**
 * Stop-gradient (detach): the same values as a constant, so nothing flows back into x. Shares x's data
 * (ops never write their inputs), valid as long as x is.
 */
export function stopGradient(x: Tensor): Tensor {
  return new Tensor(x.data, x.shape, false);
}
export const detach = stopGradient;
