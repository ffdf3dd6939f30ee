/**
 * Benchmark of `aberrant serve` (issue 13's targets: >= 50,000 rows/s in 1,000-row batches; p99 < 10 ms for
 * single rows at 1,000 requests/s; 0 errors; memory flat). Fits a DAGMM on the bundled Thyroid data, starts
 * the server as a child process (so the load generator does not share its event loop), and drives the JSON
 * scoring route with autocannon: single-row requests at a fixed rate, then 1,000-row batches as fast as the
 * server answers. Prints one JSON object: rows/s, latency p50/p99 (ms), errors and non-2xx answers per run,
 * and the server's resident memory before, between and after the runs (from its /metrics).
 *
 *   node dist/bench/serve.js [--seconds 15] [--rate 1000] [--connections 10] [--batch 1000] [--epochs 20]
 *                            [--log-level warn] [--workers 1] [--worker-rows 512] [--batch-window 1] [--out results.json]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as netServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon, { type Result } from 'autocannon';
import { backendInfo, createDetector, readTable, writeModelBytes } from '../src/index.js';

const { values: a } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' }, rate: { type: 'string', default: '1000' }, connections: { type: 'string', default: '10' },
    batch: { type: 'string', default: '1000' }, 'batch-connections': { type: 'string', default: '4' }, epochs: { type: 'string', default: '20' },
    'log-level': { type: 'string', default: 'warn' }, workers: { type: 'string' }, 'worker-rows': { type: 'string' }, 'batch-window': { type: 'string' },
    out: { type: 'string' },
  },
});
const seconds = Number(a.seconds), rate = Number(a.rate), batch = Number(a.batch);

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'aberrant-bench-serve-'));
const table = await readTable(join(root, 'data', 'thyroid.csv'));
const det = createDetector('dagmm', { seed: 1, epochs: Number(a.epochs) }).fit(table, { labelColumn: 'label' });
await writeModelBytes(join(dir, 'thyroid.abr'), det.toBytes());

const port = await new Promise<number>((resolve) => {
  const s = netServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
});
const args = [join(root, 'dist', 'src', 'cli', 'main.js'), 'serve', '--models', dir, '--port', String(port), '--log-level', a['log-level']!];
for (const k of ['workers', 'worker-rows', 'batch-window'] as const) if (a[k] !== undefined) args.push(`--${k}`, a[k]!);
const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try { if ((await fetch(`${base}/v2/health/ready`)).ok) break; } catch { /* not listening yet */ }
  if (i > 300) throw new Error('the server did not become ready within 30 s');
  await new Promise((r) => setTimeout(r, 100));
}

const rss = async (): Promise<number> => {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)![1]);
};

const rows = Array.from({ length: table.rowCount }, (_, i) => Object.fromEntries(table.names.filter((n) => n !== 'label').map((n) => [n, table.column(n)[i] as number])));
const body = (n: number, offset: number): string => JSON.stringify({ rows: Array.from({ length: n }, (_, i) => rows[(offset + i) % rows.length]) });
const headers = { 'content-type': 'application/json' };

function summary(r: Result, rowsPerRequest: number) {
  const ok = r['2xx'];
  return {
    requests: r.requests.total, ok, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, seconds: r.duration,
    requests_per_s: Math.round(ok / r.duration), rows_per_s: Math.round((ok * rowsPerRequest) / r.duration),
    latency_ms: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: Number(r.latency.mean.toFixed(3)) },
  };
}

// Warm up (JIT, first batches), then measure.
await autocannon({ url: `${base}/models/thyroid/score`, method: 'POST', headers, body: body(batch, 7), connections: 2, duration: 2 });
const rssBefore = await rss();
const single = await autocannon({ url: `${base}/models/thyroid/score`, method: 'POST', headers, body: body(1, 3), connections: Number(a.connections), overallRate: rate, duration: seconds });
const rssBetween = await rss();
const batched = await autocannon({ url: `${base}/models/thyroid/score`, method: 'POST', headers, body: body(batch, 11), connections: Number(a['batch-connections']), duration: seconds });
const rssAfter = await rss();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dir, { recursive: true, force: true });

const result = {
  benchmark: 'aberrant serve', date: new Date().toISOString(), node: process.version, cpus: cpus().length, loadavg_at_end: loadavg().map((x) => Number(x.toFixed(2))),
  backend: backendInfo().backend, model: 'dagmm on data/thyroid.csv (6 numeric columns)', route: 'POST /models/thyroid/score (JSON rows)',
  server: { log_level: a['log-level'], workers: a.workers ?? 'default', worker_rows: a['worker-rows'] ?? 'default', batch_window_ms: a['batch-window'] ?? 'default' },
  single_row: { target_rate_per_s: rate, connections: Number(a.connections), ...summary(single, 1) },
  batched: { rows_per_request: batch, connections: Number(a['batch-connections']), ...summary(batched, batch) },
  rss_mb: { before: Math.round(rssBefore / 2 ** 20), after_single: Math.round(rssBetween / 2 ** 20), after_batched: Math.round(rssAfter / 2 ** 20) },
};
const text = JSON.stringify(result, null, 2);
if (a.out) writeFileSync(a.out, `${text}\n`);
console.log(text);
