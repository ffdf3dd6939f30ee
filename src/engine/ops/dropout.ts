import { kernels } from '../backend/index.js';
import { Acc, Bin } from '../backend/kernels.js';
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
  const K = kernels();
  K.keepMask(rng.state, x.size, keep, s, mask);
  // float32 products (exact in double, rounded once) and the gradient summed in double: the loops' bits.
  K.binary(Bin.mul, x.size, x.data, mask, out);
  return makeOutput(out, x.shape, [x], (g) => kernels().accumulate(Acc.mul, g.length, g, mask, null, x.gradBuffer()));
}
