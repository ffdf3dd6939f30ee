/**
 * The benchmark harness with its seeds spread over worker threads (BenchOptions.jobs). The main thread plans
 * the benchmark and prepares each run's rows (split, contamination, harness scaling: cheap, and the data is
 * parsed once); a worker runs the loop body (runSeed: fit, score, control) on them and returns the metrics,
 * which are put back in seed order. So the result equals runBenchmark's with the same kernel thread count
 * (the native thread count is the process's, shared by every worker), apart from timings and `jobs`.
 * Node only (worker_threads).
 */
import { Worker } from 'node:worker_threads';
import { kernels } from '../engine/backend/index.js';
import { isTable, type DataInput } from '../detectors/detector.js';
import { makeTable, type Column, type Table } from '../data/table.js';
import type { BenchDataset } from '../data/datasets/bundled.js';
import { labelledSource, type LabelledBenchOptions } from './labelled.js';
import {
  checkJobs, paperBenchmarkArgs, planBenchmark, runBenchmark,
  type BenchOptions, type BenchResult, type SeedOutcome, type SeedRows, type SeedSpec,
} from './paper.js';

/** What a worker thread is started with. */
export interface SeedWorkerData { spec: SeedSpec; backend: 'native' | 'typescript'; modules: readonly string[] }
/** Rows as they travel to a worker: a Table goes as its columns (a class instance does not survive the copy). */
export type PortableRows = Exclude<DataInput, Table> | { table: { source: string; names: readonly string[]; columns: Column[]; rowCount: number } };
export type PortableSeedRows = Omit<SeedRows, 'fit' | 'test'> & { fit: PortableRows; test: PortableRows };
export type SeedWorkerReply = { ok: true; outcome: SeedOutcome } | { ok: false; r: number; message: string };

export function toPortable(d: DataInput): PortableRows {
  if (!isTable(d)) return d;
  return { table: { source: d.source, names: d.names, columns: d.names.map((n) => d.column(n)), rowCount: d.rowCount } };
}

export function fromPortable(d: PortableRows): DataInput {
  if ('table' in d && !Array.isArray(d)) return makeTable(d.table.source, d.table.names, d.table.columns, d.table.rowCount);
  return d as DataInput;
}

/**
 * runBenchmark with up to o.jobs seeds at once, each run (and its untrained control) in one of
 * min(jobs, runs) worker threads. jobs 1 (the default) is runBenchmark itself, in this thread. onRun fires
 * as runs finish (completion order, with each run's index); onFitted is not available (the detector lives
 * in the worker). A failure in a worker rejects with an error naming the seed, and stops the other workers.
 */
export async function runBenchmarkAsync(...[src, o, extra]: Parameters<typeof runBenchmark>): Promise<BenchResult> {
  const jobs = checkJobs(o.jobs);
  if (jobs === 1) return runBenchmark(src, o, extra);
  if (o.onFitted) throw new Error('onFitted needs the fitted detector in this thread: it works with jobs 1 only');
  const plan = planBenchmark(src, o, extra);
  const n = Math.min(jobs, o.runs);
  const init: SeedWorkerData = { spec: plan.spec, backend: kernels().name, modules: o.workerModules ?? [] };
  const workers: Worker[] = [];
  const outcomes = await new Promise<SeedOutcome[]>((resolve, reject) => {
    const done: SeedOutcome[] = [];
    let next = 0, failed = false;
    const seedOf = (r: number): string => `seed ${o.seed + r} (run ${r + 1} of ${o.runs})`;
    const fail = (e: unknown): void => {
      if (failed) return;
      failed = true;
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    /** Sends the next run to a free worker; returns the run sent, or -1 when none is left. */
    const feed = (w: Worker): number => {
      if (failed || next >= o.runs) return -1;
      const r = next++;
      const job = plan.prepare(r);
      const msg: PortableSeedRows = { ...job, fit: toPortable(job.fit), test: toPortable(job.test) };
      w.postMessage(msg); // copied, not transferred: a source may hand out views of its own data
      return r;
    };
    for (let i = 0; i < n && !failed; i++) {
      let w: Worker;
      try {
        w = new Worker(new URL('./seed-worker.js', import.meta.url), { workerData: init });
      } catch (e) {
        // DataCloneError: the detector's parameters hold something other than plain data.
        fail(new Error(`jobs ${jobs}: could not start a worker thread: ${(e as Error).message} (detector parameters must be plain data: numbers, strings, arrays, objects)`));
        return;
      }
      workers.push(w);
      let current = -1;
      w.on('message', (m: SeedWorkerReply) => {
        if (failed) return;
        if (!m.ok) { fail(new Error(`${seedOf(m.r)}: ${m.message}`)); return; }
        done.push(m.outcome);
        current = -1;
        try {
          o.onRun?.(m.outcome.run, m.outcome.r, m.outcome.control);
          if (done.length === o.runs) resolve(done);
          else current = feed(w);
        } catch (e) { fail(e); }
      });
      w.on('error', (e) => fail(new Error(`${current >= 0 ? seedOf(current) : 'a benchmark worker thread'}: ${e.message}`)));
      w.on('exit', (code) => { if (current >= 0) fail(new Error(`${seedOf(current)}: its worker thread stopped (exit code ${code}) before the run finished`)); });
      try { current = feed(w); } catch (e) { fail(e); }
    }
  }).finally(() => Promise.all(workers.map((w) => w.terminate())));
  return { ...plan.finish(outcomes), jobs: n };
}

/** runPaperBenchmark with o.jobs seeds at once (runBenchmarkAsync). */
export function runPaperBenchmarkAsync(ds: BenchDataset, o: BenchOptions): Promise<BenchResult> {
  return runBenchmarkAsync(...paperBenchmarkArgs(ds, o));
}

/** runLabelledBenchmark with o.jobs seeds at once (runBenchmarkAsync). */
export function runLabelledBenchmarkAsync(table: Table, labels: Uint8Array, name: string, o: LabelledBenchOptions): Promise<BenchResult> {
  return runBenchmarkAsync(labelledSource(table, labels, name, o), { ...o, model: o.detector });
}
