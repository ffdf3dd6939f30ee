// Fit and score throughput of knn and lof against scikit-learn on the same rows in the same run. Data: seeded
// Gaussian clusters (20 centres, N(0, 4^2 I) apart, unit spread) in d dimensions, float32; the detectors get
// them unscaled (preprocessing scaling none) so both sides see identical values. Fit = the model plus the
// training rows' scores (PyOD's decision_scores_, scikit-learn's negative_outlier_factor_); score = new rows.
// Ratios are scikit-learn seconds / ours (> 1: we are faster), wall and CPU (all threads; CPU is the steadier
// one on a loaded machine); maxRelDiff compares the scores.
//   nice node dist/bench/neighbors.js [--sizes 2000,5000,10000] [--dims 50] [--python /usr/bin/python3]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendInfo, useBestBackend } from '../src/backend-node.js';
import type { Detector } from '../src/detectors/detector.js';
import { KnnDetector } from '../src/detectors/knn/detector.js';
import { LofDetector } from '../src/detectors/lof/detector.js';
import { Rng } from '../src/engine/rng.js';

const arg = (name: string, fallback: string): string => { const i = process.argv.indexOf(`--${name}`); return i >= 0 ? process.argv[i + 1] : fallback; };
const sizes = arg('sizes', '2000,5000,10000').split(',').map(Number);
const dims = Number(arg('dims', '50'));
const python = arg('python', '/usr/bin/python3');
const KNN_K = 5, LOF_K = 20;

function clusters(n: number, d: number, rng: Rng, centres: Float32Array): Float32Array {
  const x = new Float32Array(n * d), k = centres.length / d;
  for (let i = 0; i < n; i++) {
    const c = rng.int(k);
    for (let a = 0; a < d; a++) x[i * d + a] = centres[c * d + a] + rng.normal();
  }
  return x;
}

function maxRelDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1e-12, Math.abs(b[i])));
  return m;
}

/** Result, wall seconds and CPU seconds of this process (all threads: the native gemm's too). */
function time<T>(f: () => T): [T, number, number] {
  const t = performance.now(), c = process.cpuUsage();
  const v = f();
  const u = process.cpuUsage(c);
  return [v, (performance.now() - t) / 1000, (u.user + u.system) / 1e6];
}

const backend = useBestBackend();
const dir = mkdtempSync(join(tmpdir(), 'aberrant-neighbors-'));
const results: Record<string, unknown>[] = [];
try {
  for (const n of sizes) {
    const rng = new Rng(n), nt = Math.round(n / 4);
    const centres = Float32Array.from({ length: 20 * dims }, () => 4 * rng.normal());
    const train = clusters(n, dims, rng, centres), test = clusters(nt, dims, rng, centres);
    writeFileSync(join(dir, 'train.f32'), train);
    writeFileSync(join(dir, 'test.f32'), test);
    const [, skWall] = time(() => execFileSync(python, [new URL('../../bench/sklearn/neighbors.py', import.meta.url).pathname, dir, String(n), String(nt), String(dims), String(KNN_K), String(LOF_K)], { stdio: 'inherit' }));
    const sk = JSON.parse(readFileSync(join(dir, 'sklearn.json'), 'utf8')) as Record<string, { fitS: number; scoreS: number; fitCpuS: number; scoreCpuS: number; algorithm: string }> & { sklearn: string };
    const row: Record<string, unknown> = { rows: n, testRows: nt, features: dims, sklearnWallS: skWall };
    const read = (f: string) => new Float64Array(Uint8Array.from(readFileSync(join(dir, f))).buffer);
    for (const [name, make] of [['knn', () => new KnnDetector({ nNeighbors: KNN_K, preprocessing: { scaling: 'none' } })], ['lof', () => new LofDetector({ nNeighbors: LOF_K, preprocessing: { scaling: 'none' } })]] as const) {
      const [det, fitS, fitCpuS] = time(() => (make() as Detector & { trainingScores: Float64Array | null }).fit({ data: train, rows: n, cols: dims }));
      const [scores, scoreS, scoreCpuS] = time(() => det.scoreSamples({ data: test, rows: nt, cols: dims }));
      const ref = sk[name];
      row[name] = {
        fitS, scoreS, fitCpuS, scoreCpuS, sklearnFitS: ref.fitS, sklearnScoreS: ref.scoreS, sklearnFitCpuS: ref.fitCpuS, sklearnScoreCpuS: ref.scoreCpuS,
        sklearnAlgorithm: ref.algorithm, fitRatio: ref.fitS / fitS, scoreRatio: ref.scoreS / scoreS, fitCpuRatio: ref.fitCpuS / fitCpuS, scoreCpuRatio: ref.scoreCpuS / scoreCpuS,
        maxRelDiffTrain: maxRelDiff(det.trainingScores!, read(`${name}.train.f64`)), maxRelDiffTest: maxRelDiff(scores, read(`${name}.test.f64`)),
      };
    }
    results.push(row);
    process.stderr.write(`${JSON.stringify(row)}\n`);
    if (results.length === 1) results[0].sklearn = sk.sklearn;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const last = results[results.length - 1] as Record<'knn' | 'lof', { fitRatio: number; scoreRatio: number; fitCpuRatio: number; scoreCpuRatio: number }>;
const pair = (r: { fitRatio: number; scoreRatio: number; fitCpuRatio: number; scoreCpuRatio: number }) =>
  `fit ${r.fitRatio.toFixed(2)}x (CPU ${r.fitCpuRatio.toFixed(2)}x), score ${r.scoreRatio.toFixed(2)}x (CPU ${r.scoreCpuRatio.toFixed(2)}x)`;
console.log(JSON.stringify({
  bench: 'neighbors', backend, threads: backendInfo().threads, knnK: KNN_K, lofK: LOF_K,
  headline: `at ${sizes[sizes.length - 1]} x ${dims}, scikit-learn's seconds over ours (> 1: we are faster): knn ${pair(last.knn)}; lof ${pair(last.lof)}`,
  results,
}, null, 1));
