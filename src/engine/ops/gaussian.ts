import type { Rng } from '../rng.js';
import { allocData, makeOutput, shapeString, type Tensor } from '../tensor.js';

function sameShapes(op: string, ts: readonly Tensor[]): void {
  const s = ts[0].shape;
  for (const t of ts) {
    if (t.rank !== s.length || t.shape.some((d, i) => d !== s[i])) {
      throw new Error(`${op}: shapes differ: ${ts.map((u) => shapeString(u.shape)).join(' vs ')}`);
    }
  }
  if (s.length < 1) throw new Error(`${op}: needs at least 1 dimension, got shape ${shapeString(s)}`);
}

/**
 * KL(N(mu, exp(logvar)) || N(mu2, exp(logvar2))) for diagonal Gaussians, summed over the last axis
 * (one value per row). Without mu2/logvar2 the prior is N(0, I):
 * 0.5 * sum(exp(logvar) + mu^2 - 1 - logvar). All inputs have the same shape.
 */
export function gaussianKl(mu: Tensor, logvar: Tensor, mu2?: Tensor, logvar2?: Tensor): Tensor {
  if ((mu2 === undefined) !== (logvar2 === undefined)) throw new Error('gaussianKl: give both mu2 and logvar2, or neither');
  const inputs = mu2 && logvar2 ? [mu, logvar, mu2, logvar2] : [mu, logvar];
  sameShapes('gaussianKl', inputs);
  const n = mu.shape[mu.rank - 1], rows = n === 0 ? 0 : mu.size / n;
  const m1 = mu.data, l1 = logvar.data, m2 = mu2?.data, l2 = logvar2?.data;
  // Per element: diff = mu - mu2, ip = exp(-logvar2) (the prior's precision).
  const diff = allocData(mu.size, false), ip = allocData(mu.size, false), v1 = allocData(mu.size, false);
  const out = allocData(rows, false);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = r * n; j < (r + 1) * n; j++) {
      const dm = m2 ? m1[j] - m2[j] : m1[j], lp = l2 ? l2[j] : 0, e = Math.exp(-lp), v = Math.exp(l1[j]);
      diff[j] = dm; ip[j] = e; v1[j] = v;
      s += lp - l1[j] + (v + dm * dm) * e - 1;
    }
    out[r] = 0.5 * s;
  }
  return makeOutput(out, mu.shape.slice(0, -1), inputs, (g) => {
    const gm1 = mu.requiresGrad ? mu.gradBuffer() : null, gl1 = logvar.requiresGrad ? logvar.gradBuffer() : null;
    const gm2 = mu2?.requiresGrad ? mu2.gradBuffer() : null, gl2 = logvar2?.requiresGrad ? logvar2.gradBuffer() : null;
    for (let r = 0; r < rows; r++) {
      const gr = g[r];
      for (let j = r * n; j < (r + 1) * n; j++) {
        const dmu = gr * diff[j] * ip[j];
        if (gm1) gm1[j] += dmu;
        if (gm2) gm2[j] -= dmu;
        if (gl1) gl1[j] += 0.5 * gr * (v1[j] * ip[j] - 1);
        if (gl2) gl2[j] += 0.5 * gr * (1 - (v1[j] + diff[j] * diff[j]) * ip[j]);
      }
    }
  });
}

/**
 * Reparameterised sample z = mu + exp(0.5 logvar) * eps, eps ~ N(0, I) drawn from `rng` (rng.normal(), one
 * per element in row-major order), so gradients reach mu and logvar.
 */
export function reparameterize(mu: Tensor, logvar: Tensor, rng: Rng): Tensor {
  sameShapes('reparameterize', [mu, logvar]);
  const noise = allocData(mu.size, false), out = allocData(mu.size, false);
  const md = mu.data, ld = logvar.data;
  for (let i = 0; i < out.length; i++) {
    noise[i] = Math.exp(0.5 * ld[i]) * rng.normal();
    out[i] = md[i] + noise[i];
  }
  return makeOutput(out, mu.shape, [mu, logvar], (g) => {
    if (mu.requiresGrad) { const gm = mu.gradBuffer(); for (let i = 0; i < g.length; i++) gm[i] += g[i]; }
    if (logvar.requiresGrad) { const gl = logvar.gradBuffer(); for (let i = 0; i < g.length; i++) gl[i] += 0.5 * g[i] * noise[i]; }
  });
}
