/**
 * How text cells are read: which tokens mean "missing", and what counts as a number. Number() alone is too
 * lenient for data files ("" -> 0, "0x1F" -> 31, "Infinity"), so those are treated as text here.
 */

/** Empty field, NA, NaN, null and ? (the UCI convention) are missing values in text files. */
export const MISSING_TOKENS: readonly string[] = ['', 'NA', 'NaN', 'null', '?'];

export function isMissingToken(t: string): boolean {
  return t.length <= 4 && (t === '' || t === 'NA' || t === 'NaN' || t === 'null' || t === '?');
}

/** 10^k for k <= 15, each exact in a double. */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * The finite decimal number t spells, or NaN when t is not one (whitespace around it included). Most cells in
 * data files are short plain decimals ([+-]digits[.digits], at most 15 digits): their digits make an integer below
 * 2^53 and the power of ten is exact, so one division, correctly rounded, is Number()'s correctly rounded value
 * (Clinger's fast path) at a fraction of its cost on the substrings a CSV parser hands over. Other tokens go
 * through Number().
 */
export function parseNumberToken(t: string): number {
  const n = t.length;
  if (n === 0) return NaN;
  if (n <= 17) {
    let i = 0, c = t.charCodeAt(0);
    const negative = c === 45;
    if (negative || c === 43) i = 1;
    let m = 0, digits = 0, decimals = -1, plain = i < n;
    for (; i < n; i++) {
      c = t.charCodeAt(i);
      if (c >= 48 && c <= 57) { m = m * 10 + (c - 48); digits++; if (decimals >= 0) decimals++; }
      else if (c === 46 && decimals < 0) decimals = 0;
      else { plain = false; break; }
    }
    if (plain && digits > 0 && digits <= 15) {
      const v = decimals > 0 ? m / POW10[decimals] : m;
      return negative ? -v : v;
    }
  }
  if (t.charCodeAt(0) <= 32 || t.charCodeAt(n - 1) <= 32) return NaN;
  const v = Number(t);
  if (!Number.isFinite(v)) return NaN;
  if (n > 2 && t.charCodeAt(0) === 48) {
    const c1 = t.charCodeAt(1) | 32; // lower case
    if (c1 === 120 || c1 === 98 || c1 === 111) return NaN; // 0x.., 0b.., 0o..
  }
  return v;
}
