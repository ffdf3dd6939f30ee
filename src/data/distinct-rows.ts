/**
 * Groups bit-identical rows of a row-major float32 matrix. Solvers whose answer only depends on the multiset of
 * rows (a one-class SVM's dual with a per-group bound, say) can then work on each distinct row once: KDDCUP's
 * training half holds about 35,000 distinct rows among 198,000.
 */

export interface DistinctRows {
  /** Number of distinct rows. */
  count: number;
  /** For each distinct row, the index of its first occurrence (increasing). */
  first: Int32Array;
  /** For each distinct row, how many rows equal it. */
  multiplicity: Int32Array;
  /** For each input row, the distinct row it equals. */
  groupOf: Int32Array;
}

/** Bitwise equality (so 0 and -0 are different rows; distinct rows are never merged). */
function sameRow(bits: Uint32Array, a: number, b: number, cols: number): boolean {
  const oa = a * cols, ob = b * cols;
  for (let c = 0; c < cols; c++) if (bits[oa + c] !== bits[ob + c]) return false;
  return true;
}

/** Groups rows by their exact bits (open-addressing hash table; groups in order of first occurrence). */
export function distinctRows(x: Float32Array, rows: number, cols: number): DistinctRows {
  if (x.length < rows * cols) throw new Error(`distinctRows: ${rows} x ${cols} needs ${rows * cols} values, got ${x.length}`);
  const bits = new Uint32Array(x.buffer, x.byteOffset, rows * cols);
  let size = 1;
  while (size < 2 * rows) size *= 2;
  const slots = new Int32Array(size).fill(-1), mask = size - 1;
  const groupOf = new Int32Array(rows), first: number[] = [], mult: number[] = [];
  for (let r = 0; r < rows; r++) {
    // FNV-1a over the row's 32-bit words.
    let h = 0x811c9dc5;
    for (let c = 0, o = r * cols; c < cols; c++) h = Math.imul(h ^ bits[o + c], 0x01000193);
    let s = h & mask;
    for (;;) {
      const g = slots[s];
      if (g < 0) { slots[s] = first.length; groupOf[r] = first.length; first.push(r); mult.push(1); break; }
      if (sameRow(bits, first[g], r, cols)) { groupOf[r] = g; mult[g]++; break; }
      s = (s + 1) & mask;
    }
  }
  return { count: first.length, first: Int32Array.from(first), multiplicity: Int32Array.from(mult), groupOf };
}
