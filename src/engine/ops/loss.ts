import { kernels } from '../backend/index.js';
import { allocData, makeOutput, shapeString, type Tensor } from '../tensor.js';

function sameShape(a: Tensor, b: Tensor, op: string): void {
  if (a.size !== b.size || a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${op}: shapes differ: ${shapeString(a.shape)} vs ${shapeString(b.shape)}`);
  }
}

/** Mean over all elements of (pred - target)^2 (PyTorch's mse_loss with reduction 'mean'). */
export function mse(pred: Tensor, target: Tensor): Tensor {
  sameShape(pred, target, 'mse');
  const n = pred.size, k = kernels();
  // Both loops are kernels: on a small network they cost as much as the whole MLP (a native call is bit-equal).
  const s = k.squaredErrorSum(n, pred.data, target.data);
  const out = allocData(1);
  out[0] = s / n;
  return makeOutput(out, [], [pred, target], (g) => {
    const c = (2 * g[0]) / n;
    if (pred.requiresGrad) k.accumulateScaledDifference(n, c, pred.data, target.data, pred.gradBuffer());
    if (target.requiresGrad) k.accumulateScaledDifference(n, -c, pred.data, target.data, target.gradBuffer());
  });
}

const BCE_EPS = 1e-7;

/** Mean binary cross-entropy of probabilities p against targets in [0, 1]; p is clamped to [eps, 1-eps]. */
export function bce(p: Tensor, target: Tensor): Tensor {
  sameShape(p, target, 'bce');
  const n = p.size, pd = p.data, td = target.data;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const q = Math.min(Math.max(pd[i], BCE_EPS), 1 - BCE_EPS);
    s -= td[i] * Math.log(q) + (1 - td[i]) * Math.log(1 - q);
  }
  const out = allocData(1);
  out[0] = s / n;
  return makeOutput(out, [], [p, target], (g) => {
    const c = g[0] / n;
    if (p.requiresGrad) {
      const gp = p.gradBuffer();
      for (let i = 0; i < n; i++) {
        const v = pd[i];
        if (v < BCE_EPS || v > 1 - BCE_EPS) continue;
        gp[i] += c * ((v - td[i]) / (v * (1 - v)));
      }
    }
    if (target.requiresGrad) {
      const gt = target.gradBuffer();
      for (let i = 0; i < n; i++) {
        const q = Math.min(Math.max(pd[i], BCE_EPS), 1 - BCE_EPS);
        gt[i] += c * (Math.log(1 - q) - Math.log(q));
      }
    }
  });
}

/** Mean binary cross-entropy on logits, stable for any magnitude: max(x,0) - x*t + log(1 + e^-|x|). */
export function bceWithLogits(logits: Tensor, target: Tensor): Tensor {
  sameShape(logits, target, 'bceWithLogits');
  const n = logits.size, x = logits.data, td = target.data;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.max(x[i], 0) - x[i] * td[i] + Math.log1p(Math.exp(-Math.abs(x[i])));
  const out = allocData(1);
  out[0] = s / n;
  return makeOutput(out, [], [logits, target], (g) => {
    const c = g[0] / n;
    if (logits.requiresGrad) {
      const gl = logits.gradBuffer();
      for (let i = 0; i < n; i++) {
        const sig = x[i] >= 0 ? 1 / (1 + Math.exp(-x[i])) : Math.exp(x[i]) / (1 + Math.exp(x[i]));
        gl[i] += c * (sig - td[i]);
      }
    }
    if (target.requiresGrad) {
      const gt = target.gradBuffer();
      for (let i = 0; i < n; i++) gt[i] -= c * x[i];
    }
  });
}

/**
 * Per-row statistics of a pair of [m, n] tensors: [m, 4] with columns sum x^2, sum y^2, sum x*y,
 * sum (x-y)^2. One pass over both inputs gives norms, cosine similarity and distances.
 */
export function rowPairStats(x: Tensor, y: Tensor): Tensor {
  sameShape(x, y, 'rowPairStats');
  const m = x.rows, n = x.cols;
  const out = allocData(m * 4, false);
  kernels().rowPairStats(m, n, x.data, y.data, out);
  return makeOutput(out, [m, 4], [x, y], (g) => {
    // d xx/dx = 2x, d xy/dx = y, d dd/dx = 2(x-y); symmetric for y.
    const ca = allocData(m, false), cb = allocData(m, false);
    if (x.requiresGrad) {
      for (let i = 0; i < m; i++) {
        const gxx = g[i * 4], gxy = g[i * 4 + 2], gdd = g[i * 4 + 3];
        ca[i] = 2 * gxx + 2 * gdd; cb[i] = gxy - 2 * gdd;
      }
      kernels().rowCombine(m, n, x.data, y.data, ca, cb, true, x.gradBuffer());
    }
    if (y.requiresGrad) {
      for (let i = 0; i < m; i++) {
        const gyy = g[i * 4 + 1], gxy = g[i * 4 + 2], gdd = g[i * 4 + 3];
        ca[i] = gxy - 2 * gdd; cb[i] = 2 * gyy + 2 * gdd;
      }
      kernels().rowCombine(m, n, x.data, y.data, ca, cb, true, y.gradBuffer());
    }
  });
}
