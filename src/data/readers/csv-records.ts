/**
 * CSV text to records with papaparse (browser-safe), fed in chunks so a large file is never one string.
 *
 * Each chunk is appended to the unfinished record of the previous one and parsed; every record but the last
 * is final (a record can only end at a newline outside quotes), so the last is kept for the next chunk.
 * On top of papaparse this keeps the dialect the readers have always had: a UTF-8 BOM is dropped, unquoted
 * fields are trimmed (quoted ones are kept as written), blank lines are skipped, a quote inside an unquoted
 * field is an error, and each record is reported with the line it starts on (quoted newlines counted).
 */
import Papa from 'papaparse';

const QUOTE = '"';

/** The record separator: the first line break in the text (undefined while there is none yet). */
function lineBreakOf(text: string): '\n' | '\r\n' | '\r' | undefined {
  const lf = text.indexOf('\n');
  const cr = text.indexOf('\r');
  if (cr >= 0 && (lf < 0 || cr < lf)) return text.charCodeAt(cr + 1) === 10 ? '\r\n' : cr + 1 < text.length ? '\r' : undefined;
  return lf >= 0 ? '\n' : undefined;
}

function countOf(text: string, what: string, from: number, to: number): number {
  let n = 0;
  for (let k = text.indexOf(what, from); k >= 0 && k < to; k = text.indexOf(what, k + what.length)) n++;
  return n;
}

export class CsvRecordStream {
  private pending = '';
  private started = false;
  private lineBreak: string | undefined;
  /** The line the next record starts on. */
  private line = 1;

  constructor(private readonly source: string, private readonly delimiter: string,
    private readonly onRecord: (record: string[], line: number) => void) {}

  /** The next piece of the text (any split, even inside a field). */
  push(chunk: string): void {
    this.pending += chunk;
    this.parse(false);
  }

  /** The text has ended: the last record is final. */
  end(): void {
    this.parse(true);
  }

  private parse(final: boolean): void {
    let text = this.pending;
    if (!this.started) {
      if (text.length === 0 && !final) return;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.started = true;
    }
    this.lineBreak ??= lineBreakOf(text);
    if (this.lineBreak === undefined && !final) { this.pending = text; return; }
    let held: Papa.ParseStepResult<string[]> | null = null;
    let heldStart = 0;
    let nextStart = 0;
    let nextQuote = text.indexOf(QUOTE);
    Papa.parse<string[]>(text, {
      delimiter: this.delimiter,
      newline: (this.lineBreak ?? '\n') as Papa.ParseConfig['newline'],
      quoteChar: QUOTE,
      escapeChar: QUOTE,
      step: (r) => {
        if (held !== null) {
          if (nextQuote >= 0 && nextQuote < heldStart) nextQuote = text.indexOf(QUOTE, heldStart);
          this.record(held, text, heldStart, nextStart, nextQuote >= 0 && nextQuote < nextStart);
        }
        held = r;
        heldStart = nextStart;
        nextStart = r.meta.cursor;
      },
    });
    if (!final) {
      this.pending = text.slice(heldStart); // the last record may go on in the next chunk
      return;
    }
    this.pending = '';
    if (held !== null) {
      if (nextQuote >= 0 && nextQuote < heldStart) nextQuote = text.indexOf(QUOTE, heldStart);
      this.record(held, text, heldStart, text.length, nextQuote >= 0);
    }
  }

  /** One record papaparse found at text[start, end); `hasQuote`: its text has a quote somewhere. */
  private record(r: Papa.ParseStepResult<string[]>, text: string, start: number, end: number, hasQuote: boolean): void {
    const row = r.data;
    const line = this.line;
    if (r.errors.length > 0) this.fail(r, text, start, line);
    const quoted = hasQuote ? this.quotedFields(row, text, start, line) : null;
    this.line += quoted ? 1 + countOf(text, this.lineBreak ?? '\n', start, end - (this.lineBreak ?? '\n').length) : 1;
    for (let j = 0; j < row.length; j++) {
      const f = row[j];
      if (f.length > 0 && (f.charCodeAt(0) <= 32 || f.charCodeAt(f.length - 1) <= 32 || f.charCodeAt(0) === 0xa0 ||
          f.charCodeAt(f.length - 1) === 0xa0) && !(quoted && quoted[j])) row[j] = f.trim();
    }
    if (row.length === 1 && row[0] === '' && !(quoted && quoted[0])) return; // a blank line
    this.onRecord(row, line);
  }

  /**
   * Which of a record's fields were quoted, from where papaparse's values fall in the text: a field is quoted
   * when its text starts with a quote (papaparse's rule), and then spans its value with doubled quotes, the
   * closing quote and any spaces before the delimiter. A quote in an unquoted field is an error.
   */
  private quotedFields(row: string[], text: string, start: number, line: number): boolean[] {
    const quoted = new Array<boolean>(row.length).fill(false);
    let p = start;
    for (let j = 0; j < row.length; j++) {
      const f = row[j];
      if (text[p] === QUOTE) {
        quoted[j] = true;
        p += 2 + f.length + countOf(f, QUOTE, 0, f.length);
        while (text[p] === ' ') p++;
      } else {
        if (f.includes(QUOTE)) {
          const at = line + countOf(text, this.lineBreak ?? '\n', start, p);
          throw new Error(`${this.source} line ${at}, field ${j + 1}: malformed quotes: a quote inside an unquoted field (quote the whole field and double the quotes inside it)`);
        }
        p += f.length;
      }
      p += this.delimiter.length;
    }
    return quoted;
  }

  private fail(r: Papa.ParseStepResult<string[]>, text: string, start: number, line: number): never {
    const e = r.errors.find((x) => x.code === 'InvalidQuotes') ?? r.errors[0];
    if (e.code === 'InvalidQuotes') {
      const at = line + countOf(text, this.lineBreak ?? '\n', start, e.index ?? start);
      throw new Error(`${this.source} line ${at}, field ${r.data.length}: malformed quotes: text after a closing quote (double the quotes inside a quoted field)`);
    }
    if (e.code === 'MissingQuotes') {
      throw new Error(`${this.source} line ${line}: malformed quotes: this record opens a quoted field that is never closed (the file ends inside it)`);
    }
    throw new Error(`${this.source} line ${line}: ${e.message}`);
  }
}
