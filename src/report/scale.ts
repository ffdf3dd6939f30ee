/** Maps data values to pixels along one axis, linearly or on a log10 scale. */
export interface Scale {
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  readonly log: boolean;
  map(v: number): number;
}

export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain, [r0, r1] = range;
  // A zero-width domain (constant data) maps everything to the middle instead of dividing by zero.
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  const mid = (r0 + r1) / 2;
  return { domain, range, log: false, map: (v) => (k === 0 ? mid : r0 + (v - d0) * k) };
}

export function logScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  if (!(domain[0] > 0 && domain[1] > domain[0])) throw new Error(`logScale: domain must be positive and increasing, got [${domain}]`);
  const inner = linearScale([Math.log10(domain[0]), Math.log10(domain[1])], range);
  return { domain, range, log: true, map: (v) => inner.map(Math.log10(v)) };
}

/** A data range widened so that constant data still gets a readable axis. */
export function paddedRange(lo: number, hi: number): [number, number] {
  if (hi > lo) return [lo, hi];
  const pad = lo === 0 ? 0.5 : Math.abs(lo) * 0.05;
  return [lo - pad, hi + pad];
}
