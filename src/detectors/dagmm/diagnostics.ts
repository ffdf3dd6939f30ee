/**
 * Whether a fitted DAGMM's mixture collapsed to one component (issue 10): the paper's K components can end with
 * one weight near 1, and the sample energy is then one Gaussian's distance. Read from the fitted model alone.
 */
import type { GmmParams } from '../../gmm/gmm.js';
import { forEachBatchNoGrad } from '../../nn/batches.js';
import type { DagmmNetwork } from './network.js';

export interface MixtureDiagnostics {
  /** Mixture weights of the scoring GMM. */
  phi: number[];
  /** exp(entropy of phi): 1 for one component, K for equal weights. */
  effectiveK: number;
  /** Index of the largest weight. */
  largest: number;
  /** Share of the given rows whose largest membership (estimation network, dropout off) is that component. */
  argmaxShareLargest: number;
  /** Rows per component by largest membership. */
  argmaxCounts: number[];
  /** Mean over the rows of the largest membership (1/K: memberships carry no assignment; 1: hard assignment). */
  meanMaxMembership: number;
  /** Retry jitter the scoring covariances needed beyond the fixed diagonal term, per component. */
  jitter: number[];
}

/** exp(-sum phi log phi), with 0 log 0 = 0. */
export function effectiveComponents(phi: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < phi.length; i++) if (phi[i] > 0) h -= phi[i] * Math.log(phi[i]);
  return Math.exp(h);
}

/** Diagnostics over preprocessed rows x (normally the training rows). */
export function mixtureDiagnostics(net: DagmmNetwork, gmm: GmmParams, x: Float32Array, rows: number): MixtureDiagnostics {
  const phi = Array.from(gmm.phi);
  let largest = 0;
  for (let c = 1; c < phi.length; c++) if (phi[c] > phi[largest]) largest = c;
  const counts = new Array<number>(net.k).fill(0);
  let maxSum = 0;
  forEachBatchNoGrad(x, rows, net.inputSize, 8192, (t) => {
    const g = net.memberships(net.latent(t), false).data;
    for (let i = 0; i < t.rows; i++) {
      let best = 0;
      for (let c = 1; c < net.k; c++) if (g[i * net.k + c] > g[i * net.k + best]) best = c;
      counts[best]++;
      maxSum += g[i * net.k + best];
    }
  });
  return {
    phi, effectiveK: effectiveComponents(phi), largest, argmaxShareLargest: rows > 0 ? counts[largest] / rows : 0,
    argmaxCounts: counts, meanMaxMembership: rows > 0 ? maxSum / rows : 0, jitter: Array.from(gmm.jitter),
  };
}
