/**
 * The stream scoring worker: reads rows from a Redis stream through a consumer group, scores them in
 * batches with the library (scoreTextRecords: the same scores, labels and ranks as `aberrant score` and the
 * server), writes one result entry per input entry, and acknowledges the input only in the same atomic step
 * that wrote its result. Delivery is at-least-once: nothing is acknowledged unscored, and an entry can be
 * scored twice only when another worker reclaimed it while its first worker was still alive and busy.
 * See docs/streaming.md.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Detector } from '../detectors/detector.js';
import { scoreTextRecords, type TextRecord } from '../scoring/score-records.js';

export interface StreamOptions {
  /** redis:// or rediss:// URL. */
  redis: string;
  input: string;
  output: string;
  group: string;
  consumer: string;
  /** Where entries that cannot be scored go (default `<input>:dead`). */
  deadLetter: string;
  /** Most entries one XREADGROUP / XAUTOCLAIM returns, scored in one call. */
  batch: number;
  /** How long one XREADGROUP waits for new entries. */
  blockMs: number;
  /** Where a group created by this worker starts: '0' (the whole stream) or '$' (only entries added later). */
  start: '0' | '$';
  /** Entries pending this long in another consumer are taken over (XAUTOCLAIM). */
  claimIdleMs: number;
  /** How often to look for such entries. */
  claimIntervalMs: number;
  /** An entry delivered more often than this is dead-lettered unscored. */
  maxDeliveries: number;
  /** Throughput log line every this many ms (0: none). */
  statsIntervalMs: number;
  /** Trim the output stream to about this many entries (XADD MAXLEN ~); null: never trim. */
  outputMaxLen: number | null;
}

export const STREAM_DEFAULTS = {
  batch: 500, blockMs: 2000, start: '0' as const, claimIdleMs: 60_000, claimIntervalMs: 10_000, maxDeliveries: 5, statsIntervalMs: 10_000,
};

/** A stable default consumer name is what lets a restarted worker re-read its own pending entries. */
export function defaultConsumerName(): string { return `${hostname()}-${process.pid}`; }

export type LogFields = Record<string, unknown>;
export interface StreamLogger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** JSON lines in pino's shape (level 30/40/50, time in ms, pid, hostname, msg), like the server's logs. */
export function jsonLogger(write: (line: string) => void = (s) => { process.stderr.write(s); }, base: LogFields = {}): StreamLogger {
  const host = hostname();
  const line = (level: number, msg: string, fields: LogFields = {}): void => {
    write(`${JSON.stringify({ level, time: Date.now(), pid: process.pid, hostname: host, ...base, ...fields, msg })}\n`);
  };
  return { info: (m, f) => line(30, m, f), warn: (m, f) => line(40, m, f), error: (m, f) => line(50, m, f) };
}

export interface StreamTotals {
  /** Entries delivered to this worker (new, re-read, reclaimed). */
  read: number;
  scored: number;
  dead: number;
  /** Pending entries deleted from the input stream before they were scored (nothing left to score). */
  deleted: number;
  reread: number;
  claimed: number;
  batches: number;
  /** Batches whose one-call scoring failed and were redone row by row. */
  fallbacks: number;
}

interface Entry { id: string; fields: TextRecord | null }
interface DeadLetter { id: string; error: string; deliveries: number; fields: TextRecord | null }

/**
 * Writes results and dead letters, then acknowledges, in one script: atomic (a crash leaves all or nothing,
 * so a killed worker causes no duplicates) and conditional (an XADD that fails, say WRONGTYPE, stops the
 * script before XACK; MULTI/EXEC would go on and acknowledge an entry whose result was never written).
 */
const WRITE_AND_ACK = `
local nout, ndead, maxlen = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local a = 5
for i = 1, nout do
  if maxlen == '' then
    redis.call('XADD', KEYS[2], '*', 'id', ARGV[a], 'score', ARGV[a + 1], 'is_anomaly', ARGV[a + 2], 'rank', ARGV[a + 3])
  else
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', maxlen, '*', 'id', ARGV[a], 'score', ARGV[a + 1], 'is_anomaly', ARGV[a + 2], 'rank', ARGV[a + 3])
  end
  a = a + 4
end
for i = 1, ndead do
  redis.call('XADD', KEYS[3], '*', 'id', ARGV[a], 'error', ARGV[a + 1], 'deliveries', ARGV[a + 2], 'consumer', ARGV[a + 3], 'fields', ARGV[a + 4])
  a = a + 5
end
local acked = 0
while a <= #ARGV do
  local last = math.min(a + 999, #ARGV)
  acked = acked + redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, a, last))
  a = last + 1
end
return acked
`;
const WRITE_AND_ACK_SHA = createHash('sha1').update(WRITE_AND_ACK).digest('hex');

type Client = ReturnType<typeof import('redis').createClient>;

/**
 * node-redis, loaded when a worker first connects rather than with this module (and so with the CLI): loading it
 * declares a String subclass with a class field (its VerbatimString), after which V8 runs every string operation
 * in the process on a slower path; CSV reading in `aberrant fit` took 3.1 s instead of 1.6 s on an 84 MB file.
 */
let redisModule: Promise<typeof import('redis')> | null = null;
type Raw = unknown;

/** [[id, [f1, v1, ...] | null], ...] (RESP2) as entries; a null field list is an entry deleted from the stream. */
function toEntries(raw: Raw): Entry[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((e: Raw) => {
    const [id, kv] = e as [string, string[] | null];
    if (!Array.isArray(kv)) return { id: String(id), fields: null };
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < kv.length; i += 2) fields[String(kv[i])] = String(kv[i + 1]);
    return { id: String(id), fields };
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class StreamWorker {
  readonly totals: StreamTotals = { read: 0, scored: 0, dead: 0, deleted: 0, reread: 0, claimed: 0, batches: 0, fallbacks: 0 };
  private client: Client | null = null;
  private stopping = false;
  private statsTimer: NodeJS.Timeout | null = null;
  private lastStats = { at: 0, scored: 0, dead: 0 };
  private readonly started = performance.now();

  constructor(private readonly det: Detector, private readonly o: StreamOptions, private readonly log: StreamLogger) {
    for (const [k, v] of Object.entries({ batch: o.batch, maxDeliveries: o.maxDeliveries })) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`${k} must be a positive integer, got ${v}`);
    }
    for (const k of ['input', 'output', 'group', 'consumer', 'deadLetter'] as const) if (!o[k]) throw new Error(`${k} must not be empty`);
    if (new Set([o.input, o.output, o.deadLetter]).size < 3) throw new Error(`the input, output and dead-letter streams must differ (got ${o.input}, ${o.output}, ${o.deadLetter})`);
  }

  /** Asks the loop to finish the batch in hand (score, write, acknowledge) and return. */
  stop(): void { this.stopping = true; }

  private cmd(args: string[]): Promise<Raw> { return this.client!.sendCommand(args); }

  /** Runs until stop(): pending entries of this consumer first, then new ones, reclaiming idle ones periodically. */
  async run(): Promise<StreamTotals> {
    const { createClient } = await (redisModule ??= import('redis'));
    const client = this.client = createClient({ url: this.o.redis });
    client.on('error', (e: Error) => this.log.error('redis connection error', { err: e.message }));
    await client.connect();
    try {
      await this.ensureGroup();
      const o = this.o;
      this.log.info('stream worker started', {
        input: o.input, output: o.output, dead_letter: o.deadLetter, group: o.group, consumer: o.consumer, model: this.det.name,
        batch: o.batch, block_ms: o.blockMs, claim_idle_ms: o.claimIdleMs, max_deliveries: o.maxDeliveries,
      });
      if (o.statsIntervalMs > 0) {
        this.lastStats = { at: performance.now(), scored: 0, dead: 0 };
        this.statsTimer = setInterval(() => this.logStats(), o.statsIntervalMs);
        this.statsTimer.unref();
      }
      let reread = true, nextClaim = 0, backoff = 100;
      while (!this.stopping) {
        try {
          if (reread) { await this.rereadPending(); reread = false; }
          if (this.stopping) break;
          if (Date.now() >= nextClaim) { await this.claimIdle(); nextClaim = Date.now() + o.claimIntervalMs; }
          if (this.stopping) break;
          const block = Math.max(1, Math.min(o.blockMs, nextClaim - Date.now()));
          const raw = await this.cmd(['XREADGROUP', 'GROUP', o.group, o.consumer, 'COUNT', String(o.batch), 'BLOCK', String(block), 'STREAMS', o.input, '>']);
          const entries = Array.isArray(raw) && raw.length > 0 ? toEntries((raw[0] as [string, Raw])[1]) : [];
          if (entries.length > 0) await this.process(entries, null);
          backoff = 100;
        } catch (e) {
          const message = (e as Error).message;
          if (this.stopping && !client.isReady) break;
          this.log.error('stream step failed; retrying after re-reading this consumer\'s pending entries', { err: message, retry_ms: backoff });
          await sleep(backoff);
          backoff = Math.min(backoff * 2, 5000);
          if (/NOGROUP/.test(message)) await this.ensureGroup().catch(() => undefined);
          reread = true; // a batch may have been read and not acknowledged
        }
      }
    } finally {
      if (this.statsTimer) clearInterval(this.statsTimer);
      this.log.info('stream worker stopped', { ...this.totals, seconds: +((performance.now() - this.started) / 1000).toFixed(3) });
      await client.close().catch(() => undefined);
    }
    return this.totals;
  }

  /** XGROUP CREATE ... MKSTREAM; an existing group is kept as it is (its position included). */
  private async ensureGroup(): Promise<void> {
    try {
      await this.cmd(['XGROUP', 'CREATE', this.o.input, this.o.group, this.o.start, 'MKSTREAM']);
      this.log.info('consumer group created', { input: this.o.input, group: this.o.group, start: this.o.start });
    } catch (e) {
      if (!/BUSYGROUP/.test((e as Error).message)) throw e;
    }
  }

  /** This consumer's own pending entries (delivered before a crash or restart, never acknowledged), oldest first. */
  private async rereadPending(): Promise<void> {
    let after = '0', total = 0;
    while (!this.stopping) {
      const raw = await this.cmd(['XREADGROUP', 'GROUP', this.o.group, this.o.consumer, 'COUNT', String(this.o.batch), 'STREAMS', this.o.input, after]);
      const entries = Array.isArray(raw) && raw.length > 0 ? toEntries((raw[0] as [string, Raw])[1]) : [];
      if (entries.length === 0) break;
      total += entries.length;
      this.totals.reread += entries.length;
      await this.process(entries, 'pending');
      after = entries[entries.length - 1].id;
    }
    if (total > 0) this.log.info('re-read pending entries of this consumer', { entries: total });
  }

  /** Takes over entries idle for claimIdleMs in any consumer of the group (a dead or stuck worker). */
  private async claimIdle(): Promise<void> {
    let cursor = '0-0', total = 0, deleted = 0;
    do {
      const raw = await this.cmd(['XAUTOCLAIM', this.o.input, this.o.group, this.o.consumer, String(this.o.claimIdleMs), cursor, 'COUNT', String(this.o.batch)]) as [string, Raw, Raw?];
      cursor = String(raw[0]);
      const entries = toEntries(raw[1]);
      deleted += Array.isArray(raw[2]) ? raw[2].length : 0; // Redis 7 drops these from the pending list itself
      if (entries.length > 0) {
        total += entries.length;
        this.totals.claimed += entries.length;
        await this.process(entries, 'claimed');
      }
    } while (cursor !== '0-0' && !this.stopping);
    this.totals.deleted += deleted;
    if (total > 0 || deleted > 0) this.log.info('reclaimed idle entries of other consumers', { entries: total, deleted_before_scoring: deleted, min_idle_ms: this.o.claimIdleMs });
  }

  /** Delivery counts of entries that were delivered before (XPENDING for this consumer over their id range). */
  private async deliveries(entries: Entry[]): Promise<Map<string, number>> {
    const raw = await this.cmd(['XPENDING', this.o.input, this.o.group, entries[0].id, entries[entries.length - 1].id, String(entries.length * 2 + 10), this.o.consumer]);
    const counts = new Map<string, number>();
    if (Array.isArray(raw)) for (const r of raw as [string, string, number, number][]) counts.set(String(r[0]), Number(r[3]));
    return counts;
  }

  /** Scores a batch, then writes results and dead letters and acknowledges the batch in one atomic script. */
  private async process(entries: Entry[], redelivered: 'pending' | 'claimed' | null): Promise<void> {
    const o = this.o;
    this.totals.read += entries.length;
    this.totals.batches++;
    const counts = redelivered ? await this.deliveries(entries) : null;
    const dead: DeadLetter[] = [];
    const toScore: Entry[] = [];
    let deleted = 0;
    for (const e of entries) {
      const n = counts?.get(e.id) ?? 1;
      if (e.fields === null) deleted++;
      else if (n > o.maxDeliveries) dead.push({ id: e.id, fields: e.fields, deliveries: n, error: `entry ${e.id}: delivered ${n} times, more than --max-deliveries ${o.maxDeliveries}; not scored (it may crash or stall the workers that read it)` });
      else toScore.push(e);
    }
    const out: string[] = [];
    if (toScore.length > 0) {
      const { results, fellBack } = scoreTextRecords(this.det, toScore.map((e) => e.fields!), toScore.map((e) => `entry ${e.id}`));
      if (fellBack) this.totals.fallbacks++;
      results.forEach((r, i) => {
        const e = toScore[i];
        if (r.ok) out.push(e.id, String(r.score), r.isAnomaly ? '1' : '0', String(r.rank));
        else dead.push({ id: e.id, fields: e.fields, deliveries: counts?.get(e.id) ?? 1, error: r.error });
      });
    }
    const args = [o.group, String(out.length / 4), String(dead.length), o.outputMaxLen === null ? '' : String(o.outputMaxLen), ...out];
    for (const d of dead) args.push(d.id, d.error, String(d.deliveries), o.consumer, JSON.stringify(d.fields ?? {}));
    for (const e of entries) args.push(e.id);
    const keys = [o.input, o.output, o.deadLetter];
    try {
      await this.cmd(['EVALSHA', WRITE_AND_ACK_SHA, '3', ...keys, ...args]);
    } catch (e) {
      if (!/NOSCRIPT/.test((e as Error).message)) throw e;
      await this.cmd(['EVAL', WRITE_AND_ACK, '3', ...keys, ...args]);
    }
    this.totals.scored += out.length / 4;
    this.totals.dead += dead.length;
    this.totals.deleted += deleted;
    for (const d of dead) this.log.warn('entry dead-lettered', { id: d.id, error: d.error, deliveries: d.deliveries, dead_letter: o.deadLetter });
    if (deleted > 0) this.log.warn('pending entries were deleted from the input stream before they were scored; acknowledged', { entries: deleted });
  }

  private logStats(): void {
    const now = performance.now(), dt = (now - this.lastStats.at) / 1000;
    const t = this.totals;
    this.log.info('stats', {
      ...t, interval_s: +dt.toFixed(3),
      entries_per_s: +((t.scored + t.dead - this.lastStats.scored - this.lastStats.dead) / dt).toFixed(1),
      mean_entries_per_s: +((t.scored + t.dead) / ((now - this.started) / 1000)).toFixed(1),
    });
    this.lastStats = { at: now, scored: t.scored, dead: t.dead };
  }
}
