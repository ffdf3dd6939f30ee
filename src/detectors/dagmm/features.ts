import { allocData, makeOutput, shapeString, type Tensor } from '../../engine/tensor.js';

/** Reconstruction features DAGMM can append to the latent code (the paper uses both). */
export type ReconstructionFeature = 'relative-euclidean' | 'cosine';

export const RECONSTRUCTION_FEATURES: readonly ReconstructionFeature[] = ['relative-euclidean', 'cosine'];

/** Norms below this are treated as this (an all-zero input row would otherwise divide by zero). */
export const NORM_FLOOR = 1e-6;

/**
 * z = [zc, reconstruction features] in one pass (the concat fused in): zc [N, L] and rowPairStats
 * [N, 4] in, [N, L + F] out.
 */
export function latentWithFeatures(zc: Tensor, stats: Tensor, kinds: readonly ReconstructionFeature[]): Tensor {
  if (zc.rank !== 2 || stats.rank !== 2 || stats.cols !== 4 || zc.rows !== stats.rows) {
    throw new Error(`latentWithFeatures: expected zc [N, L] and stats [N, 4], got ${shapeString(zc.shape)} and ${shapeString(stats.shape)}`);
  }
  const m = zc.rows, L = zc.cols, f = kinds.length, w = L + f, s = stats.data, zd = zc.data;
  const FLOOR2 = NORM_FLOOR * NORM_FLOOR;
  const relAt = kinds.indexOf('relative-euclidean'), cosAt = kinds.indexOf('cosine');
  const out = allocData(m * w, false);
  for (let i = 0; i < m; i++) {
    const o = i * w;
    for (let j = 0; j < L; j++) out[o + j] = zd[i * L + j];
    const xx = s[i * 4], yy = s[i * 4 + 1], xy = s[i * 4 + 2], dd = s[i * 4 + 3];
    const sx = Math.sqrt(xx);
    if (relAt >= 0) out[o + L + relAt] = Math.sqrt(dd) / (sx > NORM_FLOOR ? sx : NORM_FLOOR);
    if (cosAt >= 0) { const q2 = sx * Math.sqrt(yy); out[o + L + cosAt] = xy / (q2 > FLOOR2 ? q2 : FLOOR2); }
  }
  return makeOutput(out, [m, w], [zc, stats], (g, y) => {
    const yd = y.data;
    if (zc.requiresGrad) {
      const gz = zc.gradBuffer();
      for (let i = 0; i < m; i++) for (let j = 0; j < L; j++) gz[i * L + j] += g[i * w + j];
    }
    if (!stats.requiresGrad) return;
    const gs = stats.gradBuffer();
    for (let i = 0; i < m; i++) {
      const o = i * w, xx = s[i * 4], yy = s[i * 4 + 1], dd = s[i * 4 + 3];
      const sx = Math.sqrt(xx);
      if (relAt >= 0) {
        const gv = g[o + L + relAt], v = yd[o + L + relAt];
        if (gv !== 0) {
          if (dd > 0) gs[i * 4 + 3] += gv / (2 * Math.sqrt(dd) * (sx > NORM_FLOOR ? sx : NORM_FLOOR));
          if (sx > NORM_FLOOR) gs[i * 4] -= (gv * v) / (2 * xx);
        }
      }
      if (cosAt >= 0) {
        const gv = g[o + L + cosAt], v = yd[o + L + cosAt];
        if (gv !== 0) {
          const q2 = sx * Math.sqrt(yy);
          if (q2 > FLOOR2) {
            gs[i * 4 + 2] += gv / q2;
            gs[i * 4] -= (gv * v) / (2 * xx);
            gs[i * 4 + 1] -= (gv * v) / (2 * yy);
          } else {
            gs[i * 4 + 2] += gv / FLOOR2;
          }
        }
      }
    }
  });
}
