/** The report's HTML tables: run summary, confusion matrix at the threshold, and the top anomalies. */
import type { Evaluation } from './analyse.js';
import { escapeMarkup as esc } from './escape.js';
import { formatCount, formatNumber } from './format.js';
import type { ReportInput } from './types.js';

/** Contributions shown per anomaly, largest |contribution| first; the rest are counted, not listed. */
export const MAX_CONTRIBUTIONS_SHOWN = 6;
const BAR_MAX_PX = 90;

const cellValue = (v: string | number, digits = 6): string => esc(typeof v === 'number' ? formatNumber(v, digits) : v);

export function summaryTable(input: ReportInput): string {
  const rows: [string, string | number][] = [
    ['detector', input.model.detector],
    ...Object.entries(input.model.summary),
    ['data source', input.data.source],
    ['rows', formatCount(input.data.rows)],
    ['columns', formatCount(input.data.columns)],
    ['score', `${input.scoreName} (higher = more anomalous)`],
    ['threshold', `${formatNumber(input.threshold, 6)}: ${input.thresholdRule}`],
  ];
  return `<table class="summary"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${cellValue(v)}</td></tr>`).join('')}</tbody></table>`;
}

export function confusionTable(e: Evaluation): string {
  const c = e.confusion;
  return (
    '<table class="confusion"><thead><tr><th></th><th scope="col">labelled anomaly</th><th scope="col">labelled normal</th></tr></thead><tbody>' +
    `<tr><th scope="row">flagged (score &gt; threshold)</th><td class="tp">TP ${formatCount(c.truePositives)}</td><td class="fp">FP ${formatCount(c.falsePositives)}</td></tr>` +
    `<tr><th scope="row">not flagged</th><td class="fn">FN ${formatCount(c.falseNegatives)}</td><td class="tn">TN ${formatCount(c.trueNegatives)}</td></tr>` +
    '</tbody></table>' +
    '<table class="rates"><tbody>' +
    `<tr><th scope="row">precision</th><td>${c.precision.toFixed(4)}</td></tr>` +
    `<tr><th scope="row">recall</th><td>${c.recall.toFixed(4)}</td></tr>` +
    `<tr><th scope="row">F1</th><td>${c.f1.toFixed(4)}</td></tr>` +
    '</tbody></table>'
  );
}

type TopAnomaly = ReportInput['topAnomalies'][number];

function contributionList(a: TopAnomaly, scale: number): string {
  const sorted = [...a.contributions].sort((p, q) => Math.abs(q.contribution) - Math.abs(p.contribution));
  const shown = sorted.slice(0, MAX_CONTRIBUTIONS_SHOWN);
  const items = shown.map((c) => {
    const w = scale > 0 ? Math.max(1, Math.round((Math.abs(c.contribution) / scale) * BAR_MAX_PX)) : 0;
    const sign = c.contribution < 0 ? 'neg' : 'pos';
    return `<li><span class="bar-slot"><span class="bar ${sign}" style="width:${w}px"></span></span><span class="contrib">${esc(formatNumber(c.contribution))}</span>` +
      `<span class="feature">${esc(c.feature)}</span> = <span class="value">${cellValue(c.value, 4)}</span></li>`;
  });
  const more = sorted.length - shown.length;
  if (more > 0) items.push(`<li class="more">and ${more} more</li>`);
  return `<ul class="contributions">${items.join('')}</ul>`;
}

export function topAnomaliesTable(input: ReportInput): string {
  if (input.topAnomalies.length === 0) return '<p class="note">No anomalies were listed.</p>';
  let scale = 0;
  for (const a of input.topAnomalies) for (const c of a.contributions) scale = Math.max(scale, Math.abs(c.contribution));
  const labels = input.labels;
  const head = '<tr><th scope="col" data-sort="num">rank</th><th scope="col" data-sort="num">row</th>' +
    `<th scope="col" data-sort="num">${esc(input.scoreName)}</th>${labels ? '<th scope="col">label</th>' : ''}` +
    '<th scope="col">largest contributions (contribution, feature = value)</th>' +
    (input.topAnomalies.some((a) => a.members) ? '<th scope="col">members (normalised score)</th>' : '') + '</tr>';
  const body = input.topAnomalies.map((a, i) => {
    const label = labels ? `<td>${a.row >= 1 && a.row <= labels.length ? (labels[a.row - 1] ? 'anomaly' : 'normal') : '?'}</td>` : '';
    return `<tr><td data-value="${i + 1}">${i + 1}</td><td data-value="${a.row}">${formatCount(a.row)}</td>` +
      `<td data-value="${a.score}">${esc(formatNumber(a.score, 6))}</td>${label}<td>${contributionList(a, scale)}</td>` +
      (a.members ? `<td><ul class="members">${a.members.map((m) => `<li>${esc(m.detector)} ${esc(formatNumber(m.score, 3))}</li>`).join('')}</ul></td>` : '') + '</tr>';
  });
  return `<table class="top sortable"><thead>${head}</thead><tbody>${body.join('')}</tbody></table>`;
}
