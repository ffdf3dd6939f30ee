/** Tick positions people like to read: steps of 1, 2 or 5 times a power of ten, and powers of ten on log axes. */

/** Ticks covering [lo, hi] at a 1-2-5 step giving about `target` intervals; the ticks lie inside [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi)) || hi < lo) throw new Error(`niceTicks: bad range [${lo}, ${hi}]`);
  if (hi === lo) return [lo];
  const step = niceStep((hi - lo) / Math.max(1, target));
  const first = Math.ceil(lo / step - 1e-9), last = Math.floor(hi / step + 1e-9);
  const out: number[] = [];
  // Multiply rather than accumulate so 0.1 + 0.2 style errors don't show up in the labels.
  for (let k = first; k <= last; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

/** The 1, 2 or 5 times a power of ten nearest to `raw` (on a log scale), so tick counts stay near the target. */
export function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/** The upper end of a count axis: the first nice tick at or above `max`. */
export function niceCeil(max: number, target = 5): number {
  if (max <= 0) return 1;
  const step = niceStep(max / target);
  return Math.ceil(max / step - 1e-9) * step;
}

/** Powers of ten within [lo, hi] (lo > 0) for a log axis. */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0 && hi >= lo)) throw new Error(`logTicks: bad range [${lo}, ${hi}]`);
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(lo) - 1e-9); e <= Math.floor(Math.log10(hi) + 1e-9); e++) out.push(10 ** e);
  return out;
}
