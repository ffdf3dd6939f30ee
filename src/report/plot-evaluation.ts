/** ROC and precision-recall plots against the labels, each with the operating point of the report's threshold. */
import type { Evaluation } from './analyse.js';
import { formatCount, formatNumber, formatPercent } from './format.js';
import { COLORS } from './palette.js';
import type { Figure } from './plot-scores.js';
import { Plot, type LegendItem } from './svg.js';

type Curves = NonNullable<Evaluation['curves']>;

const UNIT_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

export function rocFigure(curves: Curves, e: Evaluation): Figure {
  const plot = new Plot(
    `ROC curve (AUROC ${curves.auroc.toFixed(4)})`,
    { label: 'false-positive rate', domain: [0, 1], ticks: UNIT_TICKS },
    { label: 'true-positive rate (recall)', domain: [0, 1], ticks: UNIT_TICKS },
  );
  plot.line([0, 1], [0, 1], { color: COLORS.chance, width: 1.2, dash: '5 4' });
  plot.line(curves.roc.fpr, curves.roc.tpr, { color: COLORS.normal, width: 2.2 });
  const c = e.confusion;
  const fpr = c.falsePositives / Math.max(1, c.falsePositives + c.trueNegatives);
  plot.dots([fpr], [c.recall], COLORS.anomaly, 9);
  plot.legend([
    { label: 'detector', color: COLORS.normal, kind: 'line' },
    { label: 'chance', color: COLORS.chance, kind: 'dashed' },
    { label: `at threshold: TPR ${formatNumber(c.recall, 3)}, FPR ${formatNumber(fpr, 3)}`, color: COLORS.anomaly, kind: 'dot' },
  ], 'bottom-right');
  const caption = `Each point flags the rows scoring at or above one distinct score (${formatCount(curves.roc.fpr.length - 1)} distinct scores; tied rows move together). ` +
    'The area uses trapezoids, which counts ties as one half.';
  return { key: 'roc', plot, caption };
}

export function precisionRecallFigure(curves: Curves, e: Evaluation, n: number): Figure {
  const rate = e.anomalies / n;
  const plot = new Plot(
    `Precision-recall (average precision ${curves.averagePrecision.toFixed(4)})`,
    { label: 'recall', domain: [0, 1], ticks: UNIT_TICKS },
    { label: 'precision', domain: [0, 1], ticks: UNIT_TICKS },
  );
  plot.line([0, 1], [rate, rate], { color: COLORS.chance, width: 1.2, dash: '5 4' });
  plot.line(curves.pr.recall, curves.pr.precision, { color: COLORS.normal, width: 2.2, step: 'vh' });
  const c = e.confusion;
  const legend: LegendItem[] = [
    { label: 'detector', color: COLORS.normal, kind: 'line' },
    { label: `chance (anomaly rate ${formatPercent(rate)})`, color: COLORS.chance, kind: 'dashed' },
  ];
  // Precision is undefined when the threshold flags nothing, so there is no point to mark then.
  if (c.truePositives + c.falsePositives > 0) {
    plot.dots([c.recall], [c.precision], COLORS.anomaly, 9);
    legend.push({ label: `at threshold: P ${formatNumber(c.precision, 3)}, R ${formatNumber(c.recall, 3)}`, color: COLORS.anomaly, kind: 'dot' });
  }
  plot.legend(legend, 'bottom-left');
  const caption = 'Precision is drawn as a step over each recall interval, so the area under the steps is the average precision.';
  return { key: 'precision-recall', plot, caption };
}
