/**
 * A scoring worker thread: holds detectors loaded from the very bytes the main thread serves (keyed by
 * model name and version) and scores preprocessed matrices, so a large batch never blocks the server's
 * event loop. It runs the same library calls as the in-thread path: Detector.scoreTransformed, and
 * reconstructionErrors for explanations.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { hasReconstruction, loadDetector, useBestBackend, type BackendPreference, type Detector } from '../index.js';

export type WorkerRequest =
  | { type: 'score'; id: number; key: string; bytes?: Uint8Array; x: Float32Array; rows: number; explain: boolean }
  | { type: 'forget'; key: string };
export type WorkerReply =
  | { id: number; ok: true; scores: Float64Array; errors: Float32Array | null }
  | { id: number; ok: false; message: string };

const data = workerData as { backend: BackendPreference };
useBestBackend(data.backend);
const models = new Map<string, Detector>();
const port = parentPort!;

port.on('message', (m: WorkerRequest) => {
  if (m.type === 'forget') { models.delete(m.key); return; }
  try {
    let det = models.get(m.key);
    if (!det) {
      if (!m.bytes) throw new Error(`worker: model ${m.key} is not loaded here and no bytes came with the job`);
      det = loadDetector(m.bytes, m.key);
      models.set(m.key, det);
    }
    const scores = det.scoreTransformed(m.x, m.rows);
    const errors = m.explain && hasReconstruction(det) ? det.reconstructionErrors(m.x, m.rows) : null;
    const reply: WorkerReply = { id: m.id, ok: true, scores, errors };
    port.postMessage(reply); // copied, not transferred: the arrays may be views of the detector's own buffers
  } catch (e) {
    const reply: WorkerReply = { id: m.id, ok: false, message: (e as Error).message };
    port.postMessage(reply);
  }
});
