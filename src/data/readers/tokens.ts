/**
 * How text cells are read: which tokens mean "missing", and what counts as a number. Number() alone is too
 * lenient for data files ("" -> 0, "0x1F" -> 31, "Infinity"), so those are treated as text here.
 */

/** Empty field, NA, NaN, null and ? (the UCI convention) are missing values in text files. */
export const MISSING_TOKENS: readonly string[] = ['', 'NA', 'NaN', 'null', '?'];

export function isMissingToken(t: string): boolean {
  return t.length <= 4 && (t === '' || t === 'NA' || t === 'NaN' || t === 'null' || t === '?');
}

/** The finite decimal number t spells, or NaN when t is not one (whitespace around it included). */
export function parseNumberToken(t: string): number {
  const n = t.length;
  if (n === 0 || t.charCodeAt(0) <= 32 || t.charCodeAt(n - 1) <= 32) return NaN;
  const v = Number(t);
  if (!Number.isFinite(v)) return NaN;
  if (n > 2 && t.charCodeAt(0) === 48) {
    const c1 = t.charCodeAt(1) | 32; // lower case
    if (c1 === 120 || c1 === 98 || c1 === 111) return NaN; // 0x.., 0b.., 0o..
  }
  return v;
}
