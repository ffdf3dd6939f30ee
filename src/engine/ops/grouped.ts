import { kernels } from '../backend/index.js';
import { allocData, makeOutput, shapeString, type Tensor } from '../tensor.js';

/**
 * Inner products within groups of rows: a [G*m, D] and b [G*p, D] hold G groups of m and p consecutive rows;
 * the result [G*m, p] holds, for group g, A_g B_g^T (row g*m + i, column j = <a_{g*m+i}, b_{g*p+j}>). A batched
 * matrix product without forming the [G*m, G*p] products across groups: the similarity matrices of contrastive
 * losses that compare views of one sample with each other (NeuTraL AD, ICL). a and b may be the same tensor.
 */
export function groupedDots(a: Tensor, b: Tensor, groups: number): Tensor {
  if (a.rank !== 2 || b.rank !== 2) throw new Error(`groupedDots: needs 2-D tensors, got ${shapeString(a.shape)} and ${shapeString(b.shape)}`);
  if (a.cols !== b.cols) throw new Error(`groupedDots: rows have ${a.cols} and ${b.cols} values`);
  if (!(Number.isInteger(groups) && groups > 0) || a.rows % groups !== 0 || b.rows % groups !== 0) {
    throw new Error(`groupedDots: ${a.rows} and ${b.rows} rows do not split into ${groups} groups`);
  }
  const m = a.rows / groups, p = b.rows / groups, d = a.cols;
  const out = allocData(groups * m * p, false);
  const K = kernels(), ad = a.data, bd = b.data;
  for (let g = 0; g < groups; g++) {
    K.gemm(false, true, m, p, d, ad.subarray(g * m * d, (g + 1) * m * d), bd.subarray(g * p * d, (g + 1) * p * d), 0, out.subarray(g * m * p, (g + 1) * m * p));
  }
  return makeOutput(out, [groups * m, p], [a, b], (gr) => {
    // d out_g / d A_g = G_g B_g, d out_g / d B_g = G_g^T A_g, per group.
    if (a.requiresGrad) {
      const ga = a.gradBuffer();
      for (let g = 0; g < groups; g++) {
        K.gemm(false, false, m, d, p, gr.subarray(g * m * p, (g + 1) * m * p), bd.subarray(g * p * d, (g + 1) * p * d), 1, ga.subarray(g * m * d, (g + 1) * m * d));
      }
    }
    if (b.requiresGrad) {
      const gb = b.gradBuffer();
      for (let g = 0; g < groups; g++) {
        K.gemm(true, false, p, d, m, gr.subarray(g * m * p, (g + 1) * m * p), ad.subarray(g * m * d, (g + 1) * m * d), 1, gb.subarray(g * p * d, (g + 1) * p * d));
      }
    }
  });
}
