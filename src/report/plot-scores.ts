/** The score plots: a histogram with the threshold, and the empirical CDF (the DAGMM paper's Figure 4). */
import type { ReportAnalysis } from './analyse.js';
import { formatCount, formatNumber, formatPercent } from './format.js';
import { defaultBinCount, histogram, type Histogram } from './histogram.js';
import { COLORS } from './palette.js';
import { Plot, type LegendItem } from './svg.js';
import { niceCeil } from './ticks.js';
import type { ReportInput } from './types.js';

export interface Figure { key: string; plot: Plot; caption: string }

/** Log-scale the count axis when the fullest bin holds this many times the emptiest non-empty one. */
const LOG_Y_RATIO = 100;

export function scoreHistogram(input: ReportInput, a: ReportAnalysis): Figure & { histogram: Histogram; logY: boolean } {
  const h = histogram(a.sortedScores, a.scoreRange, defaultBinCount(a.n));
  let max = 0, minNonZero = Infinity;
  for (const c of h.counts) { if (c > max) max = c; if (c > 0 && c < minNonZero) minNonZero = c; }
  const logY = max / minNonZero >= LOG_Y_RATIO;
  // On a log axis bars rise from 0.7 so a bin holding a single row is still visible.
  const base = logY ? 0.7 : 0;
  const plot = new Plot(
    `Histogram of ${input.scoreName}`,
    { label: input.scoreName, domain: a.scoreRange },
    logY ? { label: 'rows (log scale)', domain: [base, max * 1.6], log: true } : { label: 'rows', domain: [0, niceCeil(max)] },
  );
  const bars: string[] = [];
  let anyAbove = false;
  for (let b = 0; b < h.counts.length; b++) {
    if (h.counts[b] === 0) continue;
    const x0 = plot.x.map(h.edges[b]), x1 = plot.x.map(h.edges[b + 1]);
    const y0 = plot.y.map(base), y1 = plot.y.map(h.counts[b]);
    // A bin wholly above the threshold holds only flagged rows.
    const above = h.edges[b] >= input.threshold;
    anyAbove ||= above;
    const w = Math.max(0.8, x1 - x0 - (x1 - x0 > 4 ? 1 : 0));
    bars.push(`<rect x="${x0.toFixed(1)}" y="${y1.toFixed(1)}" width="${w.toFixed(1)}" height="${Math.max(0, y0 - y1).toFixed(1)}" fill="${above ? COLORS.anomaly : COLORS.neutral}"/>`);
  }
  plot.add(bars.join(''));
  plot.verticalLine(input.threshold, `threshold ${formatNumber(input.threshold)}`);
  const legend: LegendItem[] = [{ label: 'rows per bin', color: COLORS.neutral, kind: 'box' }];
  if (anyAbove) legend.push({ label: 'bin above threshold', color: COLORS.anomaly, kind: 'box' });
  plot.legend(legend, input.threshold > (a.scoreRange[0] + a.scoreRange[1]) / 2 ? 'top-left' : 'top-right');
  const width = h.edges[1] - h.edges[0];
  const caption =
    `${formatCount(a.flaggedCount)} of ${formatCount(a.n)} rows (${formatPercent(a.flaggedCount / a.n)}) score above the threshold ` +
    `${formatNumber(input.threshold)} (${input.thresholdRule}). ${h.counts.length} bins of width ${formatNumber(width)}` +
    (logY ? `; the count axis is log-scaled because bin counts range from ${formatCount(minNonZero)} to ${formatCount(max)}.` : '.');
  return { key: 'score-histogram', plot, caption, histogram: h, logY };
}

/** Empirical CDF points of ascending values: one per distinct value, padded to the ends of the axis. */
export function ecdfPoints(sorted: Float64Array, range: readonly [number, number]): { xs: Float64Array; ys: Float64Array } {
  const xs: number[] = [range[0]], ys: number[] = [0];
  const m = sorted.length;
  for (let i = 0; i < m; i++) {
    if (i + 1 < m && sorted[i + 1] === sorted[i]) continue;
    xs.push(sorted[i]); ys.push((i + 1) / m);
  }
  xs.push(range[1]); ys.push(m > 0 ? 1 : 0);
  return { xs: Float64Array.from(xs), ys: Float64Array.from(ys) };
}

/** How many of the ascending values are <= t. */
export function countAtOrBelow(sorted: Float64Array, t: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (sorted[mid] <= t) lo = mid + 1; else hi = mid; }
  return lo;
}

export function scoreCdf(input: ReportInput, a: ReportAnalysis): Figure {
  const plot = new Plot(
    `Empirical CDF of ${input.scoreName}`,
    { label: input.scoreName, domain: a.scoreRange },
    { label: 'fraction of rows at or below', domain: [0, 1] },
  );
  const t = input.threshold;
  let caption: string;
  const series = a.byClass
    ? [
      { name: 'normal (label 0)', values: a.byClass.normal, color: COLORS.normal },
      { name: 'anomaly (label 1)', values: a.byClass.anomaly, color: COLORS.anomaly },
    ].filter((s) => s.values.length > 0)
    : [{ name: 'all rows', values: a.sortedScores, color: COLORS.normal }];
  for (const s of series) {
    const { xs, ys } = ecdfPoints(s.values, a.scoreRange);
    plot.line(xs, ys, { color: s.color, width: 2, step: 'hv' });
  }
  plot.verticalLine(t, `threshold ${formatNumber(t)}`);
  plot.legend(series.map((s) => ({ label: `${s.name}, ${formatCount(s.values.length)} rows`, color: s.color, kind: 'line' as const })), 'bottom-right');
  if (a.byClass) {
    const below = series.map((s) => `${formatPercent(countAtOrBelow(s.values, t) / s.values.length)} of ${s.name.split(' ')[0]} rows`);
    caption = `At the threshold the curves read ${below.join(' and ')} at or below it: the gap between them is what the threshold separates.`;
  } else {
    caption = `${formatPercent(countAtOrBelow(a.sortedScores, t) / a.n)} of rows score at or below the threshold; the flagged rows are the part of the curve to its right.`;
  }
  return { key: 'score-cdf', plot, caption };
}
