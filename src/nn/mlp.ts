import { contractivePenalty, denseStack, dropout, mlpInputGradient, softmax, type DenseLayer } from '../engine/ops/index.js';
import type { ActName } from '../engine/backend/kernels.js';
import type { Rng } from '../engine/rng.js';
import { parameter, type Tensor } from '../engine/tensor.js';
import { initDense, type InitScheme } from './init.js';
import { DEFAULT_LEAKY_SLOPE, formatNetworkSpec, type LayerSpec, parseNetworkSpec, sharedLeakySlope } from './spec.js';

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

  /**
   * ||d out / d x||_F^2 per row ([rows]), exact and differentiable wrt the weights (a contractive
   * autoencoder's penalty on this network as encoder). Dropout layers count as identity (inference);
   * softmax layers and leaky ReLUs with different slopes are not supported.
   */
  contractivePenalty(x: Tensor): Tensor {
    const { layers, slope } = this.denseLayers('Mlp.contractivePenalty');
    return contractivePenalty(x, layers, slope);
  }

  /**
   * d (sum of the outputs) / d x per row ([rows, in]), exact and differentiable wrt the weights (an energy
   * model's input gradient). Dropout layers count as identity; the same limits as contractivePenalty.
   */
  inputGradient(x: Tensor): Tensor {
    const { layers, slope } = this.denseLayers('Mlp.inputGradient');
    return mlpInputGradient(x, layers, slope);
  }

  /** The dense layers as one fused stack, for the Jacobian ops (which take one leaky slope and no softmax). */
  private denseLayers(op: string): { layers: DenseLayer[]; slope: number } {
    const dense = this.layers.filter((l) => l.kind === 'dense');
    const slope = sharedLeakySlope(dense);
    if (slope === null) throw new Error(`${op}: leaky ReLU layers with different slopes are not supported`);
    const layers = dense.map((l, i): DenseLayer => {
      if (l.activation === 'softmax') throw new Error(`${op}: softmax layers are not supported`);
      return { w: this.weights[i], b: this.biases[i], act: l.activation };
    });
    return { layers, slope };
  }

  forward(x: Tensor, o: ForwardOptions = {}): Tensor {
    let h = x, d = 0, i = 0;
    const layers = this.layers;
    while (i < layers.length) {
      const l = layers[i];
      if (l.kind === 'dropout') {
        if (o.training && l.p > 0) {
          if (!o.rng) throw new Error('Mlp.forward: training with dropout needs an rng');
          h = dropout(h, l.p, o.rng, true);
        }
        i++;
        continue;
      }
      // A run of consecutive dense layers is one fused op; a softmax layer ends its run, and so does a
      // leaky ReLU with another slope (the fused kernels take one slope per stack).
      const run: DenseLayer[] = [];
      let softmaxLast = false;
      let slope: number | null = null;
      while (i < layers.length) {
        const li = layers[i];
        if (li.kind !== 'dense') break;
        if (h.cols !== li.in && run.length === 0) throw new Error(`Mlp.forward: layer ${d} expects ${li.in} inputs, got ${h.cols}`);
        if (li.activation === 'leakyRelu') {
          const s = li.slope ?? DEFAULT_LEAKY_SLOPE;
          if (slope !== null && s !== slope) break;
          slope = s;
        }
        softmaxLast = li.activation === 'softmax';
        run.push({ w: this.weights[d + run.length], b: this.biases[d + run.length], act: softmaxLast ? 'none' : li.activation as ActName });
        i++;
        if (softmaxLast) break;
      }
      const outs = denseStack(h, run, slope ?? DEFAULT_LEAKY_SLOPE);
      const last = softmaxLast ? softmax(outs[outs.length - 1]) : outs[outs.length - 1];
      outs.forEach((t, q) => o.tap?.(d + q, q === outs.length - 1 ? last : t));
      d += run.length;
      h = last;
    }
    return h;
  }
}
