import { kernels } from '../backend/index.js';
import { Act, type ActName } from '../backend/kernels.js';
import { allocData, makeOutputs, shapeString, type Tensor } from '../tensor.js';

export interface DenseLayer {
  /** Weight [in, out]. */
  w: Tensor;
  /** Bias [out] or null. */
  b: Tensor | null;
  act: ActName;
}

/**
 * A stack of dense layers as one fused op: returns every layer's output (so a bottleneck can feed other
 * ops), with one backward node that takes gradients arriving at any of them. On the native backend the
 * whole stack runs in one parallel region per pass.
 */
export function denseStack(x: Tensor, layers: readonly DenseLayer[], alpha = 0.01): Tensor[] {
  if (layers.length === 0) throw new Error('denseStack: needs at least one layer');
  if (x.rank !== 2) throw new Error(`denseStack: input must be 2-D, got shape ${shapeString(x.shape)}`);
  const m = x.rows;
  const sizes = new Int32Array(layers.length + 1);
  sizes[0] = x.cols;
  layers.forEach((l, i) => {
    if (l.w.rank !== 2 || l.w.shape[0] !== sizes[i]) {
      throw new Error(`denseStack: layer ${i} weight has shape ${shapeString(l.w.shape)} but its input has ${sizes[i]} columns`);
    }
    sizes[i + 1] = l.w.shape[1];
    if (l.b && l.b.size !== sizes[i + 1]) throw new Error(`denseStack: layer ${i} bias has ${l.b.size} values, expected ${sizes[i + 1]}`);
  });
  const acts = Int32Array.from(layers, (l) => Act[l.act]);
  const weights = layers.map((l) => l.w.data);
  const outs = layers.map((_, i) => allocData(m * sizes[i + 1], false));
  kernels().mlpForward(m, sizes, weights, layers.map((l) => (l.b ? l.b.data : null)), acts, alpha, x.data, outs);
  const inputs: Tensor[] = [x];
  for (const l of layers) { inputs.push(l.w); if (l.b) inputs.push(l.b); }
  return makeOutputs(outs, layers.map((_, i) => [m, sizes[i + 1]]), inputs, (grads) => {
    const dpres = layers.map((_, i) => allocData(m * sizes[i + 1], false));
    let dx: Float32Array | null = null;
    if (x.requiresGrad) dx = x.grad ? allocData(m * sizes[0], false) : x.gradBuffer();
    kernels().mlpBackward(m, sizes, weights, acts, alpha, x.data, outs, grads, dpres, dx,
      layers.map((l) => l.w.gradBuffer()), layers.map((l) => (l.b && l.b.requiresGrad ? l.b.gradBuffer() : null)));
    if (dx && dx !== x.grad) kernels().binary(0, dx.length, x.grad!, dx, x.grad!);
  });
}
