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

/** Optional capability of ensembles (auto): each member's normalised scores for preprocessed rows. */
interface HasMembers { fittedMembers: readonly { detector: string }[]; memberScores(x: Float32Array, rows: number, cols: number): Float64Array[] }

function hasMembers(d: unknown): d is HasMembers { return typeof (d as HasMembers).memberScores === 'function'; }

export interface BuildReportOptions { labels?: Uint8Array | null; top?: number; source?: string; title?: string; featuresPerRow?: number }

export function buildReportInput(det: Detector, table: Table, o: BuildReportOptions = {}): ReportInput {
  const m = det.transform(table);
  const scores = det.scoreTransformed(m.x, m.rows);
  const top = Math.min(o.top ?? 20, m.rows), perRow = o.featuresPerRow ?? DEFAULT_CONTRIBUTIONS_PER_ROW;
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]).slice(0, top);
  const contributions = featureContributions(det, table, m.x, m.rows, perRow);
  // Members' scores for the listed rows only: one more scoring pass over top rows, not the table.
  let members: ((i: number) => { detector: string; score: number }[]) | null = null;
  if (hasMembers(det) && order.length > 0) {
    const d = m.cols, sub = new Float32Array(order.length * d);
    order.forEach((row, i) => sub.set(m.x.subarray(row * d, (row + 1) * d), i * d));
    const per = det.memberScores(sub, order.length, d), names = det.fittedMembers.map((x) => x.detector);
    members = (i) => names.map((detector, k) => ({ detector, score: per[k][i] }));
  }
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
    topAnomalies: order.map((row, i) => ({ row: row + 1, score: scores[row], contributions: contributions.of(row), ...(members ? { members: members(i) } : {}) })),
    contributionMethod: contributions.method,
  };
}
