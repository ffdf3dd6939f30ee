/** Number formatting for labels and tables: short, locale-independent, never "NaN%" surprises. */

/** Integer with comma thousands separators: 12345 -> "12,345". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const sign = n < 0 ? '-' : '';
  return sign + Math.round(Math.abs(n)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A value with about `digits` significant digits; exponent form only for very large or small magnitudes. */
export function formatNumber(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-4) return x.toExponential(Math.max(0, digits - 1)).replace(/\.?0+e/, 'e');
  if (Number.isInteger(x)) return formatCount(x);
  return String(Number(x.toPrecision(digits)));
}

/** A fraction as a percentage: 0.0253 -> "2.53%". */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return String(fraction);
  const p = fraction * 100;
  return `${p === 0 || p >= 10 ? Number(p.toFixed(1)) : Number(p.toPrecision(3))}%`;
}
