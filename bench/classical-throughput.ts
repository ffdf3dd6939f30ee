/**
 * Fit and score throughput of the classical detectors against scikit-learn on the same data, in one run
 * (issue 12: each must handle 500,000 x 50 rows on the 2-core machine). The data: seeded rows from a
 * correlated Gaussian (a random 50 x 50 mixing of independent normals) with 1% of the rows moved off it, so
 * both sides' AUROC shows that the scores mean the same thing. Each detector fits on every row and scores
 * the same rows (the unsupervised setting). scikit-learn runs in its own process per estimator
 * (bench/sklearn/throughput.py, Debian's /usr/bin/python3 with python3-sklearn), with a time limit.
 *
 *   node dist/bench/classical-throughput.js [--rows 500000] [--cols 50] [--models iforest,pca,...]
 *     [--seed 1] [--limit 900] [--python /usr/bin/python3]
 *
 * Prints one JSON object: per model, Aberrant's and scikit-learn's fit and score seconds, rows per second,
 * AUROC, and the ratio scikit-learn seconds / Aberrant seconds (above 1 = Aberrant faster), for wall time and for
 * process CPU time (steadier when other jobs share the cores; Aberrant's native kernels may use 2 threads).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendInfo, useBestBackend } from '../src/backend-node.js';
import { Rng } from '../src/engine/rng.js';
import { createDetector, detectorNames } from '../src/detectors/registry.js';
import { auroc } from '../src/metrics/ranking.js';
import { CLASSICAL_DETECTORS } from './datasets.js';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : fallback; };
const rows = Number(opt('rows', '500000')), cols = Number(opt('cols', '50')), seed = Number(opt('seed', '1'));
const limit = Number(opt('limit', '900')), python = opt('python', '/usr/bin/python3');
const models = opt('models', CLASSICAL_DETECTORS.filter((m) => detectorNames().includes(m)).join(',')).split(',');
/** scikit-learn's counterpart per detector (bench/sklearn/throughput.py; eif: IsolationForest, the axis-parallel forest); ECOD, COPOD and HBOS are PyOD's, not installable here. */
const SKLEARN: Record<string, string> = { iforest: 'iforest', eif: 'iforest', knn: 'knn', lof: 'lof', pca: 'pca', gmm: 'gmm', ocsvm: 'ocsvm' };

function data(): { x: Float32Array; labels: Uint8Array } {
  const rng = new Rng(seed), x = new Float32Array(rows * cols), labels = new Uint8Array(rows);
  const mix = Float64Array.from({ length: cols * cols }, () => rng.normal() / Math.sqrt(cols));
  const z = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) z[j] = rng.normal();
    const anomaly = rng.uniform() < 0.01;
    labels[i] = anomaly ? 1 : 0;
    for (let j = 0; j < cols; j++) {
      let v = 0;
      for (let k = 0; k < cols; k++) v += mix[j * cols + k] * z[k];
      // Anomalies: independent noise of the same overall scale, off the correlation structure.
      x[i * cols + j] = anomaly ? 1.5 * rng.normal() : v;
    }
  }
  return { x, labels };
}

useBestBackend('auto');
const { x, labels } = data();
const dir = mkdtempSync(join(tmpdir(), 'aberrant-throughput-'));
const xPath = join(dir, 'x.f32');
writeFileSync(xPath, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
const results: Record<string, unknown> = {};
try {
  for (const m of models) {
    const t0 = performance.now(), c0 = process.cpuUsage();
    let ours: Record<string, unknown>;
    try {
      const det = createDetector(m, { seed }).fit({ data: x, rows, cols });
      const t1 = performance.now(), c1 = process.cpuUsage();
      const s = det.scoreSamples({ data: x, rows, cols });
      const t2 = performance.now(), c2 = process.cpuUsage();
      const fit = (t1 - t0) / 1000, score = (t2 - t1) / 1000;
      const cpu = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user + b.system - a.user - a.system) / 1e6;
      ours = { fitSeconds: fit, scoreSeconds: score, fitCpuSeconds: cpu(c0, c1), scoreCpuSeconds: cpu(c1, c2), fitRowsPerSecond: rows / fit, scoreRowsPerSecond: rows / score, auroc: auroc(s, labels), resolved: Object.fromEntries(Object.entries(det.resolvedConfig()).filter(([, v]) => !Array.isArray(v))) };
    } catch (e) { ours = { error: (e as Error).message }; }
    let sk: Record<string, unknown> | null = null;
    if (SKLEARN[m]) {
      const scoresPath = join(dir, `${m}.f64`);
      const r = spawnSync(python, ['bench/sklearn/throughput.py', xPath, String(rows), String(cols), SKLEARN[m], String(seed), scoresPath], { encoding: 'utf8', timeout: limit * 1000 });
      if (r.error || r.status !== 0) sk = { error: r.error ? `${r.error.message} (limit ${limit} s)` : r.stderr.trim().split('\n').pop() };
      else {
        const j = JSON.parse(r.stdout) as { fit: number; score: number; fitCpu: number; scoreCpu: number; sklearn: string; estimator: string };
        const raw = readFileSync(scoresPath);
        const s = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
        sk = { fitSeconds: j.fit, scoreSeconds: j.score, fitCpuSeconds: j.fitCpu, scoreCpuSeconds: j.scoreCpu, fitRowsPerSecond: rows / j.fit, scoreRowsPerSecond: rows / j.score, auroc: auroc(s, labels), version: j.sklearn, estimator: j.estimator };
      }
    }
    const ratio = (k: 'fitSeconds' | 'scoreSeconds' | 'fitCpuSeconds' | 'scoreCpuSeconds') => (sk && typeof sk[k] === 'number' && typeof ours[k] === 'number' ? (sk[k] as number) / (ours[k] as number) : null);
    results[m] = { aberrant: ours, sklearn: sk ?? (m === 'auto' ? 'no scikit-learn counterpart (Aberrant\'s ensemble)' : 'no scikit-learn counterpart (PyOD\'s; PyPI is not reachable here)'), speedup: { fit: ratio('fitSeconds'), score: ratio('scoreSeconds'), fitCpu: ratio('fitCpuSeconds'), scoreCpu: ratio('scoreCpuSeconds') } };
    process.stderr.write(`${m}: ${JSON.stringify(results[m])}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ rows, cols, seed, anomalies: labels.reduce((a, b) => a + b, 0), ...backendInfo(), results }, null, 1));
