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
}

export interface OptimizerState { kind: string; t: number; buffers: Float32Array[] }

function checkParams(params: readonly Tensor[], who: string): void {
  params.forEach((p, i) => {
    if (!p.requiresGrad) throw new Error(`${who}: parameter ${i} (shape [${p.shape.join(', ')}]) does not require gradients`);
  });
}

export interface AdamOptions { lr?: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }

/** Adam exactly as torch.optim.Adam (defaults lr 1e-3, betas 0.9/0.999, eps 1e-8, L2 weight decay). */
export class Adam implements Optimizer {
  readonly lr: number; readonly beta1: number; readonly beta2: number; readonly eps: number; readonly weightDecay: number;
  private t = 0;
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];

  constructor(private readonly params: readonly Tensor[], o: AdamOptions = {}) {
    checkParams(params, 'Adam');
    this.lr = o.lr ?? 1e-3; this.beta1 = o.beta1 ?? 0.9; this.beta2 = o.beta2 ?? 0.999;
    this.eps = o.eps ?? 1e-8; this.weightDecay = o.weightDecay ?? 0;
    if (!(this.lr > 0)) throw new Error(`Adam: learning rate must be positive, got ${this.lr}`);
    this.m = params.map((p) => new Float32Array(p.size));
    this.v = params.map((p) => new Float32Array(p.size));
  }

  step(): void {
    this.t++;
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = this;
    const bc1 = 1 - b1 ** this.t, bc2 = 1 - b2 ** this.t;
    const stepSize = this.lr / bc1, bc2Sqrt = Math.sqrt(bc2);
    const K = kernels();
    this.params.forEach((p, q) => {
      if (p.grad) K.adamStep(p.size, p.data, p.grad, this.m[q], this.v[q], stepSize, bc2Sqrt, b1, b2, eps, wd);
    });
  }

  zeroGrad(): void { for (const p of this.params) p.zeroGrad(); }

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
