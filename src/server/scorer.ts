/**
 * Where model compute runs. Small requests are micro-batched: requests for the same model version that
 * arrive within `batchWindowMs` of the first are concatenated and scored in one Detector.scoreTransformed
 * call, then split back (scores are computed row by row, so a row's score does not depend on its batch
 * neighbours; the tests hold the two paths to exact equality). Requests of `workerRows` rows or more go to
 * worker threads, which load the same model bytes, so a large batch never blocks the event loop.
 */
import { Worker } from 'node:worker_threads';
import { hasReconstruction } from '../index.js';
import { HttpError } from './errors.js';
import type { ModelEntry } from './model-store.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

export interface ScorerOptions {
  /** How long the first small request waits for others to join its batch (0: no batching). */
  batchWindowMs: number;
  /** A batch is scored as soon as it holds this many rows. */
  maxBatchRows: number;
  /** Requests with at least this many rows are scored in a worker thread (when workers > 0). */
  workerRows: number;
  /** Worker threads (0: everything in the main thread). */
  workers: number;
  /** A worker job not finished by then answers 503. */
  timeoutMs: number;
  /** Backend the workers select (the main thread's). */
  backend: 'native' | 'typescript';
  /** Called for each micro-batch scored: how many requests and rows it joined. */
  onBatch?: (requests: number, rows: number) => void;
}

export interface Scored { scores: Float64Array; errors: Float32Array | null; path: 'thread' | 'batch' | 'worker' }

const keyOf = (e: ModelEntry): string => `${e.name}@${e.version}`;

interface Part { x: Float32Array; rows: number; resolve: (s: Float64Array) => void; reject: (e: Error) => void }
interface Pending { entry: ModelEntry; parts: Part[]; rows: number; timer: NodeJS.Timeout | null }

export class Scorer {
  private readonly pending = new Map<string, Pending>();
  private readonly pool: WorkerPool | null;

  constructor(private readonly o: ScorerOptions) {
    this.pool = o.workers > 0 ? new WorkerPool(o.workers, o.backend, o.timeoutMs) : null;
  }

  /** Requests waiting in a batch window (tests use it to close the server with a request in flight). */
  get batchedRequests(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.parts.length;
    return n;
  }

  /** Scores rows already preprocessed by entry.det.transform; with `explain`, the per-feature errors too. */
  async score(entry: ModelEntry, x: Float32Array, rows: number, explain: boolean): Promise<Scored> {
    if (this.pool && rows >= this.o.workerRows) return { ...await this.pool.run(entry, x, rows, explain), path: 'worker' };
    if (explain || this.o.batchWindowMs <= 0 || rows >= this.o.maxBatchRows) return { ...inThread(entry, x, rows, explain), path: 'thread' };
    return { scores: await this.enqueue(entry, x, rows), errors: null, path: 'batch' };
  }

  private enqueue(entry: ModelEntry, x: Float32Array, rows: number): Promise<Float64Array> {
    return new Promise((resolve, reject) => {
      const key = keyOf(entry);
      let p = this.pending.get(key);
      if (!p) {
        p = { entry, parts: [], rows: 0, timer: null };
        this.pending.set(key, p);
        const q = p;
        p.timer = setTimeout(() => this.flush(key, q), this.o.batchWindowMs);
      }
      p.parts.push({ x, rows, resolve, reject });
      p.rows += rows;
      if (p.rows >= this.o.maxBatchRows) this.flush(key, p);
    });
  }

  private flush(key: string, p: Pending): void {
    if (this.pending.get(key) === p) this.pending.delete(key);
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
    if (p.parts.length === 0) return;
    const cols = p.entry.det.featureNames.length;
    let all: Float32Array;
    if (p.parts.length === 1) all = p.parts[0].x;
    else {
      all = new Float32Array(p.rows * cols);
      let at = 0;
      for (const part of p.parts) { all.set(part.x, at); at += part.x.length; }
    }
    this.o.onBatch?.(p.parts.length, p.rows);
    let scores: Float64Array;
    try { scores = p.entry.det.scoreTransformed(all, p.rows); } catch {
      // One request's rows broke the batch: score each alone, so only that request gets the error.
      for (const part of p.parts) {
        try { part.resolve(p.entry.det.scoreTransformed(part.x, part.rows)); } catch (e) { part.reject(e as Error); }
      }
      return;
    }
    let at = 0;
    for (const part of p.parts) { part.resolve(scores.slice(at, at + part.rows)); at += part.rows; }
  }

  /** Tells the workers a model version is no longer served (they drop their copy). */
  forget(entry: ModelEntry): void { this.pool?.forget(keyOf(entry)); }

  /** Scores what is queued now, then stops the workers. */
  async close(): Promise<void> {
    for (const [key, p] of [...this.pending]) this.flush(key, p);
    await this.pool?.close();
  }
}

function inThread(entry: ModelEntry, x: Float32Array, rows: number, explain: boolean): { scores: Float64Array; errors: Float32Array | null } {
  const det = entry.det;
  const scores = det.scoreTransformed(x, rows);
  return { scores, errors: explain && hasReconstruction(det) ? det.reconstructionErrors(x, rows) : null };
}

interface Job { key: string; resolve: (r: { scores: Float64Array; errors: Float32Array | null }) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
interface Slot { worker: Worker; jobs: Map<number, Job>; loaded: Set<string> }

class WorkerPool {
  private readonly slots: (Slot | null)[];
  private nextId = 1;
  private closed = false;

  constructor(size: number, private readonly backend: string, private readonly timeoutMs: number) {
    this.slots = new Array<Slot | null>(size).fill(null);
  }

  private spawn(i: number): Slot {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { backend: this.backend } });
    const slot: Slot = { worker, jobs: new Map(), loaded: new Set() };
    worker.on('message', (r: WorkerReply) => {
      const job = slot.jobs.get(r.id);
      if (!job) return; // timed out earlier
      slot.jobs.delete(r.id);
      clearTimeout(job.timer);
      if (r.ok) job.resolve({ scores: r.scores, errors: r.errors });
      else { slot.loaded.delete(job.key); job.reject(new Error(r.message)); } // resend the bytes next time
    });
    const fail = (why: string): void => {
      if (this.slots[i] === slot) this.slots[i] = null; // a fresh worker is started on the next job
      for (const job of slot.jobs.values()) { clearTimeout(job.timer); job.reject(new HttpError(503, `scoring worker ${why}; retry the request`)); }
      slot.jobs.clear();
    };
    worker.on('error', (e) => fail(`failed: ${e.message}`));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
    this.slots[i] = slot;
    return slot;
  }

  run(entry: ModelEntry, x: Float32Array, rows: number, explain: boolean): Promise<{ scores: Float64Array; errors: Float32Array | null }> {
    if (this.closed) return Promise.reject(new HttpError(503, 'the server is shutting down'));
    let best = -1;
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i];
      if (!s) { best = i; break; }
      if (best < 0 || s.jobs.size < this.slots[best]!.jobs.size) best = i;
    }
    const slot = this.slots[best] ?? this.spawn(best);
    const key = keyOf(entry), id = this.nextId++;
    const msg: WorkerRequest = { type: 'score', id, key, x, rows, explain };
    if (!slot.loaded.has(key)) { msg.bytes = entry.bytes; slot.loaded.add(key); }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        slot.jobs.delete(id);
        reject(new HttpError(503, `scoring ${rows} rows did not finish within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      slot.jobs.set(id, { key, resolve, reject, timer });
      slot.worker.postMessage(msg);
    });
  }

  forget(key: string): void {
    for (const s of this.slots) if (s?.loaded.delete(key)) s.worker.postMessage({ type: 'forget', key } satisfies WorkerRequest);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s?.worker.terminate()));
  }
}
