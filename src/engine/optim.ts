import { kernels } from './backend/index.js';
import type { Tensor } from './tensor.js';

export interface Optimizer {
  /** Applies one update from the parameters' current gradients. */
  step(): void;
  /** Zeroes the parameters' gradients (they accumulate across backward passes, as in PyTorch). */
  zeroGrad(): void;
  /** Serialisable state (moments, step count). */
  state(): OptimizerState;
  loadState(s: OptimizerState): void;
  /** Multiplies the learning rate by factor (a step schedule: torch's StepLR multiplies it by gamma). */
  scaleLearningRate(factor: number): void;
}

function checkFactor(factor: number, who: string): void {
  if (!(factor > 0 && Number.isFinite(factor))) throw new Error(`${who}: learning-rate factor must be positive and finite, got ${factor}`);
}

export interface OptimizerState { kind: string; t: number; buffers: Float32Array[] }

/**
 * An optimiser owns exactly the parameters it is given: several (one per network) can share a tape, each
 * stepping and zeroing only its own. A parameter listed twice would be updated twice per step.
 */
function checkParams(params: readonly Tensor[], who: string): void {
  const seen = new Set<Tensor>();
  params.forEach((p, i) => {
    if (!p.requiresGrad) throw new Error(`${who}: parameter ${i} (shape [${p.shape.join(', ')}]) does not require gradients`);
    if (seen.has(p)) throw new Error(`${who}: parameter ${i} (shape [${p.shape.join(', ')}]) is listed twice`);
    seen.add(p);
  });
}

/**
 * Where Adam's epsilon enters. 'torch' (torch.optim.Adam, the paper's Algorithm 1):
 * w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). 'tf1' (TensorFlow 1's AdamOptimizer, whose
 * epsilon is the paper's "epsilon hat"): lr_t = lr sqrt(1 - b2^t) / (1 - b1^t); w -= lr_t m / (sqrt(v) + eps),
 * i.e. the torch rule with eps / sqrt(1 - b2^t): a larger effective epsilon in the first steps.
 */
export type AdamEpsilonPlacement = 'torch' | 'tf1';

export interface AdamOptions { lr?: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; epsilonPlacement?: AdamEpsilonPlacement }

/** Adam exactly as torch.optim.Adam (defaults lr 1e-3, betas 0.9/0.999, eps 1e-8, L2 weight decay); see AdamEpsilonPlacement for TF1's. */
export class Adam implements Optimizer {
  lr: number; readonly beta1: number; readonly beta2: number; readonly eps: number; readonly weightDecay: number;
  readonly epsilonPlacement: AdamEpsilonPlacement;
  private t = 0;
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];

  constructor(private readonly params: readonly Tensor[], o: AdamOptions = {}) {
    checkParams(params, 'Adam');
    this.lr = o.lr ?? 1e-3; this.beta1 = o.beta1 ?? 0.9; this.beta2 = o.beta2 ?? 0.999;
    this.eps = o.eps ?? 1e-8; this.weightDecay = o.weightDecay ?? 0;
    this.epsilonPlacement = o.epsilonPlacement ?? 'torch';
    if (!(this.lr > 0)) throw new Error(`Adam: learning rate must be positive, got ${this.lr}`);
    if (this.epsilonPlacement !== 'torch' && this.epsilonPlacement !== 'tf1') throw new Error(`Adam: epsilon placement must be torch or tf1, got ${String(this.epsilonPlacement)}`);
    this.m = params.map((p) => new Float32Array(p.size));
    this.v = params.map((p) => new Float32Array(p.size));
  }

  step(): void {
    this.t++;
    const { beta1: b1, beta2: b2, weightDecay: wd } = this;
    const bc1 = 1 - b1 ** this.t, bc2 = 1 - b2 ** this.t;
    const stepSize = this.lr / bc1, bc2Sqrt = Math.sqrt(bc2);
    // TF1: lr_t m / (sqrt(v) + eps) = lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps / sqrt(bc2)).
    const eps = this.epsilonPlacement === 'tf1' ? this.eps / bc2Sqrt : this.eps;
    const K = kernels();
    this.params.forEach((p, q) => {
      if (p.grad) K.adamStep(p.size, p.data, p.grad, this.m[q], this.v[q], stepSize, bc2Sqrt, b1, b2, eps, wd);
    });
  }

  zeroGrad(): void { for (const p of this.params) p.zeroGrad(); }

  scaleLearningRate(factor: number): void { checkFactor(factor, 'Adam'); this.lr *= factor; }

  state(): OptimizerState { return { kind: 'adam', t: this.t, buffers: [...this.m, ...this.v].map((b) => b.slice()) }; }

  loadState(s: OptimizerState): void {
    if (s.kind !== 'adam' || s.buffers.length !== 2 * this.params.length) throw new Error('Adam.loadState: state does not match these parameters');
    this.t = s.t;
    s.buffers.forEach((b, i) => (i < this.m.length ? this.m[i] : this.v[i - this.m.length]).set(b));
  }
}

export interface SgdOptions { lr: number; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number }

/** SGD as torch.optim.SGD (momentum buffer initialised with the first gradient). */
export class Sgd implements Optimizer {
  private t = 0;
  private readonly buf: Float32Array[];
  private readonly o: Required<SgdOptions>;

  scaleLearningRate(factor: number): void { checkFactor(factor, 'SGD'); this.o.lr *= factor; }

  constructor(private readonly params: readonly Tensor[], o: SgdOptions) {
    checkParams(params, 'SGD');
    this.o = { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, ...o };
    if (!(this.o.lr > 0)) throw new Error(`SGD: learning rate must be positive, got ${this.o.lr}`);
    if (this.o.nesterov && (this.o.momentum <= 0 || this.o.dampening !== 0)) {
      throw new Error('SGD: Nesterov momentum needs momentum > 0 and zero dampening');
    }
    this.buf = params.map((p) => new Float32Array(p.size));
  }

  step(): void {
    const { lr, momentum: mu, dampening, nesterov, weightDecay: wd } = this.o;
    const first = this.t === 0;
    this.t++;
    this.params.forEach((p, q) => {
      const g = p.grad;
      if (!g) return;
      const b = this.buf[q], w = p.data;
      for (let i = 0; i < w.length; i++) {
        let d = wd ? g[i] + wd * w[i] : g[i];
        if (mu !== 0) {
          b[i] = first ? d : mu * b[i] + (1 - dampening) * d;
          d = nesterov ? d + mu * b[i] : b[i];
        }
        w[i] -= lr * d;
      }
    });
  }

  zeroGrad(): void { for (const p of this.params) p.zeroGrad(); }

  state(): OptimizerState { return { kind: 'sgd', t: this.t, buffers: this.buf.map((b) => b.slice()) }; }

  loadState(s: OptimizerState): void {
    if (s.kind !== 'sgd' || s.buffers.length !== this.params.length) throw new Error('SGD.loadState: state does not match these parameters');
    this.t = s.t;
    s.buffers.forEach((b, i) => this.buf[i].set(b));
  }
}

export interface RmspropOptions { lr?: number; alpha?: number; eps?: number; momentum?: number; centered?: boolean; weightDecay?: number }

/**
 * RMSprop as torch.optim.RMSprop (defaults lr 1e-2, alpha 0.99, eps 1e-8 added outside the square root,
 * momentum 0, not centered, L2 weight decay): v = alpha v + (1-alpha) g^2; avg = sqrt(v - gavg^2 if centered) + eps;
 * with momentum b = momentum b + g / avg and w -= lr b, else w -= lr g / avg.
 */
export class Rmsprop implements Optimizer {
  private t = 0;
  private readonly sq: Float32Array[];
  private readonly mom: Float32Array[];
  private readonly gavg: Float32Array[];
  private readonly o: Required<RmspropOptions>;

  scaleLearningRate(factor: number): void { checkFactor(factor, 'RMSprop'); this.o.lr *= factor; }

  constructor(private readonly params: readonly Tensor[], o: RmspropOptions = {}) {
    checkParams(params, 'RMSprop');
    this.o = { lr: 1e-2, alpha: 0.99, eps: 1e-8, momentum: 0, centered: false, weightDecay: 0, ...o };
    if (!(this.o.lr > 0)) throw new Error(`RMSprop: learning rate must be positive, got ${this.o.lr}`);
    if (!(this.o.alpha >= 0 && this.o.alpha <= 1)) throw new Error(`RMSprop: alpha must be in [0, 1], got ${this.o.alpha}`);
    if (!(this.o.momentum >= 0)) throw new Error(`RMSprop: momentum must be non-negative, got ${this.o.momentum}`);
    const fresh = (): Float32Array[] => params.map((p) => new Float32Array(p.size));
    this.sq = fresh(); this.mom = fresh(); this.gavg = fresh();
  }

  step(): void {
    const { lr, alpha, eps, momentum: mu, centered, weightDecay: wd } = this.o;
    this.t++;
    this.params.forEach((p, q) => {
      const g = p.grad;
      if (!g) return;
      const w = p.data, v = this.sq[q], b = this.mom[q], ga = this.gavg[q];
      for (let i = 0; i < w.length; i++) {
        const gi = wd ? g[i] + wd * w[i] : g[i];
        v[i] = alpha * v[i] + (1 - alpha) * gi * gi;
        let avg: number;
        if (centered) { ga[i] = alpha * ga[i] + (1 - alpha) * gi; avg = Math.sqrt(v[i] - ga[i] * ga[i]) + eps; } else avg = Math.sqrt(v[i]) + eps;
        if (mu > 0) { b[i] = mu * b[i] + gi / avg; w[i] -= lr * b[i]; } else w[i] -= (lr * gi) / avg;
      }
    });
  }

  zeroGrad(): void { for (const p of this.params) p.zeroGrad(); }

  state(): OptimizerState {
    return { kind: 'rmsprop', t: this.t, buffers: [...this.sq, ...this.mom, ...this.gavg].map((b) => b.slice()) };
  }

  loadState(s: OptimizerState): void {
    const n = this.params.length;
    if (s.kind !== 'rmsprop' || s.buffers.length !== 3 * n) throw new Error('RMSprop.loadState: state does not match these parameters');
    this.t = s.t;
    s.buffers.forEach((b, i) => [this.sq, this.mom, this.gavg][Math.floor(i / n)][i % n].set(b));
  }
}

/**
 * Rescales the gradients of `params` in place so their joint norm is at most maxNorm, as
 * torch.nn.utils.clip_grad_norm_ (coefficient maxNorm / (norm + 1e-6), applied only when below 1).
 * Parameters without a gradient are skipped. Returns the norm before clipping (a p-norm, or Infinity for the max).
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number, normType = 2): number {
  if (!(maxNorm >= 0)) throw new Error(`clipGradNorm: maxNorm must be non-negative, got ${maxNorm}`);
  if (!(normType > 0)) throw new Error(`clipGradNorm: normType must be positive, got ${normType}`);
  let total = 0;
  for (const p of params) {
    const g = p.grad;
    if (!g) continue;
    for (let i = 0; i < g.length; i++) {
      const a = Math.abs(g[i]);
      if (normType === Infinity) total = Math.max(total, a); else total += normType === 2 ? a * a : a ** normType;
    }
  }
  if (normType !== Infinity) total = total ** (1 / normType);
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) for (const p of params) if (p.grad) for (let i = 0; i < p.grad.length; i++) p.grad[i] *= coef;
  return total;
}
