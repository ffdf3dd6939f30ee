/**
 * The page's worker: trains a detector (or loads a model file) on the pure-TypeScript backend, then scores the
 * data with the model file it will hand back, so the page's report and scores CSV are exactly what that file
 * gives anywhere else (the CLI, the server).
 */
import { buildReportInput, createDetector, labelScores, loadDetector, parseTableBytes, scoresToCsv } from '../../src/browser.js';
import type { Job, JobMessage } from './protocol.js';

/** Progress messages at most this often (a fast loop would otherwise flood the page). */
const PROGRESS_MS = 50;

const post = (m: JobMessage, transfer: Transferable[] = []): void => (self as unknown as { postMessage(m: unknown, t: Transferable[]): void }).postMessage(m, transfer);

const stem = (name: string): string => name.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || 'data';

async function run(job: Job): Promise<void> {
  const t0 = performance.now();
  const table = await parseTableBytes(job.data.name, job.data.bytes);
  let model: Uint8Array, modelName: string;
  if (job.type === 'train') {
    const det = createDetector(job.detector, job.params);
    let last = 0;
    det.fit(table, {
      labelColumn: job.labelColumn ?? undefined,
      onProgress: (done, total, info) => {
        const now = performance.now();
        if (done < total && now - last < PROGRESS_MS) return;
        last = now;
        post({ type: 'progress', done, total, info });
      },
    });
    model = det.toBytes();
    modelName = `${stem(job.data.name)}-${job.detector}.abr`;
  } else {
    model = job.model.bytes;
    modelName = job.model.name;
  }
  post({ type: 'progress', done: 1, total: 1, info: 'scoring' });
  // Score with the file itself, not the in-memory detector: what the page shows is what the download gives.
  const det = loadDetector(model, modelName);
  const report = buildReportInput(det, table, { source: job.data.name, top: 20 });
  const { isAnomaly, rank } = labelScores(det, report.scores);
  const csv = scoresToCsv(report.scores, isAnomaly, rank);
  post({ type: 'result', model: { name: modelName, bytes: model }, detector: det.name, report, csv, seconds: (performance.now() - t0) / 1000 });
}

self.onmessage = (e: MessageEvent<Job>) => {
  run(e.data).catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
};
