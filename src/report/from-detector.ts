/**
 * A ReportInput from a fitted detector and a table: scores, threshold, labels if given, the detector's
 * low-dimensional space and per-row feature contributions when the detector provides them.
 */
import type { Table } from '../data/table.js';
import type { Detector } from '../detectors/detector.js';
import { DEFAULT_CONTRIBUTIONS_PER_ROW, featureContributions } from './contributions.js';
import type { ReportInput } from './types.js';

/** Optional capability a detector may have (DAGMM has it); contributions: see contributions.ts. */
interface Embeds { embed(x: Float32Array, rows: number): { names: string[]; values: Float32Array } }

function hasEmbed(d: unknown): d is Embeds { return typeof (d as Embeds).embed === 'function'; }

export interface BuildReportOptions { labels?: Uint8Array | null; top?: number; source?: string; title?: string; featuresPerRow?: number }

export function buildReportInput(det: Detector, table: Table, o: BuildReportOptions = {}): ReportInput {
  const m = det.transform(table);
  const scores = det.scoreTransformed(m.x, m.rows);
  const top = Math.min(o.top ?? 20, m.rows), perRow = o.featuresPerRow ?? DEFAULT_CONTRIBUTIONS_PER_ROW;
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]).slice(0, top);
  const contributions = featureContributions(det, table, m.x, m.rows, perRow);
  const resolved = det.resolvedConfig();
  const summary: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(resolved)) if (k !== 'auto') summary[k] = typeof v === 'number' || typeof v === 'string' ? v : JSON.stringify(v);
  if (det.training) { summary['training rows'] = det.training.rows; summary['training seconds'] = Number(det.training.seconds.toFixed(2)); }
  return {
    title: o.title ?? `${det.name} report`,
    generatedAt: new Date().toISOString(),
    model: { detector: det.name, summary },
    data: { source: o.source ?? table.source, rows: table.rowCount, columns: table.names.length },
    scoreName: det.scoreName,
    scores,
    threshold: det.threshold,
    thresholdRule: det.thresholdRule,
    labels: o.labels ?? null,
    embedding: hasEmbed(det) ? det.embed(m.x, m.rows) : null,
    topAnomalies: order.map((row) => ({ row: row + 1, score: scores[row], contributions: contributions.of(row) })),
    contributionMethod: contributions.method,
  };
}
