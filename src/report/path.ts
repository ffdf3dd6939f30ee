/**
 * SVG path data from pixel coordinates. Curves over 200k rows have far more points than pixels, so points
 * closer than half a pixel to the last one kept are dropped (the drawn line moves by under half a pixel).
 */

const px = (v: number): string => String(Math.round(v * 10) / 10);

/** A polyline through (xs[i], ys[i]) in pixels; `step` inserts the corner of a horizontal-vertical staircase. */
export function polylinePath(xs: ArrayLike<number>, ys: ArrayLike<number>, step?: 'hv' | 'vh'): string {
  const n = xs.length;
  if (n === 0) return '';
  const out: string[] = [`M${px(xs[0])} ${px(ys[0])}`];
  let lastX = xs[0], lastY = ys[0];
  const emit = (x: number, y: number, force: boolean): void => {
    if (!force && Math.abs(x - lastX) < 0.5 && Math.abs(y - lastY) < 0.5) return;
    out.push(`L${px(x)} ${px(y)}`);
    lastX = x; lastY = y;
  };
  for (let i = 1; i < n; i++) {
    const last = i === n - 1;
    // hv: move along x at the old height, then jump (ECDF); vh: jump at the old x, then move along x (PR steps).
    if (step === 'hv') emit(xs[i], ys[i - 1], false);
    else if (step === 'vh') emit(xs[i - 1], ys[i], false);
    emit(xs[i], ys[i], last);
  }
  return out.join('');
}

/**
 * Dots as zero-length subpaths drawn with round caps (one short path instead of thousands of circles);
 * points landing on the same half-pixel are drawn once.
 */
export function dotsPath(xs: ArrayLike<number>, ys: ArrayLike<number>): string {
  const seen = new Set<number>();
  const out: string[] = [];
  for (let i = 0; i < xs.length; i++) {
    const hx = Math.round(xs[i] * 2), hy = Math.round(ys[i] * 2);
    const key = hx * 100003 + hy;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(`M${hx / 2} ${hy / 2}h0`);
  }
  return out.join('');
}
