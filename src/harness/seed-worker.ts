/**
 * A benchmark worker thread (harness/parallel.ts): imports the detectors (the built-in ones, plus any
 * workerModules), selects the main thread's backend, then runs the loop body (runSeed) on each run's rows
 * it is sent and answers with the metrics, or with the error's message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { useBestBackend } from '../backend-node.js';
import { fromPortable, type PortableSeedRows, type SeedWorkerData, type SeedWorkerReply } from './parallel.js';
import { runSeed } from './paper.js';
import { detectorNames } from '../detectors/registry.js';

const data = workerData as SeedWorkerData;
for (const m of data.modules) await import(m);
if (!detectorNames().includes(data.spec.model)) {
  throw new Error(`detector "${data.spec.model}" is not registered in the benchmark's worker threads (they import the built-in detectors; pass the module that registers it in workerModules)`);
}
useBestBackend(data.backend);
const port = parentPort!;

port.on('message', (job: PortableSeedRows) => {
  let reply: SeedWorkerReply;
  try {
    reply = { ok: true, outcome: runSeed(data.spec, { ...job, fit: fromPortable(job.fit), test: fromPortable(job.test) }) };
  } catch (e) {
    reply = { ok: false, r: job.r, message: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});
