// How the one-class SVM's solvers scale with the training rows, on KDDCUP rows (120 columns after encoding,
// min-max scaled by the detector): fit seconds, solver steps and expansion size of the exact SMO solver and of
// the Nystroem solver (wall and CPU seconds of fit, which includes scoring the fitted rows once), and how far the Nystroem scores are from the exact ones (Pearson correlation of the
// scores of the fitted rows) where both ran. This is what AUTO_ROW_LIMIT in src/detectors/ocsvm/detector.ts
// is chosen from. Prints one JSON line per run.
//   nice node dist/bench/ocsvm-scaling.js [--rows 2000,5000,10000] [--nu 0.1,0.5] [--solvers smo,nystroem] [--components 300]
import { loadPaperDataset } from '../src/data/datasets/bundled.js';
import { Rng } from '../src/engine/rng.js';
import { OneClassSvmDetector } from '../src/detectors/ocsvm/detector.js';

function list(name: string, fallback: string): string[] {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1] : fallback).split(',');
}

function pearson(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) { const x = a[i] - ma, y = b[i] - mb; sab += x * y; saa += x * x; sbb += y * y; }
  return sab / Math.sqrt(saa * sbb);
}

const data = loadPaperDataset('kddcup').base;
const components = Number(list('components', '300')[0]);
for (const rows of list('rows', '2000,5000,10000').map(Number)) {
  const pick = new Rng(1).permutation(data.rows).subarray(0, rows);
  const x = new Float32Array(rows * data.cols);
  pick.forEach((r, i) => x.set(data.x.subarray(r * data.cols, (r + 1) * data.cols), i * data.cols));
  const m = { data: x, rows, cols: data.cols };
  for (const nu of list('nu', '0.1,0.5').map(Number)) {
    const scores = new Map<string, Float64Array>();
    for (const solver of list('solvers', 'smo,nystroem')) {
      const t0 = performance.now(), c0 = process.cpuUsage();
      const det = new OneClassSvmDetector({ nu, solver: solver as 'smo' | 'nystroem', components, seed: 1 }).fit(m);
      const fitSeconds = (performance.now() - t0) / 1000, c1 = process.cpuUsage(c0);
      const fitCpuSeconds = (c1.user + c1.system) / 1e6;
      const t1 = performance.now();
      const s = det.scoreSamples(m);
      const scoreSeconds = (performance.now() - t1) / 1000;
      scores.set(solver, s);
      const r = det.resolvedConfig();
      const exact = scores.get('smo');
      console.log(JSON.stringify({
        rows, cols: data.cols, nu, solver, fitSeconds: +fitSeconds.toFixed(2), fitCpuSeconds: +fitCpuSeconds.toFixed(2), scoreSeconds: +scoreSeconds.toFixed(2),
        iterations: r.iterations, converged: r.converged, vectors: r.vectors, supportVectors: r.supportVectors, gamma: r.gamma,
        ...(solver !== 'smo' && exact ? { pearsonWithExact: +pearson(exact, s).toFixed(4) } : {}),
      }));
    }
  }
}
