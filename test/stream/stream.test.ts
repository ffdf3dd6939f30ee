/**
 * `aberrant stream` against a real redis-server the test starts: a worker killed with SIGKILL mid-run and
 * restarted loses nothing (every input id has a result or a dead letter; duplicates only among the entries
 * that were pending in the killed worker), two workers share the group, malformed entries are dead-lettered
 * with the library's error, a restarted consumer re-reads its own pending entries before new ones, XAUTOCLAIM
 * takes over a dead consumer's entries, over-delivered entries are dead-lettered, --start 0 / $.
 * ABERRANT_STREAM_TEST_ENTRIES sets the size of the kill test (default 100,000, the size; fewer for a quick local run).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { backendInfo, createDetector, scoreTextRecords, tableFromRecords, writeModelBytes, type Detector } from '../../src/index.js';
import { Rng } from '../../src/engine/rng.js';
import { StreamWorker, type StreamOptions, type StreamTotals } from '../../src/stream/worker.js';
import { CLI_PATH } from '../support/cli.js';
import { hasRedisServer, REDIS_SERVER, startRedis, type RedisServer } from '../support/redis-server.js';

const N = Number(process.env.ABERRANT_STREAM_TEST_ENTRIES ?? 100_000);
const MALFORMED_EVERY = 997;

/** Row i of the input: two numeric columns, a categorical and a boolean one; every 997th has a bad number. */
function row(i: number, r: Rng): Record<string, string> {
  const t = r.uniform(), far = i % 50 === 49;
  return {
    a: i % MALFORMED_EVERY === 5 ? 'oops' : String(far ? 8 + r.uniform() : t + 0.05 * r.normal()),
    b: String(far ? -5 : 2 * t + 0.05 * r.normal()), proto: ['tcp', 'udp'][i % 2], ok: i % 3 ? 'yes' : 'no',
  };
}

type Client = ReturnType<typeof createClient>;
interface Entry { id: string; f: Record<string, string> }

async function readAll(c: Client, stream: string): Promise<Entry[]> {
  const out: Entry[] = [];
  let from = '-';
  for (;;) {
    const raw = await c.sendCommand(['XRANGE', stream, from, '+', 'COUNT', '10000']) as [string, string[]][];
    for (const [id, kv] of raw) {
      const f: Record<string, string> = {};
      for (let i = 0; i < kv.length; i += 2) f[kv[i]] = kv[i + 1];
      out.push({ id, f });
    }
    if (raw.length < 10000) return out;
    from = `(${raw[raw.length - 1][0]}`;
  }
}

async function addRows(c: Client, stream: string, rows: Record<string, string>[]): Promise<string[]> {
  const ids: string[] = [];
  for (let k = 0; k < rows.length; k += 2000) {
    ids.push(...await Promise.all(rows.slice(k, k + 2000).map((r) => c.sendCommand(['XADD', stream, '*', ...Object.entries(r).flat()]) as Promise<string>)));
  }
  return ids;
}

/** 'stopped' once a SIGSTOP has taken effect (Linux /proc; elsewhere assumed after the wait that follows). */
function processState(pid: number): 'stopped' | 'running' | 'unknown' {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'T' || state === 't' ? 'stopped' : 'running';
  } catch { return 'unknown'; }
}

const xlen = async (c: Client, s: string): Promise<number> => Number(await c.sendCommand(['XLEN', s]));
const pendingCount = async (c: Client, s: string, g: string): Promise<number> => Number((await c.sendCommand(['XPENDING', s, g]) as [number])[0]);

async function until(what: string, f: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Proc { child: ChildProcess; logs: Record<string, unknown>[]; exited: Promise<{ code: number | null; signal: string | null }>; stderr: () => string }

const lastTotals = (p: Proc): StreamTotals | undefined => p.logs.filter((l) => l.msg === 'stats' || l.msg === 'stream worker stopped').at(-1) as StreamTotals | undefined;

describe('aberrant stream (Redis Streams worker)', { skip: hasRedisServer() ? false : `${REDIS_SERVER} is not installed: the Redis stream tests need it (apt-get install redis-server)` }, () => {
  let redis: RedisServer, c: Client, det: Detector, model: string;
  const dir = mkdtempSync(join(tmpdir(), 'aberrant-stream-'));
  const procs: Proc[] = [];
  const workers: { w: StreamWorker; done: Promise<StreamTotals> }[] = [];

  before(async () => {
    redis = await startRedis();
    c = createClient({ url: redis.url });
    await c.connect();
    const r = new Rng(1), train = Array.from({ length: 300 }, (_, i) => row(i + 10, r)); // i + 10: no malformed row among them
    det = createDetector('ae', { seed: 1, epochs: 3 }).fit(tableFromRecords(train.map((x) => ({ a: Number(x.a), b: Number(x.b), proto: x.proto, ok: x.ok }))));
    model = join(dir, 'model.abr');
    await writeModelBytes(model, det.toBytes());
  });
  after(async () => {
    for (const x of workers) x.w.stop();
    await Promise.allSettled(workers.map((x) => x.done));
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await c?.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const spawnWorker = (consumer: string, extra: string[] = []): Proc => {
    const child = spawn(process.execPath, [CLI_PATH, '--backend', backendInfo().backend, 'stream', model, '--redis', redis.url, '--input', 'rows', '--output', 'scores',
      '--group', 'scorers', '--consumer', consumer, '--stats-interval', '200', '--batch', '500', '--block', '200', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
    const logs: Record<string, unknown>[] = [];
    let err = '', partial = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const l of lines) { try { logs.push(JSON.parse(l) as Record<string, unknown>); } catch { /* a non-JSON line: kept in stderr() */ } }
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
    const p = { child, logs, exited, stderr: () => err };
    procs.push(p);
    return p;
  };

  it(`${N} entries, two workers, one killed with SIGKILL mid-run and restarted: nothing lost, duplicates only from its pending entries`, { timeout: 600_000 }, async () => {
    const r = new Rng(7);
    const rows = Array.from({ length: N }, (_, i) => row(i, r));
    const ids = await addRows(c, 'rows', rows);
    const malformed = new Set(ids.filter((_, i) => rows[i].a === 'oops'));
    assert.ok(malformed.size >= Math.floor(N / MALFORMED_EVERY));

    const w1 = spawnWorker('w1'), w2 = spawnWorker('w2');
    await until('both workers to score entries', () => (lastTotals(w1)?.scored ?? 0) > 0 && (lastTotals(w2)?.scored ?? 0) > 0, 120_000);
    await until('a fifth of the results', async () => (await xlen(c, 'scores')) >= N / 5, 120_000);
    // Kill it while it holds a batch (read, not yet acknowledged), the case the re-read is for: freeze it
    // (SIGSTOP), look at its pending entries, and kill it only if it holds some, else let it run on and retry.
    // Signal delivery is asynchronous and an XACK already written to the socket still reaches Redis after the
    // stop, so the check waits until the process is stopped and Redis has had time to read what it sent.
    const holds = async () => (await c.sendCommand(['XPENDING', 'rows', 'scorers', '-', '+', '1', 'w1']) as unknown[]).length > 0;
    const freeze = async (): Promise<void> => {
      w1.child.kill('SIGSTOP');
      await until('w1 to stop', () => processState(w1.child.pid!) !== 'running', 10_000);
      await new Promise((res) => setTimeout(res, 100));
    };
    let frozenHolding = false;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline && !frozenHolding;) {
      await freeze();
      frozenHolding = await holds();
      if (!frozenHolding) { w1.child.kill('SIGCONT'); await new Promise((res) => setTimeout(res, 1 + Math.floor(Math.random() * 5))); }
    }
    assert.ok(frozenHolding, 'caught w1 holding a batch');
    w1.child.kill('SIGKILL');
    assert.equal((await w1.exited).signal, 'SIGKILL');
    const inFlight = new Set((await c.sendCommand(['XPENDING', 'rows', 'scorers', '-', '+', String(N), 'w1']) as [string][]).map((p) => p[0]));
    const scoredBeforeKill = await xlen(c, 'scores');
    assert.ok(scoredBeforeKill < N - malformed.size, 'killed mid-run, not after the end');

    const w1b = spawnWorker('w1');
    await until('the restarted worker to start', () => w1b.logs.some((l) => l.msg === 'stream worker started'), 120_000);
    await until('every entry to be scored or dead-lettered and acknowledged', async () =>
      (await xlen(c, 'scores')) + (await xlen(c, 'rows:dead')) >= N && (await pendingCount(c, 'rows', 'scorers')) === 0, 400_000);
    w1b.child.kill('SIGTERM');
    w2.child.kill('SIGTERM');
    assert.deepEqual(await w1b.exited, { code: 0, signal: null }, w1b.stderr().slice(-2000));
    assert.deepEqual(await w2.exited, { code: 0, signal: null }, w2.stderr().slice(-2000));

    // Pending re-read: the restarted consumer first scored what the killed one held.
    const reread = w1b.logs.find((l) => l.msg === 're-read pending entries of this consumer');
    assert.ok(inFlight.size > 0, 'the killed worker held entries');
    assert.equal(reread?.entries, inFlight.size, 'the restarted worker re-read exactly the entries pending for it');
    const t1b = lastTotals(w1b)!, t2 = lastTotals(w2)!;
    assert.equal(t1b.reread, inFlight.size);
    assert.ok(t2.scored > 0, 'w2 scored entries'); // and w1 did before the kill (awaited above)

    const results = await readAll(c, 'scores'), dead = await readAll(c, 'rows:dead');
    const byId = new Map<string, Entry[]>();
    for (const e of results) byId.set(e.f.id, [...(byId.get(e.f.id) ?? []), e]);
    const inputIds = new Set(ids);
    for (const id of byId.keys()) assert.ok(inputIds.has(id), `result for an unknown id ${id}`);
    const missing = ids.filter((id) => !malformed.has(id) && !byId.has(id));
    assert.deepEqual(missing, [], 'every well-formed entry has a result');
    const dups = [...byId].filter(([, v]) => v.length > 1).map(([id]) => id);
    for (const id of dups) assert.ok(inFlight.has(id), `duplicate result for ${id}, which was not pending in the killed worker`);
    for (const id of malformed) assert.ok(!byId.has(id), `malformed entry ${id} has no result`);

    // Dead letters: exactly the malformed entries, with the library's error and the original fields.
    assert.deepEqual(new Set(dead.map((d) => d.f.id)), malformed);
    for (const d of dead) {
      const i = ids.indexOf(d.f.id);
      assert.equal(d.f.error, `entry ${d.f.id}, column "a": expected a number, got "oops"`);
      assert.deepEqual(JSON.parse(d.f.fields), rows[i]);
      assert.match(d.f.consumer, /^w[12]$/);
      assert.ok(Number(d.f.deliveries) >= 1);
    }

    // Results are the library's: the same score, label and rank as scoring the row in process.
    const sample = ids.map((id, i) => ({ id, i })).filter(({ id, i }) => i % 97 === 0 && !malformed.has(id));
    const ref = scoreTextRecords(det, sample.map(({ i }) => rows[i])).results;
    let anomalies = 0;
    sample.forEach(({ id }, k) => {
      const got = byId.get(id)![0].f, want = ref[k];
      assert.ok(want.ok);
      assert.deepEqual(got, { id, score: String(want.score), is_anomaly: want.isAnomaly ? '1' : '0', rank: String(want.rank) });
      anomalies += want.isAnomaly ? 1 : 0;
    });
    assert.ok(anomalies > 0 && anomalies < sample.length);
    process.stderr.write(`# stream kill test: ${N} entries, ${malformed.size} malformed, ${scoredBeforeKill} results before the kill, ${inFlight.size} pending in the killed worker, ${dups.length} duplicates\n`);
  });

  /** A worker in this process; its log lines are collected. */
  const inProcess = (o: Partial<StreamOptions> & Pick<StreamOptions, 'input' | 'output' | 'group' | 'consumer'>) => {
    const logs: Record<string, unknown>[] = [];
    const w = new StreamWorker(det, {
      redis: redis.url, deadLetter: `${o.input}:dead`, batch: 100, blockMs: 100, start: '0', claimIdleMs: 3_600_000, claimIntervalMs: 3_600_000,
      maxDeliveries: 5, statsIntervalMs: 0, outputMaxLen: null, ...o,
    }, { info: (msg, f) => logs.push({ level: 'info', msg, ...f }), warn: (msg, f) => logs.push({ level: 'warn', msg, ...f }), error: (msg, f) => logs.push({ level: 'error', msg, ...f }) });
    const done = w.run();
    workers.push({ w, done });
    return { w, logs, done };
  };

  it('a restarted consumer re-reads its own pending entries before new ones; one delivered too often is dead-lettered', async () => {
    const r = new Rng(3);
    const old = await addRows(c, 'p:rows', Array.from({ length: 30 }, (_, i) => row(i + 10, r))); // no malformed row
    await c.sendCommand(['XGROUP', 'CREATE', 'p:rows', 'pg', '0']);
    await c.sendCommand(['XREADGROUP', 'GROUP', 'pg', 'w', 'COUNT', '100', 'STREAMS', 'p:rows', '>']); // delivered to w, which "crashed"
    await c.sendCommand(['XCLAIM', 'p:rows', 'pg', 'w', '0', old[4], 'RETRYCOUNT', '5']); // as if it had crashed w five times
    const fresh = await addRows(c, 'p:rows', Array.from({ length: 5 }, (_, i) => row(i + 100, r)));
    const { w, logs, done } = inProcess({ input: 'p:rows', output: 'p:out', group: 'pg', consumer: 'w', batch: 7 });
    await until('all 35 entries handled', async () => (await xlen(c, 'p:out')) + (await xlen(c, 'p:rows:dead')) === 35 && (await pendingCount(c, 'p:rows', 'pg')) === 0, 30_000);
    w.stop();
    const totals = await done;
    assert.equal(totals.reread, 30);
    assert.ok(logs.some((l) => l.msg === 're-read pending entries of this consumer' && l.entries === 30));
    const out = (await readAll(c, 'p:out')).map((e) => e.f.id);
    assert.deepEqual(out, [...old.filter((id) => id !== old[4]), ...fresh], 'pending entries first, in order, then new ones');
    const dead = await readAll(c, 'p:rows:dead');
    assert.equal(dead.length, 1);
    assert.equal(dead[0].f.id, old[4]);
    assert.equal(dead[0].f.deliveries, '6');
    assert.match(dead[0].f.error, /delivered 6 times, more than --max-deliveries 5/);
  });

  it('XAUTOCLAIM takes over the pending entries of a dead consumer once they are idle long enough', async () => {
    const r = new Rng(4);
    const ids = await addRows(c, 'c:rows', Array.from({ length: 20 }, (_, i) => row(i + 10, r)));
    await c.sendCommand(['XGROUP', 'CREATE', 'c:rows', 'cg', '0']);
    await c.sendCommand(['XREADGROUP', 'GROUP', 'cg', 'ghost', 'COUNT', '100', 'STREAMS', 'c:rows', '>']);
    const { w, logs, done } = inProcess({ input: 'c:rows', output: 'c:out', group: 'cg', consumer: 'taker', claimIdleMs: 300, claimIntervalMs: 100 });
    await until('the ghost\'s entries to be reclaimed and scored', async () => (await xlen(c, 'c:out')) === 20 && (await pendingCount(c, 'c:rows', 'cg')) === 0, 30_000);
    w.stop();
    const totals = await done;
    assert.equal(totals.claimed, 20);
    assert.equal(totals.reread, 0);
    // Redis 7.0 stamps each entry's delivery time with its own clock reading, so a pass that falls on the 300 ms
    // boundary can take the first entries and leave the rest, a millisecond younger, to the next pass.
    const claims = logs.filter((l) => l.msg === 'reclaimed idle entries of other consumers');
    assert.ok(claims.length >= 1 && claims.every((l) => l.min_idle_ms === 300 && (l.entries as number) > 0));
    assert.equal(claims.reduce((s, l) => s + (l.entries as number), 0), 20);
    assert.deepEqual((await readAll(c, 'c:out')).map((e) => e.f.id), ids);
  });

  it('a group it creates starts at 0 (every entry) by default, at $ (only later entries) when asked', async () => {
    const r = new Rng(5);
    const before = await addRows(c, 's:rows', Array.from({ length: 3 }, (_, i) => row(i + 10, r)));
    const all = inProcess({ input: 's:rows', output: 's:out0', group: 'g0', consumer: 'x' });
    const later = inProcess({ input: 's:rows', output: 's:out$', group: 'g$', consumer: 'x', start: '$' });
    await until('both groups exist', async () => (await c.sendCommand(['XINFO', 'GROUPS', 's:rows']) as unknown[]).length === 2, 10_000);
    const after = await addRows(c, 's:rows', Array.from({ length: 2 }, (_, i) => row(i + 20, r)));
    await until('the results', async () => (await xlen(c, 's:out0')) === 5 && (await xlen(c, 's:out$')) === 2, 10_000);
    all.w.stop(); later.w.stop();
    await Promise.all([all.done, later.done]);
    assert.deepEqual((await readAll(c, 's:out0')).map((e) => e.f.id), [...before, ...after]);
    assert.deepEqual((await readAll(c, 's:out$')).map((e) => e.f.id), after);
    assert.ok(all.logs.some((l) => l.msg === 'consumer group created' && l.start === '0'));
  });

  it('refuses options that would lose entries or loop', () => {
    assert.throws(() => new StreamWorker(det, { redis: redis.url, input: 'a', output: 'a', group: 'g', consumer: 'c', deadLetter: 'a:dead', batch: 1, blockMs: 1, start: '0', claimIdleMs: 1, claimIntervalMs: 1, maxDeliveries: 1, statsIntervalMs: 0, outputMaxLen: null }, { info() {}, warn() {}, error() {} }),
      /the input, output and dead-letter streams must differ/);
  });
});

if (!hasRedisServer()) process.stderr.write(`# SKIPPED the Redis stream tests: ${REDIS_SERVER} is not installed\n`);
