import { batchNorm, type BatchNormStats } from './ops/batchnorm.js';
import { parameter, type Tensor } from './tensor.js';

/** A named float32 array with its shape: the same fields as a model file's tensor entry. */
export interface NamedBuffer { name: string; shape: number[]; data: Float32Array }

export interface BatchNormLayerOptions { momentum?: number; eps?: number; affine?: boolean }

/**
 * torch.nn.BatchNorm1d over [rows, features]: learnable gamma (ones) and beta (zeros), and running
 * mean (zeros) / variance (ones) that are plain data (`buffers()`), saved and restored with the model.
 */
export class BatchNorm implements BatchNormStats {
  readonly features: number;
  readonly momentum: number;
  readonly eps: number;
  readonly gamma: Tensor | null;
  readonly beta: Tensor | null;
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;

  constructor(features: number, o: BatchNormLayerOptions = {}) {
    if (!(Number.isInteger(features) && features > 0)) throw new Error(`BatchNorm: features must be a positive integer, got ${features}`);
    this.features = features;
    this.momentum = o.momentum ?? 0.1;
    this.eps = o.eps ?? 1e-5;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`BatchNorm: momentum must be in [0, 1], got ${this.momentum}`);
    if (!(this.eps > 0)) throw new Error(`BatchNorm: eps must be positive, got ${this.eps}`);
    const affine = o.affine ?? true;
    this.gamma = affine ? parameter(new Float32Array(features).fill(1), [features]) : null;
    this.beta = affine ? parameter(new Float32Array(features), [features]) : null;
    this.runningMean = new Float32Array(features);
    this.runningVar = new Float32Array(features).fill(1);
  }

  forward(x: Tensor, training: boolean): Tensor {
    return batchNorm(x, this.gamma, this.beta, this, { training, momentum: this.momentum, eps: this.eps });
  }

  /** gamma then beta (empty without the affine part). */
  parameters(): Tensor[] { return this.gamma && this.beta ? [this.gamma, this.beta] : []; }

  /** The running statistics under PyTorch's state_dict names, prefixed (e.g. "enc.bn1."); live views. */
  buffers(prefix = ''): NamedBuffer[] {
    return [
      { name: `${prefix}running_mean`, shape: [this.features], data: this.runningMean },
      { name: `${prefix}running_var`, shape: [this.features], data: this.runningVar },
    ];
  }

  /** Restores running statistics written by `buffers(prefix)`; every one must be present and sized. */
  loadBuffers(list: readonly NamedBuffer[], prefix = ''): void {
    for (const b of this.buffers(prefix)) {
      const src = list.find((t) => t.name === b.name);
      if (!src) throw new Error(`BatchNorm.loadBuffers: missing "${b.name}"`);
      if (src.data.length !== this.features) {
        throw new Error(`BatchNorm.loadBuffers: "${b.name}" has ${src.data.length} values, expected ${this.features}`);
      }
      b.data.set(src.data);
    }
  }
}
