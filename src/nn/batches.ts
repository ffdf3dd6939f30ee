/** Row batches of a row-major matrix, for training and for batched inference. */
import { Tape, Tensor } from '../engine/tensor.js';

/** Row batches of a row-major matrix as tensors (views, no copies). */
export function* rowBatches(x: Float32Array, rows: number, cols: number, batch: number): Generator<{ start: number; t: Tensor }> {
  for (let s = 0; s < rows; s += batch) {
    const e = Math.min(rows, s + batch);
    yield { start: s, t: new Tensor(x.subarray(s * cols, e * cols), [e - s, cols]) };
  }
}

/**
 * Runs fn on each row batch inside one no-gradient tape: intermediate buffers are pooled and reused from
 * batch to batch, nothing is recorded for backward, and everything is released at the end.
 */
export function forEachBatchNoGrad(x: Float32Array, rows: number, cols: number, batch: number, fn: (t: Tensor, start: number) => void): void {
  const tape = new Tape({ grad: false });
  try {
    for (const { start, t } of rowBatches(x, rows, cols, batch)) tape.record(() => fn(t, start));
  } finally {
    tape.release();
  }
}
