/**
 * How far fixed member weights could take auto: the hindsight bound of a weighted mean of normalised member
 * scores, and an honest estimate of choosing the weights on some data sets and meeting others (leave one data
 * set out). Used by bench/auto-weights.ts on the scores auto-study dumps; labels enter only through the test
 * AUROCs it is given, which is the point: the best weights found with them bound what any label-free weighting
 * of the same members can reach.
 */

/** Every weight vector over `k` members with entries that are multiples of 1/steps and sum to 1. */
export function simplexGrid(k: number, steps: number): Float64Array[] {
  if (!(Number.isInteger(k) && k >= 1 && Number.isInteger(steps) && steps >= 1)) throw new Error(`simplexGrid: need integer k >= 1 and steps >= 1, got ${k}, ${steps}`);
  const out: Float64Array[] = [];
  const cur = new Array<number>(k).fill(0);
  const rec = (i: number, left: number) => {
    if (i === k - 1) { cur[i] = left; out.push(Float64Array.from(cur, (c) => c / steps)); return; }
    for (let c = left; c >= 0; c--) { cur[i] = c; rec(i + 1, left - c); }
  };
  rec(0, steps);
  return out;
}

/** One (data set, protocol) cell: mean AUROC over its runs of each weight vector and of each single detector. */
export interface WeightCell { dataset: string; protocol: string; combo: Float64Array; single: Record<string, number> }

/**
 * The objective a weighting is judged by, over some data sets: per protocol, its mean AUROC less the best
 * single detector's mean AUROC on the same sets; the worse protocol counts (auto must beat every single
 * detector under each). Returns one value per weight vector.
 */
export function weightMargins(cells: readonly WeightCell[], datasets: readonly string[], protocols: readonly string[]): Float64Array {
  const g = cells[0]?.combo.length ?? 0;
  const worst = new Float64Array(g).fill(Infinity);
  for (const p of protocols) {
    const cs = cells.filter((c) => c.protocol === p && datasets.includes(c.dataset));
    if (cs.length === 0) continue;
    const names = Object.keys(cs[0].single);
    const bestSingle = Math.max(...names.map((n) => cs.reduce((a, c) => a + c.single[n], 0) / cs.length));
    for (let w = 0; w < g; w++) {
      const m = cs.reduce((a, c) => a + c.combo[w], 0) / cs.length - bestSingle;
      if (m < worst[w]) worst[w] = m;
    }
  }
  return worst;
}

/** Index of the largest value (the first on ties, so the grid's order breaks them). */
export function argMax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/** Leave one data set out: weights chosen by weightMargins on the others, then met on the held-out set. */
export function leaveOneOut(cells: readonly WeightCell[], protocols: readonly string[]): { dataset: string; weightIndex: number; auroc: Record<string, number> }[] {
  const datasets = [...new Set(cells.map((c) => c.dataset))];
  return datasets.map((d) => {
    const w = argMax(weightMargins(cells, datasets.filter((x) => x !== d), protocols));
    const auroc: Record<string, number> = {};
    for (const c of cells) if (c.dataset === d) auroc[c.protocol] = c.combo[w];
    return { dataset: d, weightIndex: w, auroc };
  });
}
