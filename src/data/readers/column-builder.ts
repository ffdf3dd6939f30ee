/**
 * Collects one column row by row. Values go into a growing Float64Array (NaN = missing) while every value
 * is a number; the first other value turns the column into an array of cells. Text readers keep text
 * exactly as written, so when a text file's column turns after numbers were already parsed, their spelling
 * ("01", "1.50") is lost: the builder flags that, and the reader parses again with the column kept as text.
 */
import type { Cell, Column } from '../table.js';
import { isMissingToken, parseNumberToken } from './tokens.js';

/** Repeated text values (categories) share one string instead of one copy per row; capped for id-like columns. */
const INTERN_LIMIT = 1 << 16;

export class ColumnBuilder {
  private nums: Float64Array | null = new Float64Array(1024);
  private cells: Cell[] | null = null;
  private n = 0;
  private numbersSeen = 0;
  private readonly intern = new Map<string, string>();
  /** Numbers parsed from text were turned back into text: the reader must parse again with this column as text. */
  lost = false;

  constructor(asText = false) {
    if (asText) { this.nums = null; this.cells = []; }
  }

  get length(): number {
    return this.n;
  }

  /** A token from a text file: missing token, number, or text kept as written. */
  pushToken(t: string): void {
    if (isMissingToken(t)) { this.pushMissing(); return; }
    if (this.nums !== null) {
      const v = parseNumberToken(t);
      if (!Number.isNaN(v)) { this.pushNumber(v); return; }
      if (this.numbersSeen > 0) this.lost = true;
      this.toCells();
    }
    this.cells!.push(this.interned(t));
    this.n++;
  }

  /** A typed value (JSON, Arrow, Parquet): numbers stay numbers even after the column turns into cells. */
  pushCell(v: Cell): void {
    if (v === null) this.pushMissing();
    else if (typeof v === 'number') this.pushNumber(v);
    else {
      if (this.nums !== null) this.toCells();
      this.cells!.push(typeof v === 'string' ? this.interned(v) : v);
      this.n++;
    }
  }

  pushMissing(): void {
    if (this.nums !== null) this.appendNumber(NaN);
    else { this.cells!.push(null); this.n++; }
  }

  private pushNumber(v: number): void {
    if (this.nums !== null) { this.appendNumber(v); this.numbersSeen++; } else { this.cells!.push(v); this.n++; }
  }

  private appendNumber(v: number): void {
    if (this.n === this.nums!.length) {
      const grown = new Float64Array(this.nums!.length * 2);
      grown.set(this.nums!);
      this.nums = grown;
    }
    this.nums![this.n++] = v;
  }

  private toCells(): void {
    const cells: Cell[] = new Array(this.n);
    for (let i = 0; i < this.n; i++) cells[i] = Number.isNaN(this.nums![i]) ? null : this.nums![i];
    this.cells = cells;
    this.nums = null;
  }

  private interned(t: string): string {
    const s = this.intern.get(t);
    if (s !== undefined) return s;
    if (this.intern.size < INTERN_LIMIT) this.intern.set(t, t);
    return t;
  }

  finish(): Column {
    this.intern.clear();
    return this.nums !== null ? this.nums.slice(0, this.n) : this.cells!;
  }
}
