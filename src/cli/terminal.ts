/**
 * Terminal safety: text that comes from a model file or a data file (names, categories, versions) is shown
 * with control characters escaped, so a crafted file cannot move the cursor, rewrite earlier lines, change
 * the terminal title or reorder text with bidirectional overrides.
 */

// C0 controls, DEL, C1 controls, line/paragraph separators, bidi embeddings/overrides/isolates.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

const hex = (c: string): string => {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
};

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One line of text safe to print: every control character escaped (\n, \t, \x1b, \u202e). */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => NAMED[c] ?? hex(c));
}

/** printable(), and cut to at most `max` characters with a note of how many were left out. */
export function shortPrintable(text: string, max = 80): string {
  const p = printable(text);
  return p.length <= max ? p : `${p.slice(0, max - 1)}…(${p.length} chars)`;
}

/**
 * JSON for stdout: JSON.stringify already escapes C0 controls inside strings; this also escapes DEL, C1
 * and bidi controls as \uXXXX, which is still the same JSON value.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
