/**
 * Scatter plots of the low-dimensional representation (the DAGMM paper's Figures 1 and 3): the first column
 * against each other column, anomalies drawn last in the contrasting colour.
 */
import type { ReportAnalysis } from './analyse.js';
import { formatCount } from './format.js';
import { COLORS } from './palette.js';
import type { Figure } from './plot-scores.js';
import { paddedRange } from './scale.js';
import { subsampleRows, type Subsample } from './subsample.js';
import { Plot } from './svg.js';
import type { ReportInput } from './types.js';

/** At most about this many points per scatter plot (every anomaly is drawn even beyond it). */
export const MAX_SCATTER_POINTS = 4000;

interface Column { name: string; value: (row: number) => number }

function domainOf(col: Column, n: number): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) { const v = col.value(i); if (v < lo) lo = v; if (v > hi) hi = v; }
  const [a, b] = paddedRange(lo, hi);
  const pad = (b - a) * 0.03; // keep dots on the edge off the frame
  return [a - pad, b + pad];
}

function scatter(x: Column, y: Column, a: ReportAnalysis, sample: Subsample, key: string): Figure {
  const plot = new Plot(`${y.name} against ${x.name}`, { label: x.name, domain: domainOf(x, a.n) }, { label: y.name, domain: domainOf(y, a.n) });
  const rows = sample.rows;
  let anomalies = 0;
  for (const r of rows) anomalies += a.highlight[r] ? 1 : 0;
  const nx = new Float64Array(rows.length - anomalies), ny = new Float64Array(rows.length - anomalies);
  const ax = new Float64Array(anomalies), ay = new Float64Array(anomalies);
  for (let k = 0, p = 0, q = 0; k < rows.length; k++) {
    const r = rows[k];
    if (a.highlight[r]) { ax[q] = x.value(r); ay[q++] = y.value(r); } else { nx[p] = x.value(r); ny[p++] = y.value(r); }
  }
  plot.dots(nx, ny, COLORS.normal, 3.5, 0.45);
  plot.dots(ax, ay, COLORS.anomaly, 5, 0.9);
  const other = a.highlightName === 'flagged' ? 'not flagged' : 'normal';
  plot.legend([
    { label: `${other}, ${formatCount(nx.length)} drawn`, color: COLORS.normal, kind: 'dot' },
    { label: `${a.highlightName}, ${formatCount(anomalies)}`, color: COLORS.anomaly, kind: 'dot' },
  ]);
  const caption = sample.subsampled
    ? `Subsampled: ${formatCount(rows.length)} of ${formatCount(a.n)} rows drawn, every ${a.highlightName} row and a seeded uniform sample of the rest.`
    : `All ${formatCount(a.n)} rows drawn.`;
  return { key, plot, caption };
}

/** One figure per column after the first (or the single column against the score); none without an embedding. */
export function embeddingFigures(input: ReportInput, a: ReportAnalysis): Figure[] {
  const emb = input.embedding;
  if (!emb) return [];
  const d = emb.names.length;
  const column = (j: number): Column => ({ name: emb.names[j], value: (r) => emb.values[r * d + j] });
  const sample = subsampleRows(a.highlight, MAX_SCATTER_POINTS);
  if (d === 1) {
    const score: Column = { name: input.scoreName, value: (r) => input.scores[r] };
    return [scatter(column(0), score, a, sample, 'embedding-1')];
  }
  const out: Figure[] = [];
  for (let j = 1; j < d; j++) out.push(scatter(column(0), column(j), a, sample, `embedding-${j}`));
  return out;
}
