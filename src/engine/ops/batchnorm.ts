import { allocData, makeOutput, shapeString, type Tensor } from '../tensor.js';

/** Running statistics of a batch-norm layer: plain per-feature arrays, updated in place in train mode. */
export interface BatchNormStats {
  runningMean: Float32Array;
  runningVar: Float32Array;
}

export interface BatchNormOptions {
  /** Batch statistics (and a running-statistics update) when true; running statistics when false. */
  training: boolean;
  /** Weight of the new batch in the running estimate (PyTorch convention). Default 0.1. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
}

/**
 * Batch normalisation of x [rows, features] over the rows, as torch.nn.BatchNorm1d: y = gamma * xhat + beta.
 * Train mode normalises with the batch mean and biased variance, backpropagates through both exactly, and
 * moves the running estimates towards the batch mean and the unbiased variance by `momentum`. Eval mode
 * uses the running estimates. gamma/beta [features] may be null (no affine part).
 */
export function batchNorm(x: Tensor, gamma: Tensor | null, beta: Tensor | null, stats: BatchNormStats,
  o: BatchNormOptions): Tensor {
  if (x.rank !== 2) throw new Error(`batchNorm: input must be [rows, features], got shape ${shapeString(x.shape)}`);
  const m = x.rows, n = x.cols;
  for (const [what, t] of [['gamma', gamma], ['beta', beta]] as const) {
    if (t && t.size !== n) throw new Error(`batchNorm: ${what} has ${t.size} values, expected ${n}`);
  }
  if (stats.runningMean.length !== n || stats.runningVar.length !== n) {
    throw new Error(`batchNorm: running statistics have ${stats.runningMean.length}/${stats.runningVar.length} values, expected ${n}`);
  }
  // Unbiased variance of one row is undefined (PyTorch refuses too).
  if (o.training && m < 2) throw new Error(`batchNorm: training needs more than one row per batch, got ${m}`);
  const momentum = o.momentum ?? 0.1, eps = o.eps ?? 1e-5;
  const d = x.data;
  const mu = new Float64Array(n), invStd = new Float64Array(n);
  if (o.training) {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) mu[j] += d[i * n + j];
    for (let j = 0; j < n; j++) mu[j] /= m;
    const ss = new Float64Array(n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { const c = d[i * n + j] - mu[j]; ss[j] += c * c; }
    for (let j = 0; j < n; j++) {
      invStd[j] = 1 / Math.sqrt(ss[j] / m + eps);
      stats.runningMean[j] = (1 - momentum) * stats.runningMean[j] + momentum * mu[j];
      stats.runningVar[j] = (1 - momentum) * stats.runningVar[j] + momentum * (ss[j] / (m - 1));
    }
  } else {
    for (let j = 0; j < n; j++) { mu[j] = stats.runningMean[j]; invStd[j] = 1 / Math.sqrt(stats.runningVar[j] + eps); }
  }
  const xhat = allocData(m * n, false), out = allocData(m * n, false);
  const gd = gamma?.data, bd = beta?.data;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const k = i * n + j, h = (d[k] - mu[j]) * invStd[j];
      xhat[k] = h;
      out[k] = (gd ? gd[j] * h : h) + (bd ? bd[j] : 0);
    }
  }
  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  return makeOutput(out, x.shape, inputs, (g) => {
    if (gamma?.requiresGrad) {
      const gg = gamma.gradBuffer();
      for (let k = 0; k < m * n; k++) gg[k % n] += g[k] * xhat[k];
    }
    if (beta?.requiresGrad) {
      const gb = beta.gradBuffer();
      for (let k = 0; k < m * n; k++) gb[k % n] += g[k];
    }
    if (!x.requiresGrad) return;
    const gx = x.gradBuffer();
    if (!o.training) {
      for (let k = 0; k < m * n; k++) { const j = k % n; gx[k] += g[k] * (gd ? gd[j] : 1) * invStd[j]; }
      return;
    }
    // dx = invStd/m * (m dxhat - sum dxhat - xhat sum(dxhat xhat)), with dxhat = g gamma.
    const s1 = new Float64Array(n), s2 = new Float64Array(n);
    for (let k = 0; k < m * n; k++) { const j = k % n; s1[j] += g[k]; s2[j] += g[k] * xhat[k]; }
    for (let k = 0; k < m * n; k++) {
      const j = k % n;
      gx[k] += (gd ? gd[j] : 1) * invStd[j] * (g[k] - s1[j] / m - xhat[k] * s2[j] / m);
    }
  });
}
