import { allocData, shapeString, Tensor } from '../tensor.js';
import { activationSlope } from './activation.js';
import { mul } from './arithmetic.js';
import { matmul } from './matmul.js';
import { denseStack, type DenseLayer } from './mlp.js';
import { sum } from './reduce.js';
import { reshape } from './shape.js';
import { square } from './unary.js';

/** Per-row activation slopes of every layer of the stack: [rows, width] each. */
function layerSlopes2d(x: Tensor, layers: readonly DenseLayer[], alpha: number): Tensor[] {
  const outs = denseStack(x, layers, alpha);
  return outs.map((h, l) => activationSlope(h, layers[l].act, alpha));
}

/** Per-row activation slopes of every layer of the stack, shaped [rows, 1, width] for broadcasting. */
function layerSlopes(x: Tensor, layers: readonly DenseLayer[], alpha: number): Tensor[] {
  return layerSlopes2d(x, layers, alpha).map((s) => reshape(s, [x.rows, 1, s.cols]));
}

/**
 * Exact Jacobian d h / d x of a dense stack (h its last output) at every row: [rows, out, in], built
 * from differentiable ops (reverse accumulation, out matrix products per row), so anything computed from
 * it is differentiable wrt the weights, biases and x by the ordinary reverse pass. For an MLP critic
 * with one output this is the input gradient a gradient penalty needs.
 */
export function mlpJacobian(x: Tensor, layers: readonly DenseLayer[], alpha = 0.01): Tensor {
  checkInput(x, 'mlpJacobian');
  const m = x.rows, slopes = layerSlopes(x, layers, alpha);
  const L = layers.length, dOut = layers[L - 1].w.shape[1];
  const eye = allocData(dOut * dOut);
  for (let i = 0; i < dOut; i++) eye[i * dOut + i] = 1;
  // u[r] = d h / d (input of layer l) for row r, starting from the output layer's slopes.
  let u = mul(new Tensor(eye, [1, dOut, dOut]), slopes[L - 1]);
  for (let l = L - 1; l >= 0; l--) {
    const w = layers[l].w;
    const v = reshape(matmul(reshape(u, [m * dOut, w.shape[1]]), w, false, true), [m, dOut, w.shape[0]]);
    u = l > 0 ? mul(v, slopes[l - 1]) : v;
  }
  return u;
}

/**
 * d (sum_j h_j) / d x of a dense stack (h its last output) at every row: [rows, in], one reverse sweep
 * (the vector-Jacobian product with ones; mlpJacobian summed over its outputs, at the cost of one output).
 * Built from differentiable ops, so a loss on it trains the weights: an energy model's input gradient under
 * score matching.
 */
export function mlpInputGradient(x: Tensor, layers: readonly DenseLayer[], alpha = 0.01): Tensor {
  checkInput(x, 'mlpInputGradient');
  const slopes = layerSlopes2d(x, layers, alpha);
  let u = slopes[layers.length - 1];
  for (let l = layers.length - 1; l >= 0; l--) {
    const v = matmul(u, layers[l].w, false, true);
    u = l > 0 ? mul(v, slopes[l - 1]) : v;
  }
  return u;
}

/**
 * The contractive penalty ||d h / d x||_F^2 of a dense stack at every row ([rows]), exact for any depth.
 * 'forward' accumulates from the input side (cost ~ in forward passes), 'reverse' from the output side
 * (~ out passes); 'auto' picks the cheaper. Differentiable wrt the weights, biases and x.
 */
export function contractivePenalty(x: Tensor, layers: readonly DenseLayer[], alpha = 0.01,
  mode: 'auto' | 'forward' | 'reverse' = 'auto'): Tensor {
  checkInput(x, 'contractivePenalty');
  const m = x.rows, dIn = x.cols, dOut = layers[layers.length - 1].w.shape[1];
  const forward = mode === 'forward' || (mode === 'auto' && dIn < dOut);
  let j: Tensor;
  if (!forward) {
    j = mlpJacobian(x, layers, alpha);
  } else {
    const slopes = layerSlopes(x, layers, alpha);
    // t[r] = (d h_l / d x)^T for row r: [in, width of layer l].
    const w0 = layers[0].w;
    j = mul(reshape(w0, [1, dIn, w0.shape[1]]), slopes[0]);
    for (let l = 1; l < layers.length; l++) {
      const w = layers[l].w;
      j = mul(reshape(matmul(reshape(j, [m * dIn, w.shape[0]]), w), [m, dIn, w.shape[1]]), slopes[l]);
    }
  }
  return sum(reshape(square(j), [m, dIn * dOut]), 1);
}

function checkInput(x: Tensor, op: string): void {
  if (x.rank !== 2) throw new Error(`${op}: input must be 2-D, got shape ${shapeString(x.shape)}`);
}
