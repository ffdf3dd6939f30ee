/**
 * One self-contained HTML report: inline CSS, inline SVG and a few lines of inline script, nothing fetched,
 * so the file can be mailed, archived and opened offline.
 */
import { analyseReport } from './analyse.js';
import { escapeMarkup as esc } from './escape.js';
import { buildFigures } from './figures.js';
import { formatCount } from './format.js';
import type { Figure } from './plot-scores.js';
import { SORT_SCRIPT } from './sort-script.js';
import { REPORT_CSS } from './style.js';
import { confusionTable, summaryTable, topAnomaliesTable } from './tables.js';
import type { ReportInput } from './types.js';

function figureHtml(f: Figure): string {
  return `<figure id="fig-${f.key}">${f.plot.toSvg(false)}<figcaption>${esc(f.caption)}</figcaption></figure>`;
}

const figuresHtml = (figs: Figure[]): string => `<div class="figures">${figs.map(figureHtml).join('')}</div>`;

export function renderReportHtml(input: ReportInput): string {
  const a = analyseReport(input);
  const figs = buildFigures(input, a);
  const sections: string[] = [];

  const labelNote = input.labels ? '' : '<p class="note">No labels were given, so there is no ROC, precision-recall or confusion-matrix section.</p>';
  sections.push(`<section id="scores"><h2>Scores</h2>${figuresHtml(figs.scores)}${labelNote}</section>`);

  const e = a.evaluation;
  if (e) {
    const note = e.note ? `<p class="note">${esc(e.note)}</p>` : '';
    sections.push(
      '<section id="evaluation"><h2>Against the labels</h2>' +
      `<p>${formatCount(e.anomalies)} of ${formatCount(a.n)} rows are labelled anomalies.</p>${note}` +
      (figs.evaluation.length ? figuresHtml(figs.evaluation) : '') +
      `<h3>Confusion matrix at the threshold</h3><div class="confusion-wrap">${confusionTable(e)}</div></section>`,
    );
  }

  if (figs.embedding.length) {
    const d = input.embedding!.names.length;
    const what = d === 1 ? `its single column against ${esc(input.scoreName)}` : 'the first column against each of the others';
    sections.push(
      '<section id="embedding"><h2>Low-dimensional representation</h2>' +
      `<p>Each row's representation (${input.embedding!.names.map(esc).join(', ')}), ${what}; ` +
      `${a.highlightName === 'flagged' ? 'rows above the threshold' : 'labelled anomalies'} are drawn on top in orange.</p>` +
      `${figuresHtml(figs.embedding)}</section>`,
    );
  }

  sections.push(
    `<section id="top-anomalies"><h2>Top anomalies</h2><p class="method">${esc(input.contributionMethod)}</p>` +
    `${topAnomaliesTable(input)}<p class="note">Rows are numbered from 1, as in <code>aberrant score</code>; click a numeric header to sort.</p></section>`,
  );

  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${esc(input.title)}</title><style>${REPORT_CSS}</style></head><body><main>` +
    `<header id="summary"><h1>${esc(input.title)}</h1><p class="meta">Generated ${esc(input.generatedAt)}</p>${summaryTable(input)}</header>` +
    sections.join('') +
    '<footer>Aberrant anomaly report: a single self-contained file.</footer>' +
    `</main><script>${SORT_SCRIPT}</script></body></html>\n`
  );
}
