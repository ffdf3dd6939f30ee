/**
 * The report's views as separate pieces for an interactive page (the web app): the same figures, captions and
 * tables as the HTML report, rendered for whatever threshold the page holds, plus the histogram's axis so a
 * pointer position can be turned back into a score (a draggable threshold).
 */
import { analyseReport } from './analyse.js';
import { escapeMarkup as esc } from './escape.js';
import { buildFigures } from './figures.js';
import { formatCount } from './format.js';
import type { Figure } from './plot-scores.js';
import { confusionTable, summaryTable, topAnomaliesTable } from './tables.js';
import type { ReportInput } from './types.js';

export interface ReportView { key: string; svg: string; caption: string }

export interface ReportViews {
  rows: number;
  /** Rows scoring above input.threshold. */
  flaggedCount: number;
  summary: string;
  /** Histogram and empirical CDF. */
  scores: ReportView[];
  /** ROC and precision-recall (empty without labels holding both classes). */
  evaluation: ReportView[];
  /** The confusion matrix and rates at the threshold, with a sentence on the labels; null without labels. */
  confusion: string | null;
  /** The detector's learned space (empty when it has none). */
  embedding: ReportView[];
  /** The top-anomalies table with per-feature contributions. */
  topAnomalies: string;
  /** The histogram's x axis: the score domain and the pixel span it covers in the SVG's viewBox of `width`. */
  scoreAxis: { domain: [number, number]; pixels: [number, number]; width: number };
}

const view = (f: Figure): ReportView => ({ key: f.key, svg: f.plot.toSvg(false), caption: f.caption });

export function reportViews(input: ReportInput): ReportViews {
  const a = analyseReport(input);
  const figs = buildFigures(input, a);
  const hist = figs.scores[0].plot;
  const e = a.evaluation;
  const confusion = e
    ? `<p>${formatCount(e.anomalies)} of ${formatCount(a.n)} rows are labelled anomalies.</p>${e.note ? `<p class="note">${esc(e.note)}</p>` : ''}${confusionTable(e)}`
    : null;
  return {
    rows: a.n,
    flaggedCount: a.flaggedCount,
    summary: summaryTable(input),
    scores: figs.scores.map(view),
    evaluation: figs.evaluation.map(view),
    confusion,
    embedding: figs.embedding.map(view),
    topAnomalies: topAnomaliesTable(input),
    scoreAxis: { domain: [hist.x.domain[0], hist.x.domain[1]], pixels: [hist.x.range[0], hist.x.range[1]], width: hist.size.width },
  };
}
