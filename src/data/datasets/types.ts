/** A labelled benchmark data set: numeric features (already encoded) and 0/1 anomaly labels. */
export interface LabelledDataset {
  name: string;
  rows: number;
  cols: number;
  /** Row-major float32 features, unscaled (scaling is fitted per split, on training rows only). */
  x: Float32Array;
  /** 1 = anomaly, 0 = normal. */
  labels: Uint8Array;
  columns: string[];
  /** How the features were derived from the raw file. */
  description: string;
}

/** The rows `idx` of a data set as a new row-major matrix. */
export function takeRows(x: Float32Array, cols: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * cols);
  for (let i = 0; i < idx.length; i++) out.set(x.subarray(idx[i] * cols, (idx[i] + 1) * cols), i * cols);
  return out;
}
