import { type Shape, shapeString } from '../tensor.js';

/** NumPy broadcasting of two shapes (aligned on the right). */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1, db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`shapes ${shapeString(a)} and ${shapeString(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

const indexCache = new Map<string, Int32Array>();

/**
 * For each flat index of `outShape`, the flat index of the broadcast input of shape `inShape`;
 * null when the shapes are equal (identity). Cached, so hot loops don't rebuild it.
 */
export function broadcastIndex(outShape: Shape, inShape: Shape): Int32Array | null {
  if (outShape.length === inShape.length && outShape.every((d, i) => d === inShape[i])) return null;
  const key = `${outShape.join(',')}|${inShape.join(',')}`;
  const hit = indexCache.get(key);
  if (hit) return hit;
  const n = outShape.length;
  const strides = new Array<number>(n).fill(0);
  let s = 1;
  for (let i = inShape.length - 1; i >= 0; i--) {
    const oi = n - inShape.length + i;
    strides[oi] = inShape[i] === 1 ? 0 : s;
    s *= inShape[i];
  }
  let size = 1;
  for (const d of outShape) size *= d;
  const idx = new Int32Array(size);
  const counter = new Array<number>(n).fill(0);
  let off = 0;
  for (let f = 0; f < size; f++) {
    idx[f] = off;
    for (let d = n - 1; d >= 0; d--) {
      counter[d]++;
      off += strides[d];
      if (counter[d] < outShape[d]) break;
      off -= strides[d] * counter[d];
      counter[d] = 0;
    }
  }
  if (indexCache.size > 256) indexCache.clear();
  indexCache.set(key, idx);
  return idx;
}

/**
 * p when an input of shape `inShape` broadcast to `outShape` repeats one block of p trailing elements (its
 * flat index is i % p: a bias row, a scalar), else 0. Lets hot loops index it without an index array.
 */
export function rowPeriod(outShape: Shape, inShape: Shape): number {
  let k = 0;
  while (k < inShape.length && inShape[k] === 1) k++;
  const trailing = inShape.length - k, off = outShape.length - trailing;
  if (off < 0) return 0;
  let p = 1;
  for (let i = 0; i < trailing; i++) {
    if (inShape[k + i] !== outShape[off + i]) return 0;
    p *= inShape[k + i];
  }
  return p;
}

/**
 * q when an input of shape `inShape` broadcast to `outShape` repeats each of its elements over a run of q
 * consecutive outputs (its flat index is floor(i / q): a column [R, 1] against [R, C]), else 0. Lets hot loops
 * index it without an index array.
 */
export function runLength(outShape: Shape, inShape: Shape): number {
  const off = outShape.length - inShape.length;
  if (off < 0) return 0;
  for (let i = 0; i < off; i++) if (outShape[i] !== 1) return 0;
  let t = inShape.length;
  while (t > 0 && inShape[t - 1] === 1) t--;
  for (let i = 0; i < t; i++) if (inShape[i] !== outShape[off + i]) return 0;
  let q = 1;
  for (let i = t; i < inShape.length; i++) q *= outShape[off + i];
  return q > 1 ? q : 0;
}
