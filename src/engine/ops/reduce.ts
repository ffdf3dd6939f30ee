import { kernels } from '../backend/index.js';
import { allocData, makeOutput, type Shape, shapeString, type Tensor } from '../tensor.js';

/** Splits a shape around one axis into outer x axis x inner, the layout every axis reduction uses. */
export function axisLayout(shape: Shape, axis: number): { outer: number; len: number; inner: number; axis: number } {
  const ax = axis < 0 ? shape.length + axis : axis;
  if (ax < 0 || ax >= shape.length) throw new Error(`axis ${axis} is out of range for shape ${shapeString(shape)}`);
  let outer = 1, inner = 1;
  for (let i = 0; i < ax; i++) outer *= shape[i];
  for (let i = ax + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, len: shape[ax], inner, axis: ax };
}

function reducedShape(shape: Shape, axis: number, keepDims: boolean): number[] {
  return keepDims ? shape.map((d, i) => (i === axis ? 1 : d)) : shape.filter((_, i) => i !== axis);
}

/** Sum over all elements (axis undefined) or over one axis. Accumulates in float64. */
export function sum(x: Tensor, axis?: number, keepDims = false): Tensor {
  if (axis === undefined) {
    let s = 0;
    const d = x.data;
    for (let i = 0; i < d.length; i++) s += d[i];
    const out = allocData(1);
    out[0] = s;
    return makeOutput(out, [], [x], (g) => {
      const gx = x.gradBuffer(), gv = g[0];
      for (let i = 0; i < gx.length; i++) gx[i] += gv;
    });
  }
  const { outer, len, inner, axis: ax } = axisLayout(x.shape, axis);
  const out = allocData(outer * inner);
  const d = x.data;
  if (inner === 1) {
    // Row sums (the common case: a loss per row), in the backend's kernel.
    kernels().rowSum(outer, len, d, out);
    return makeOutput(out, reducedShape(x.shape, ax, keepDims), [x], (g) => kernels().rowSumBackward(outer, len, g, x.gradBuffer()));
  }
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let s = 0;
      for (let l = 0; l < len; l++) s += d[(o * len + l) * inner + j];
      out[o * inner + j] = s;
    }
  }
  return makeOutput(out, reducedShape(x.shape, ax, keepDims), [x], (g) => {
    const gx = x.gradBuffer();
    for (let o = 0; o < outer; o++) {
      for (let l = 0; l < len; l++) {
        const base = (o * len + l) * inner;
        for (let j = 0; j < inner; j++) gx[base + j] += g[o * inner + j];
      }
    }
  });
}

export function mean(x: Tensor, axis?: number, keepDims = false): Tensor {
  const n = axis === undefined ? x.size : axisLayout(x.shape, axis).len;
  const s = sum(x, axis, keepDims);
  const inv = 1 / n;
  const out = allocData(s.size);
  for (let i = 0; i < out.length; i++) out[i] = s.data[i] * inv;
  return makeOutput(out, s.shape, [s], (g) => {
    const gs = s.gradBuffer();
    for (let i = 0; i < g.length; i++) gs[i] += g[i] * inv;
  });
}

/** Max over one axis; the gradient goes to the first maximal element. */
export function max(x: Tensor, axis: number, keepDims = false): Tensor {
  const { outer, len, inner, axis: ax } = axisLayout(x.shape, axis);
  const out = allocData(outer * inner);
  const arg = new Int32Array(outer * inner);
  const d = x.data;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let best = -Infinity, bi = 0;
      for (let l = 0; l < len; l++) {
        const v = d[(o * len + l) * inner + j];
        if (v > best || Number.isNaN(v)) { best = v; bi = l; if (Number.isNaN(v)) break; }
      }
      out[o * inner + j] = best;
      arg[o * inner + j] = (o * len + bi) * inner + j;
    }
  }
  return makeOutput(out, reducedShape(x.shape, ax, keepDims), [x], (g) => {
    const gx = x.gradBuffer();
    for (let i = 0; i < g.length; i++) gx[arg[i]] += g[i];
  });
}

/** L2 norm over one axis (or all elements). The gradient at a zero vector is taken as zero. */
export function norm(x: Tensor, axis?: number, keepDims = false): Tensor {
  const { outer, len, inner, axis: ax } = axis === undefined
    ? { outer: 1, len: x.size, inner: 1, axis: -1 } : axisLayout(x.shape, axis);
  const out = allocData(outer * inner);
  const d = x.data;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let s = 0;
      for (let l = 0; l < len; l++) { const v = d[(o * len + l) * inner + j]; s += v * v; }
      out[o * inner + j] = Math.sqrt(s);
    }
  }
  const shape = axis === undefined ? [] : reducedShape(x.shape, ax, keepDims);
  return makeOutput(out, shape, [x], (g, y) => {
    const gx = x.gradBuffer();
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const nv = y.data[o * inner + j];
        if (nv === 0) continue;
        const c = g[o * inner + j] / nv;
        for (let l = 0; l < len; l++) { const k = (o * len + l) * inner + j; gx[k] += c * d[k]; }
      }
    }
  });
}
