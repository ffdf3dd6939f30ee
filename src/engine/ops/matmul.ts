import { kernels } from '../backend/index.js';
import { Act, type ActName } from '../backend/kernels.js';
import { allocData, makeOutput, shapeString, type Tensor } from '../tensor.js';

function check2D(t: Tensor, op: string, what: string): void {
  if (t.rank !== 2) throw new Error(`${op}: ${what} must be 2-D, got shape ${shapeString(t.shape)}`);
}

/** op(a) @ op(b) for 2-D tensors, with op = transpose when the flag is set. */
export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  check2D(a, 'matmul', 'a'); check2D(b, 'matmul', 'b');
  const m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1];
  const kb = transB ? b.shape[1] : b.shape[0], n = transB ? b.shape[0] : b.shape[1];
  if (k !== kb) {
    throw new Error(`matmul: inner dimensions differ: ${shapeString(a.shape)}${transA ? 'ᵀ' : ''} x ${shapeString(b.shape)}${transB ? 'ᵀ' : ''}`);
  }
  const out = allocData(m * n, false);
  kernels().gemm(transA, transB, m, n, k, a.data, b.data, 0, out);
  return makeOutput(out, [m, n], [a, b], (g) => {
    const K = kernels();
    // C = op(A) op(B): dop(A) = G op(B)^T, dop(B) = op(A)^T G; map back through the transposes.
    if (a.requiresGrad) {
      if (!transA) K.gemm(false, !transB, m, k, n, g, b.data, 1, a.gradBuffer());
      else K.gemm(transB, true, k, m, n, b.data, g, 1, a.gradBuffer());
    }
    if (b.requiresGrad) {
      if (!transB) K.gemm(!transA, false, k, n, m, a.data, g, 1, b.gradBuffer());
      else K.gemm(true, transA, n, k, m, g, a.data, 1, b.gradBuffer());
    }
  });
}

/**
 * Fused dense layer: act(x @ w + bias), x [m, k], w [k, n], bias [n] or null.
 * One kernel forward, one backward (activation derivative, weight, bias and input gradients).
 */
export function dense(x: Tensor, w: Tensor, bias: Tensor | null, act: ActName = 'none', alpha = 0.01): Tensor {
  check2D(x, 'dense', 'input'); check2D(w, 'dense', 'weight');
  const [m, k] = x.shape;
  const [kw, n] = w.shape;
  if (k !== kw) throw new Error(`dense: input has ${k} columns but the weight expects ${kw} (weight shape ${shapeString(w.shape)})`);
  if (bias && bias.size !== n) throw new Error(`dense: bias has ${bias.size} values, expected ${n}`);
  const code = Act[act];
  const out = allocData(m * n, false);
  kernels().denseForward(m, n, k, x.data, w.data, bias ? bias.data : null, code, alpha, out);
  const inputs = bias ? [x, w, bias] : [x, w];
  return makeOutput(out, [m, n], inputs, (g, y) => {
    const dpre = allocData(m * n, false);
    // The kernel writes dx; accumulate through a scratch buffer when x already has gradient.
    let dx: Float32Array | null = null;
    if (x.requiresGrad) dx = x.grad ? allocData(m * k, false) : x.gradBuffer();
    kernels().denseBackward(m, n, k, x.data, w.data, y.data, g, code, alpha, dpre, dx, w.gradBuffer(),
      bias && bias.requiresGrad ? bias.gradBuffer() : null);
    if (dx && dx !== x.grad) kernels().binary(0, m * k, x.grad!, dx, x.grad!);
  });
}
