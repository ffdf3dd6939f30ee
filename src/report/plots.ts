/** The report's plots as standalone SVG documents (for docs, or to save next to the HTML). */
import { analyseReport } from './analyse.js';
import { buildFigures } from './figures.js';
import type { ReportInput } from './types.js';

/**
 * Keys: 'score-histogram', 'score-cdf', then 'roc' and 'precision-recall' when the labels hold both
 * classes, then 'embedding-1', 'embedding-2', ... (first embedding column against column j).
 */
export function renderPlotsSvg(input: ReportInput): Record<string, string> {
  const f = buildFigures(input, analyseReport(input));
  const out: Record<string, string> = {};
  for (const fig of [...f.scores, ...f.evaluation, ...f.embedding]) {
    out[fig.key] = `<?xml version="1.0" encoding="UTF-8"?>\n${fig.plot.toSvg(true)}\n`;
  }
  return out;
}
