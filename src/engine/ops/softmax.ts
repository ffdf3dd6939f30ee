import { kernels } from '../backend/index.js';
import { allocData, makeOutput, shapeString, type Tensor } from '../tensor.js';

function lastAxis(x: Tensor, op: string): { rows: number; n: number } {
  if (x.rank < 1) throw new Error(`${op}: needs at least 1 dimension, got shape ${shapeString(x.shape)}`);
  const n = x.shape[x.rank - 1];
  // Rows from the leading dimensions, so an empty last axis still has its rows (logSumExp of none is -Infinity).
  return { rows: x.shape.slice(0, -1).reduce((a, b) => a * b, 1), n };
}

/** Softmax over the last axis, max-shifted for stability. */
export function softmax(x: Tensor): Tensor {
  const { rows, n } = lastAxis(x, 'softmax');
  const out = allocData(x.size, false);
  const d = x.data;
  const K = kernels();
  if (K.softmaxRows) K.softmaxRows(rows, n, d, false, out);
  else for (let r = 0; r < rows; r++) {
    const o = r * n;
    let m = -Infinity;
    for (let j = 0; j < n; j++) if (d[o + j] > m) m = d[o + j];
    let s = 0;
    for (let j = 0; j < n; j++) { const e = Math.exp(d[o + j] - m); out[o + j] = e; s += e; }
    for (let j = 0; j < n; j++) out[o + j] /= s;
  }
  return makeOutput(out, x.shape, [x], (g, y) => {
    const gx = x.gradBuffer();
    const yd = y.data;
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      let dot = 0;
      for (let j = 0; j < n; j++) dot += g[o + j] * yd[o + j];
      for (let j = 0; j < n; j++) gx[o + j] += yd[o + j] * (g[o + j] - dot);
    }
  });
}

/** log(sum(exp(x))) over the last axis, shape without it (the backend's kernel, same bits on each). */
export function logSumExp(x: Tensor): Tensor {
  const { rows, n } = lastAxis(x, 'logSumExp');
  const out = allocData(rows, false);
  kernels().logSumExp(rows, n, x.data, out);
  return makeOutput(out, x.shape.slice(0, -1), [x], (g, y) => kernels().logSumExpBackward(rows, n, x.data, y.data, g, x.gradBuffer()));
}

/** log(softmax(x)) over the last axis, computed without forming softmax (the backend's kernel, same bits on each). */
export function logSoftmax(x: Tensor): Tensor {
  const { rows, n } = lastAxis(x, 'logSoftmax');
  const out = allocData(x.size);
  kernels().logSoftmax(rows, n, x.data, out);
  return makeOutput(out, x.shape, [x], (g, y) => kernels().logSoftmaxBackward(rows, n, y.data, g, x.gradBuffer()));
}
