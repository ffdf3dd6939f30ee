/** Small ReportInputs for the report tests, built by hand so the expected numbers can be worked out. */
import { Rng } from '../../src/engine/rng.js';
import type { ReportInput } from '../../src/report/types.js';

/** Eight rows, scores 1..8, threshold 5.5 (rows 5, 6, 7 flagged); rows 6 and 7 and row 2 are labelled anomalies. */
export function smallInput(overrides: Partial<ReportInput> = {}): ReportInput {
  const n = 8;
  return {
    title: 'Small test report',
    generatedAt: '2026-01-15T09:30:00.000Z',
    model: { detector: 'DAGMM', summary: { network: 'FC(6,4,tanh)-FC(4,1)', epochs: 10 } },
    data: { source: 'unit test', rows: n, columns: 3 },
    scoreName: 'sample energy',
    scores: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
    threshold: 5.5,
    thresholdRule: 'fixed for the test',
    labels: Uint8Array.from([0, 0, 1, 0, 0, 0, 1, 1]),
    embedding: { names: ['z_c', 'relative euclidean', 'cosine'], values: Float32Array.from({ length: n * 3 }, (_, i) => (i % 7) / 7) },
    topAnomalies: [
      { row: 8, score: 8, contributions: [{ feature: 'bytes', value: 1200, contribution: 0.75 }, { feature: 'proto', value: 'udp', contribution: -0.25 }] },
      { row: 7, score: 7, contributions: [{ feature: 'bytes', value: 10, contribution: 0.5 }] },
    ],
    contributionMethod: 'Squared reconstruction error per feature.',
    ...overrides,
  };
}

/** n rows: normal scores around 0 and about 5% labelled anomalies around 3, a 3-column embedding. */
export function randomInput(n: number, seed = 1): ReportInput {
  const rng = new Rng(seed);
  const scores = new Float64Array(n), labels = new Uint8Array(n), values = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.uniform() < 0.05 ? 1 : 0;
    scores[i] = rng.normal() + 3 * labels[i];
    values[i * 3] = rng.normal(); values[i * 3 + 1] = rng.normal() + labels[i]; values[i * 3 + 2] = rng.uniform();
  }
  return smallInput({ scores, labels, threshold: 2, embedding: { names: ['z_c', 'relative euclidean', 'cosine'], values }, data: { source: 'random', rows: n, columns: 3 } });
}
