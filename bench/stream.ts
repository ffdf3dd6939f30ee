/**
 * Throughput of `aberrant stream` (issue 13): a DAGMM fitted on the bundled Thyroid data scores 100,000
 * stream entries (Thyroid's rows, cycled, as field/value pairs) on a redis-server this script starts. For
 * each worker count, the entries are loaded first, the workers started on a group positioned at the end of
 * the stream, and once every worker is up the group is moved to 0 (XGROUP SETID): the clock runs from there
 * to the last result written and acknowledged. Prints one JSON object.
 *
 *   node dist/bench/stream.js [--entries 100000] [--workers 1,2] [--batch 500] [--epochs 20] [--out results.json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createClient } from 'redis';
import { backendInfo, createDetector, modelInputs, readTable, writeModelBytes } from '../src/index.js';
import { hasRedisServer, REDIS_SERVER, startRedis } from '../test/support/redis-server.js';

const { values: a } = parseArgs({
  options: {
    entries: { type: 'string', default: '100000' }, workers: { type: 'string', default: '1,2' }, batch: { type: 'string', default: '500' },
    epochs: { type: 'string', default: '20' }, out: { type: 'string' },
  },
});
if (!hasRedisServer()) { console.error(`${REDIS_SERVER} is not installed (apt-get install redis-server)`); process.exit(1); }

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const N = Number(a.entries), batch = Number(a.batch), workerCounts = a.workers.split(',').map(Number);
const loadBefore = loadavg().map((x) => Number(x.toFixed(2)));

const table = await readTable(join(root, 'data', 'thyroid.csv'));
const det = createDetector('dagmm', { seed: 1, epochs: Number(a.epochs) }).fit(table, { labelColumn: 'label' });
const dir = mkdtempSync(join(tmpdir(), 'aberrant-bench-stream-'));
const model = join(dir, 'thyroid.abr');
await writeModelBytes(model, det.toBytes());
const features = modelInputs(det).map((f) => f.name);
const rows = Array.from({ length: table.rowCount }, (_, i) => features.flatMap((f) => [f, String(table.column(f)[i])]));

const redis = await startRedis();
const c = createClient({ url: redis.url });
await c.connect();
const xlen = async (s: string): Promise<number> => Number(await c.sendCommand(['XLEN', s]));

async function load(stream: string): Promise<number> {
  const t0 = performance.now();
  for (let k = 0; k < N; k += 5000) {
    await Promise.all(Array.from({ length: Math.min(5000, N - k) }, (_, j) => c.sendCommand(['XADD', stream, '*', ...rows[(k + j) % rows.length]])));
  }
  return N / ((performance.now() - t0) / 1000);
}

interface Totals { scored: number; dead: number; batches: number; fallbacks: number }

async function run(workers: number) {
  const input = `rows-${workers}`, output = `scores-${workers}`;
  const producerRate = await load(input);
  await c.sendCommand(['XGROUP', 'CREATE', input, 'g', '$']);
  const procs: { child: ChildProcess; logs: Record<string, unknown>[] }[] = [];
  for (let i = 0; i < workers; i++) {
    const child = spawn(process.execPath, [cli, '--backend', backendInfo().backend, 'stream', model, '--redis', redis.url, '--input', input, '--output', output,
      '--group', 'g', '--consumer', `w${i}`, '--batch', String(batch), '--block', '200', '--stats-interval', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const logs: Record<string, unknown>[] = [];
    let partial = '';
    child.stderr!.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const l of lines) { try { logs.push(JSON.parse(l) as Record<string, unknown>); } catch { process.stderr.write(`${l}\n`); } }
    });
    procs.push({ child, logs });
  }
  while (!procs.every((p) => p.logs.some((l) => l.msg === 'stream worker started'))) await new Promise((r) => setTimeout(r, 50));
  await c.sendCommand(['XGROUP', 'SETID', input, 'g', '0']);
  const t0 = performance.now();
  while ((await xlen(output)) + (await xlen(`${input}:dead`)) < N) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t0) / 1000;
  const pending = Number((await c.sendCommand(['XPENDING', input, 'g']) as [number])[0]);
  await Promise.all(procs.map((p) => new Promise((r) => { p.child.once('exit', r); p.child.kill('SIGTERM'); })));
  const totals = procs.map((p) => p.logs.find((l) => l.msg === 'stream worker stopped') as unknown as Totals);
  await c.sendCommand(['DEL', input, output, `${input}:dead`]);
  return {
    workers, batch, entries: N, seconds: Number(seconds.toFixed(3)), entries_per_s: Math.round(N / seconds),
    pending_after: pending, per_worker_scored: totals.map((t) => t?.scored), dead: totals.reduce((s, t) => s + (t?.dead ?? 0), 0),
    mean_batch: Number((totals.reduce((s, t) => s + (t?.scored ?? 0) + (t?.dead ?? 0), 0) / totals.reduce((s, t) => s + (t?.batches ?? 0), 0)).toFixed(1)),
    producer_entries_per_s: Math.round(producerRate),
  };
}

const runs = [];
for (const w of workerCounts) runs.push(await run(w));
await c.close();
await redis.stop();
rmSync(dir, { recursive: true, force: true });

const result = {
  benchmark: 'aberrant stream', date: new Date().toISOString(), node: process.version, cpus: cpus().length,
  backend: backendInfo().backend, model: `dagmm (thyroid.csv, default parameters, ${a.epochs} epochs)`, features: features.length,
  loadavg_before: loadBefore, loadavg_at_end: loadavg().map((x) => Number(x.toFixed(2))), runs,
};
const json = JSON.stringify(result, null, 2);
if (a.out) writeFileSync(a.out, `${json}\n`);
console.log(json);
