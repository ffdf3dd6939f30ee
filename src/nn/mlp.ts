import { dense, dropout, softmax } from '../engine/ops/index.js';
import type { Rng } from '../engine/rng.js';
import { parameter, type Tensor } from '../engine/tensor.js';
import { initDense, type InitScheme } from './init.js';
import { formatNetworkSpec, type LayerSpec, parseNetworkSpec } from './spec.js';

export interface ForwardOptions {
  /** Dropout is active only when training. */
  training?: boolean;
  /** Source of dropout masks; required when training with dropout. */
  rng?: Rng;
  /** Called with each dense layer's output, e.g. to capture a bottleneck. */
  tap?: (layerIndex: number, out: Tensor) => void;
}

/** A stack of dense and dropout layers built from a spec; every dense layer is one fused kernel. */
export class Mlp {
  readonly layers: readonly LayerSpec[];
  readonly weights: Tensor[] = [];
  readonly biases: Tensor[] = [];

  constructor(spec: string | readonly LayerSpec[], init: InitScheme, rng: Rng) {
    this.layers = typeof spec === 'string' ? parseNetworkSpec(spec) : spec;
    for (const l of this.layers) {
      if (l.kind !== 'dense') continue;
      const { w, b } = initDense(l.in, l.out, init, rng);
      this.weights.push(parameter(w, [l.in, l.out]));
      this.biases.push(parameter(b, [l.out]));
    }
  }

  get spec(): string { return formatNetworkSpec(this.layers); }

  /** Weights then bias per dense layer, in order. */
  parameters(): Tensor[] {
    return this.weights.flatMap((w, i) => [w, this.biases[i]]);
  }

  forward(x: Tensor, o: ForwardOptions = {}): Tensor {
    let h = x, d = 0;
    for (const l of this.layers) {
      if (l.kind === 'dropout') {
        if (o.training && l.p > 0) {
          if (!o.rng) throw new Error('Mlp.forward: training with dropout needs an rng');
          h = dropout(h, l.p, o.rng, true);
        }
        continue;
      }
      if (h.cols !== l.in) throw new Error(`Mlp.forward: layer ${d} expects ${l.in} inputs, got ${h.cols}`);
      if (l.activation === 'softmax') h = softmax(dense(h, this.weights[d], this.biases[d], 'none'));
      else h = dense(h, this.weights[d], this.biases[d], l.activation);
      o.tap?.(d, h);
      d++;
    }
    return h;
  }
}
