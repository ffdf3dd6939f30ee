import { kernels } from '../backend/index.js';
import type { Rng } from '../rng.js';
import { allocData, makeOutput, type Tensor } from '../tensor.js';

/**
 * Inverted dropout: each element is zeroed with probability `dropProb` and the survivors are scaled by
 * 1 / (1 - dropProb), so no rescaling is needed at inference. The mask comes from `rng`.
 */
export function dropout(x: Tensor, dropProb: number, rng: Rng, training = true): Tensor {
  if (!(dropProb >= 0 && dropProb < 1)) throw new Error(`dropout: probability must be in [0, 1), got ${dropProb}`);
  if (!training || dropProb === 0) return x;
  const keep = 1 - dropProb, s = 1 / keep;
  const mask = allocData(x.size, false);
  const out = allocData(x.size, false);
  const d = x.data;
  kernels().keepMask(rng.state, x.size, keep, s, mask);
  for (let i = 0; i < out.length; i++) out[i] = d[i] * mask[i];
  return makeOutput(out, x.shape, [x], (g) => {
    const gx = x.gradBuffer();
    for (let i = 0; i < g.length; i++) gx[i] += g[i] * mask[i];
  });
}
