/**
 * A ReportInput from a fitted detector and a table: scores, threshold, labels if given, the detector's
 * low-dimensional space and per-row feature contributions when the detector provides them.
 */
import type { Table } from '../data/table.js';
import type { Detector } from '../detectors/detector.js';
import type { ReportInput } from './types.js';

/** Optional capabilities a detector may have (DAGMM has both). */
interface Embeds { embed(x: Float32Array, rows: number): { names: string[]; values: Float32Array } }
interface Reconstructs { reconstructionErrors(x: Float32Array, rows: number): Float32Array }

function hasEmbed(d: unknown): d is Embeds { return typeof (d as Embeds).embed === 'function'; }
function hasReconstruction(d: unknown): d is Reconstructs { return typeof (d as Reconstructs).reconstructionErrors === 'function'; }

export interface BuildReportOptions { labels?: Uint8Array | null; top?: number; source?: string; title?: string; featuresPerRow?: number }

export function buildReportInput(det: Detector, table: Table, o: BuildReportOptions = {}): ReportInput {
  const m = det.transform(table);
  const scores = det.scoreTransformed(m.x, m.rows);
  const top = Math.min(o.top ?? 20, m.rows), perRow = o.featuresPerRow ?? 5;
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]).slice(0, top);
  const names = det.featureNames;
  const pre = det.preprocessing;
  let contributionMethod = 'not available for this detector';
  let contributionsOf = (_row: number): ReportInput['topAnomalies'][number]['contributions'] => [];
  if (hasReconstruction(det)) {
    const err = det.reconstructionErrors(m.x, m.rows);
    contributionMethod = 'per-feature squared reconstruction error (x_j - x\'_j)^2 on the preprocessed row, as a share of the row\'s total; the value shown is the raw value of the source column';
    contributionsOf = (row) => {
      const d = m.cols, e = err.subarray(row * d, (row + 1) * d);
      const total = e.reduce((a, b) => a + b, 0) || 1;
      return Array.from(e.keys()).sort((a, b) => e[b] - e[a]).slice(0, perRow).map((j) => {
        const src = pre.sourceColumnOf(j);
        const raw = table.column(src)[row];
        return { feature: names[j], value: raw === null || (typeof raw === 'number' && Number.isNaN(raw)) ? '(missing)' : typeof raw === 'boolean' ? String(raw) : raw, contribution: e[j] / total };
      });
    };
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
    topAnomalies: order.map((row) => ({ row: row + 1, score: scores[row], contributions: contributionsOf(row) })),
    contributionMethod,
  };
}
