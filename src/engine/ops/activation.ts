import { kernels } from '../backend/index.js';
import { Acc, Act, actGradGradFromOutput, type ActName } from '../backend/kernels.js';
import { allocData, makeOutput, type Tensor } from '../tensor.js';

/** Applies a pointwise activation through the backend's kernels; the gradient uses the output. */
export function activation(x: Tensor, name: ActName, alpha = 0.01): Tensor {
  const code = Act[name];
  const out = allocData(x.size, false);
  kernels().activation(code, alpha, x.size, x.data, out);
  return makeOutput(out, x.shape, [x], (g, y) => {
    const gx = x.gradBuffer();
    const tmp = allocData(x.size, false);
    kernels().activationGrad(code, alpha, x.size, y.data, g, tmp);
    kernels().binary(0, x.size, gx, tmp, gx);
  });
}

/**
 * act'(pre) written from the activation's output y = act(pre), differentiable in y: the diagonal of a
 * layer's Jacobian, so Jacobian-based penalties can be trained through the ordinary reverse pass.
 */
export function activationSlope(y: Tensor, name: ActName, alpha = 0.01): Tensor {
  const code = Act[name];
  const out = allocData(y.size, false);
  const ones = allocData(y.size, false).fill(1);
  kernels().activationGrad(code, alpha, y.size, y.data, ones, out);
  return makeOutput(out, y.shape, [y], (g) => {
    const gy = y.gradBuffer(), yd = y.data, n = g.length;
    // One loop per activation (the same products as actGradGradFromOutput), so no call or branch per element.
    switch (code) {
      case Act.tanh: for (let i = 0; i < n; i++) gy[i] += g[i] * (-2 * yd[i]); break;
      case Act.sigmoid: for (let i = 0; i < n; i++) gy[i] += g[i] * (1 - 2 * yd[i]); break;
      case Act.softplus: kernels().accumulate(Acc.softplusSlope, n, g, yd, null, gy); break;
      case Act.none: case Act.relu: case Act.leakyRelu:
        // The slope is piecewise constant: its derivative is 0 (g * 0 kept, so a NaN or infinite g still shows).
        for (let i = 0; i < n; i++) gy[i] += g[i] * 0;
        break;
      default: for (let i = 0; i < n; i++) gy[i] += g[i] * actGradGradFromOutput(code, yd[i]);
    }
  });
}

export function tanh(x: Tensor): Tensor { return activation(x, 'tanh'); }
export function sigmoid(x: Tensor): Tensor { return activation(x, 'sigmoid'); }
export function relu(x: Tensor): Tensor { return activation(x, 'relu'); }
export function leakyRelu(x: Tensor, slope = 0.01): Tensor { return activation(x, 'leakyRelu', slope); }
export function softplus(x: Tensor): Tensor { return activation(x, 'softplus'); }
