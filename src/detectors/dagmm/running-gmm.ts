/**
 * Mixture parameters estimated during training, for the study of what the paper leaves open (issue 10): DAGMM
 * scores with phi, mu, Sigma "computed over the training set" (the default here: one pass over every training
 * row after training, fitGmmParams); implementations differ, so this keeps the alternatives:
 *
 * - 'running-average': an exponential moving average of the training batches' parameters (eq. 5 on each batch,
 *   with dropout on, as the loss sees them), like batch normalisation's running statistics; the first batch
 *   starts it (no bias correction needed), then x <- decay x + (1 - decay) x_batch for phi, mu and Sigma.
 *   A convex combination of distributions and of positive-definite matrices stays one.
 * - 'last-batch': the parameters of the last training batch.
 */
import { gmmParamsFromJSON, type GmmParams } from '../../gmm/gmm.js';

export type DagmmGmmParamsSource = 'whole-training-set' | 'running-average' | 'last-batch';
export const GMM_PARAMS_SOURCES: readonly DagmmGmmParamsSource[] = ['whole-training-set', 'running-average', 'last-batch'];

/** Decay of the running average (TensorFlow's ExponentialMovingAverage examples use 0.99 to 0.9999). */
export const RUNNING_GMM_DECAY = 0.99;

export class RunningGmm {
  private phi: Float64Array | null = null;
  private mu: Float64Array | null = null;
  private cov: Float64Array | null = null;
  private k = 0;
  private d = 0;
  /** Training batches seen. */
  updates = 0;

  constructor(readonly mode: Exclude<DagmmGmmParamsSource, 'whole-training-set'>, readonly decay = RUNNING_GMM_DECAY) {
    if (!(decay >= 0 && decay < 1)) throw new Error(`running GMM estimate: decay must be in [0, 1), got ${decay}`);
  }

  /** Folds in one training batch's parameters (their covariances include the diagonal term and any jitter). */
  update(p: GmmParams): void {
    this.updates++;
    if (!this.phi || this.mode === 'last-batch' || p.k !== this.k || p.d !== this.d) {
      this.phi = p.phi.slice(); this.mu = p.mu.slice(); this.cov = p.cov.slice(); this.k = p.k; this.d = p.d;
      return;
    }
    const a = this.decay, b = 1 - a;
    for (const [dst, src] of [[this.phi, p.phi], [this.mu!, p.mu], [this.cov!, p.cov]]) {
      for (let i = 0; i < dst.length; i++) dst[i] = a * dst[i] + b * src[i];
    }
  }

  /** The estimate, factorised for scoring; null before any update. */
  params(): GmmParams | null {
    if (!this.phi || !this.mu || !this.cov) return null;
    // Renormalise phi against float drift; gmmParamsFromJSON checks and factorises.
    let s = 0;
    for (const v of this.phi) s += v;
    return gmmParamsFromJSON({ k: this.k, d: this.d, phi: Array.from(this.phi, (v) => v / s), mu: Array.from(this.mu), cov: Array.from(this.cov) });
  }
}
