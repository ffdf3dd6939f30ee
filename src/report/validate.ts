/** Checks a ReportInput before anything is drawn, with messages that say which row or field is wrong. */
import type { ReportInput } from './types.js';

export function validateReportInput(input: ReportInput): void {
  const n = input.scores.length;
  if (n === 0) throw new Error('report: no scores (need at least one row)');
  for (let i = 0; i < n; i++) {
    const s = input.scores[i];
    if (!Number.isFinite(s)) throw new Error(`report: score at row ${i} is ${s}; every score must be finite`);
  }
  if (!Number.isFinite(input.threshold)) throw new Error(`report: threshold must be finite, got ${input.threshold}`);
  const labels = input.labels;
  if (labels) {
    if (labels.length !== n) throw new Error(`report: ${n} scores but ${labels.length} labels`);
    for (let i = 0; i < n; i++) {
      if (labels[i] > 1) throw new Error(`report: label at row ${i} is ${labels[i]}; labels must be 0 or 1`);
    }
  }
  const emb = input.embedding;
  if (emb) {
    const d = emb.names.length;
    if (d === 0) throw new Error('report: embedding has no columns (names is empty)');
    if (emb.values.length !== n * d) {
      throw new Error(`report: embedding has ${emb.values.length} values, expected ${n} rows x ${d} columns = ${n * d}`);
    }
    for (let i = 0; i < emb.values.length; i++) {
      const v = emb.values[i];
      if (!Number.isFinite(v)) throw new Error(`report: embedding value at row ${Math.floor(i / d)}, column "${emb.names[i % d]}" is ${v}`);
    }
  }
}
