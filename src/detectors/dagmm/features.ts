import { allocData, makeOutput, shapeString, type Tensor } from '../../engine/tensor.js';

/** Reconstruction features DAGMM can append to the latent code (the paper uses both). */
export type ReconstructionFeature = 'relative-euclidean' | 'cosine';

export const RECONSTRUCTION_FEATURES: readonly ReconstructionFeature[] = ['relative-euclidean', 'cosine'];

/** Norms below this are treated as this (an all-zero input row would otherwise divide by zero). */
export const NORM_FLOOR = 1e-6;

/**
 * From rowPairStats(x, x') = [xx, yy, xy, dd] per row, the chosen features per row:
 * relative Euclidean distance ||x - x'|| / ||x|| and cosine similarity x.x' / (||x|| ||x'||).
 */
export function reconstructionFeatures(stats: Tensor, kinds: readonly ReconstructionFeature[]): Tensor {
  if (stats.rank !== 2 || stats.cols !== 4) throw new Error(`reconstructionFeatures: expected [N, 4] stats, got ${shapeString(stats.shape)}`);
  const m = stats.rows, f = kinds.length, s = stats.data;
  const out = allocData(m * f);
  for (let i = 0; i < m; i++) {
    const xx = s[i * 4], yy = s[i * 4 + 1], xy = s[i * 4 + 2], dd = s[i * 4 + 3];
    const nx = Math.max(Math.sqrt(xx), NORM_FLOOR);
    kinds.forEach((k, q) => {
      out[i * f + q] = k === 'relative-euclidean'
        ? Math.sqrt(dd) / nx
        : xy / Math.max(Math.sqrt(xx) * Math.sqrt(yy), NORM_FLOOR * NORM_FLOOR);
    });
  }
  return makeOutput(out, [m, f], [stats], (g, y) => {
    const gs = stats.gradBuffer();
    for (let i = 0; i < m; i++) {
      const xx = s[i * 4], yy = s[i * 4 + 1], dd = s[i * 4 + 3];
      const sx = Math.sqrt(xx), sy = Math.sqrt(yy);
      kinds.forEach((k, q) => {
        const gv = g[i * f + q], v = y.data[i * f + q];
        if (gv === 0) return;
        if (k === 'relative-euclidean') {
          const nx = Math.max(sx, NORM_FLOOR);
          if (dd > 0) gs[i * 4 + 3] += gv / (2 * Math.sqrt(dd) * nx);
          if (sx > NORM_FLOOR) gs[i * 4] -= (gv * v) / (2 * xx);
        } else {
          const q2 = sx * sy;
          if (q2 > NORM_FLOOR * NORM_FLOOR) {
            gs[i * 4 + 2] += gv / q2;
            gs[i * 4] -= (gv * v) / (2 * xx);
            gs[i * 4 + 1] -= (gv * v) / (2 * yy);
          } else {
            gs[i * 4 + 2] += gv / (NORM_FLOOR * NORM_FLOOR);
          }
        }
      });
    }
  });
}
