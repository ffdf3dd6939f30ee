/** Equal-width histogram bins over a range (the last bin closed on the right, so every value lands in a bin). */

export interface Histogram {
  /** bins + 1 edges, ascending. */
  edges: Float64Array;
  counts: Uint32Array;
}

/** Rice's rule (2 n^(1/3)), kept between 10 and 60 bins so the bars stay readable at any n. */
export function defaultBinCount(n: number): number {
  return Math.min(60, Math.max(10, Math.ceil(2 * Math.cbrt(n))));
}

export function histogram(values: ArrayLike<number>, range: readonly [number, number], bins: number): Histogram {
  const [lo, hi] = range;
  if (!(Number.isInteger(bins) && bins >= 1)) throw new Error(`histogram: bins must be a positive integer, got ${bins}`);
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) throw new Error(`histogram: range must be finite with hi > lo, got [${lo}, ${hi}]`);
  const edges = new Float64Array(bins + 1);
  const width = (hi - lo) / bins;
  for (let b = 0; b <= bins; b++) edges[b] = lo + b * width;
  edges[bins] = hi;
  const counts = new Uint32Array(bins);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= lo && v <= hi)) throw new Error(`histogram: value ${v} at row ${i} is outside [${lo}, ${hi}]`);
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  return { edges, counts };
}
