import type { Rng } from '../engine/rng.js';

export type InitScheme = 'glorot-uniform' | 'glorot-normal' | 'he-uniform' | 'torch-default';

/**
 * Weight matrix [fanIn, fanOut] and bias [fanOut] for a dense layer.
 * glorot-uniform is TensorFlow's dense default (the DAGMM authors' framework); torch-default is
 * nn.Linear's kaiming_uniform(a=sqrt(5)), i.e. U(+-1/sqrt(fanIn)) for weights and biases.
 */
export function initDense(fanIn: number, fanOut: number, scheme: InitScheme, rng: Rng): { w: Float32Array; b: Float32Array } {
  const w = new Float32Array(fanIn * fanOut), b = new Float32Array(fanOut);
  switch (scheme) {
    case 'glorot-uniform': {
      const lim = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < w.length; i++) w[i] = rng.range(-lim, lim);
      break;
    }
    case 'glorot-normal': {
      const sd = Math.sqrt(2 / (fanIn + fanOut));
      for (let i = 0; i < w.length; i++) w[i] = rng.normal() * sd;
      break;
    }
    case 'he-uniform': {
      const lim = Math.sqrt(6 / fanIn);
      for (let i = 0; i < w.length; i++) w[i] = rng.range(-lim, lim);
      break;
    }
    case 'torch-default': {
      const lim = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < w.length; i++) w[i] = rng.range(-lim, lim);
      for (let i = 0; i < b.length; i++) b[i] = rng.range(-lim, lim);
      break;
    }
    default: throw new Error(`unknown initialisation scheme "${String(scheme)}"`);
  }
  return { w, b };
}
