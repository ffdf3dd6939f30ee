// A report from synthetic data, to look at the renderer (run `npm run build:ts` first):
//   node scripts/example-report.mjs [out.html] [svg-dir]
// Two Gaussian clusters in six features plus uniformly scattered outliers (labelled 1). The score is half the
// squared distance to the nearer cluster centre; each feature's share of it is its contribution.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../dist/src/engine/rng.js';
import { renderPlotsSvg, renderReportHtml } from '../dist/src/report/index.js';

const [out = 'example-report.html', svgDir] = process.argv.slice(2);
const rng = new Rng(7);
const FEATURES = ['duration', 'src_bytes', 'dst_bytes', 'count', 'srv_count', 'error_rate'];
const D = FEATURES.length;
const centres = [[-1.5, -1, 0, 1, 0, -1], [1.5, 1, 1, -1, 1, 1]];
const normals = 4850, outliers = 150, n = normals + outliers;

const x = new Float64Array(n * D), labels = new Uint8Array(n);
for (let i = 0; i < n; i++) {
  const isOutlier = i >= normals;
  const c = centres[i % 2];
  for (let j = 0; j < D; j++) x[i * D + j] = isOutlier ? rng.range(-4, 4) : c[j] + rng.normal();
  labels[i] = isOutlier ? 1 : 0;
}
// Shuffle rows so the labelled anomalies are not all at the end.
for (let i = n - 1; i > 0; i--) {
  const k = rng.int(i + 1);
  for (let j = 0; j < D; j++) [x[i * D + j], x[k * D + j]] = [x[k * D + j], x[i * D + j]];
  [labels[i], labels[k]] = [labels[k], labels[i]];
}

const scores = new Float64Array(n), nearest = new Uint8Array(n);
for (let i = 0; i < n; i++) {
  const d2 = centres.map((c) => c.reduce((s, cj, j) => s + (x[i * D + j] - cj) ** 2, 0));
  nearest[i] = d2[0] <= d2[1] ? 0 : 1;
  scores[i] = Math.min(...d2) / 2;
}
const sorted = Float64Array.from(scores).sort();
const threshold = sorted[Math.floor(0.97 * n)];

// Embedding in the spirit of DAGMM's z: a 1-D code plus two reconstruction-error features.
const axis = centres[1].map((v, j) => v - centres[0][j]);
const axisNorm = Math.hypot(...axis);
const embedding = new Float32Array(n * 3);
for (let i = 0; i < n; i++) {
  const row = Array.from({ length: D }, (_, j) => x[i * D + j]);
  const c = centres[nearest[i]];
  const code = row.reduce((s, v, j) => s + v * axis[j], 0) / axisNorm;
  const relEuclid = Math.hypot(...row.map((v, j) => v - c[j])) / Math.hypot(...row);
  const cosine = row.reduce((s, v, j) => s + v * c[j], 0) / (Math.hypot(...row) * Math.hypot(...c));
  embedding.set([code, relEuclid, cosine], i * 3);
}

const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]).slice(0, 8);
const topAnomalies = order.map((row) => ({
  row,
  score: scores[row],
  contributions: FEATURES.map((feature, j) => ({
    feature,
    value: x[row * D + j],
    contribution: (x[row * D + j] - centres[nearest[row]][j]) ** 2 / 2,
  })),
}));

const input = {
  title: 'Example: two clusters with scattered outliers',
  generatedAt: new Date(Date.UTC(2026, 0, 15, 9, 30)).toISOString(),
  model: { detector: 'nearest-centre distance (synthetic stand-in for DAGMM)', summary: { clusters: 2, features: D, seed: 7, 'training time': '0.0 s' } },
  data: { source: 'synthetic (scripts/example-report.mjs)', rows: n, columns: D },
  scoreName: 'half squared distance',
  scores,
  threshold,
  thresholdRule: '97th percentile of the scores',
  labels,
  embedding: { names: ['z_c', 'relative euclidean', 'cosine similarity'], values: embedding },
  topAnomalies,
  contributionMethod: "Each feature's share of the score: half its squared deviation from the nearer cluster centre (the shares sum to the score).",
};

writeFileSync(out, renderReportHtml(input));
console.log(`wrote ${out}`);
if (svgDir) {
  mkdirSync(svgDir, { recursive: true });
  for (const [key, svg] of Object.entries(renderPlotsSvg(input))) writeFileSync(join(svgDir, `${key}.svg`), svg);
  console.log(`wrote the plots as SVG under ${svgDir}`);
}
