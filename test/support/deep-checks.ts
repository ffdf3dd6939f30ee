/** Checks the deep-detector tests share: finite training history, and scores that survive a model file. */
import assert from 'node:assert/strict';
import { loadDetector } from '../../src/detectors/registry.js';
import type { Detector } from '../../src/detectors/detector.js';

interface Trained extends Detector { history: readonly { epoch: number; loss: number; terms: Record<string, number> }[] }

/** Every epoch's loss and loss terms are finite; the phases (terms without a dot) are `phases`, in order. */
export function assertFiniteHistory(det: Trained, epochs: number, phases: readonly string[]): void {
  assert.equal(det.history.length, epochs);
  for (const h of det.history) assert.ok(Number.isFinite(h.loss) && Object.values(h.terms).every(Number.isFinite), `epoch ${h.epoch}: ${JSON.stringify(h)}`);
  assert.deepEqual(Object.keys(det.history[0].terms).filter((k) => !k.includes('.')), [...phases]);
}

/** Scores of `rows` equal after a model-file round trip, and a row's score does not depend on its batch. */
export function assertScoresPortable(det: Detector, rows: number[][]): void {
  const s = Array.from(det.scoreSamples(rows));
  assert.deepEqual(Array.from(loadDetector(det.toBytes(), 'm.abr').scoreSamples(rows)), s);
  assert.deepEqual(Array.from(det.scoreSamples(rows.slice(10))), s.slice(10));
}
