/**
 * Fit and score time of gmm and eif (iforest beside them) on seeded synthetic rows, with scikit-learn's
 * GaussianMixture (the same BIC search on a subsample of the same size) and IsolationForest on the same rows in the
 * same run (bench/sklearn/gmm_eif_throughput.py; skipped when /usr/bin/python3 has no scikit-learn):
 *
 *   node dist/bench/gmm-eif-throughput.js [--rows 50000] [--cols 50] [--threads 2]
 *
 * Rows: 5 Gaussian clusters (centres 3 N(0, I), unit noise). Prints JSON: wall and CPU seconds (CPU counts every
 * thread) of fit (which includes scoring the training rows once, for the threshold) and of scoring all rows.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendInfo, useBestBackend } from '../src/backend-node.js';
import type { Detector } from '../src/detectors/detector.js';
import { createDetector } from '../src/detectors/registry.js';
import { Rng } from '../src/engine/rng.js';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: number): number => { const i = argv.indexOf(`--${name}`); return i >= 0 ? Number(argv[i + 1]) : fallback; };
const rows = opt('rows', 50_000), cols = opt('cols', 50);
useBestBackend(undefined, opt('threads', 2));

const r = new Rng(1), x = new Float32Array(rows * cols);
const centres = Array.from({ length: 5 }, () => Array.from({ length: cols }, () => 3 * r.normal()));
for (let i = 0; i < rows; i++) { const c = centres[r.int(5)]; for (let j = 0; j < cols; j++) x[i * cols + j] = c[j] + r.normal(); }
const data = { data: x, rows, cols };

const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
function timed<T>(fn: () => T): { out: T; wall: number; cpu: number } {
  const w = performance.now(), c = cpu();
  const out = fn();
  return { out, wall: (performance.now() - w) / 1000, cpu: cpu() - c };
}

const ours: Record<string, unknown> = {};
for (const name of ['gmm', 'eif', 'iforest']) {
  const fit = timed(() => createDetector(name).fit(data) as Detector);
  const score = timed(() => fit.out.scoreSamples(data));
  const cfg = fit.out.resolvedConfig();
  ours[name] = { fit: { wall: fit.wall, cpu: fit.cpu }, score: { wall: score.wall, cpu: score.cpu }, ...(name === 'gmm' ? { components: cfg.components, covariance: cfg.covariance, fitRows: cfg.fitRows } : {}) };
}

let sklearn: unknown;
const dir = mkdtempSync(join(tmpdir(), 'gmm-eif-'));
try {
  writeFileSync(join(dir, 'x.f32'), Buffer.from(x.buffer, x.byteOffset, x.byteLength));
  const fitRows = (ours.gmm as { fitRows: number }).fitRows;
  const p = spawnSync('/usr/bin/python3', ['bench/sklearn/gmm_eif_throughput.py', join(dir, 'x.f32'), String(rows), String(cols), String(fitRows)], { encoding: 'utf8' });
  sklearn = p.status === 0 ? JSON.parse(p.stdout) : { error: (p.stderr || String(p.error)).trim().split('\n').pop() };
} finally { rmSync(dir, { recursive: true, force: true }); }

process.stdout.write(`${JSON.stringify({ rows, cols, ...backendInfo(), aberrant: ours, sklearn }, null, 1)}\n`);
