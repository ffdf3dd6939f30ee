/** Every figure of a report, grouped by the section that shows it. */
import type { ReportAnalysis } from './analyse.js';
import { embeddingFigures } from './plot-embedding.js';
import { precisionRecallFigure, rocFigure } from './plot-evaluation.js';
import { scoreCdf, scoreHistogram, type Figure } from './plot-scores.js';
import type { ReportInput } from './types.js';

export interface ReportFigures { scores: Figure[]; evaluation: Figure[]; embedding: Figure[] }

export function buildFigures(input: ReportInput, a: ReportAnalysis): ReportFigures {
  const curves = a.evaluation?.curves;
  return {
    scores: [scoreHistogram(input, a), scoreCdf(input, a)],
    evaluation: curves && a.evaluation ? [rocFigure(curves, a.evaluation), precisionRecallFigure(curves, a.evaluation, a.n)] : [],
    embedding: embeddingFigures(input, a),
  };
}
