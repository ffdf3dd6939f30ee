/** Column scalers fitted on training rows only, then applied to any rows (stored with models). */

export interface MinMaxScaler { kind: 'minmax'; min: Float64Array; range: Float64Array }

/**
 * Per-column min and range over the rows of x. A column constant on these rows gets range 0: it has no
 * training unit, so {@link applyMinMax} encodes only whether (and which way) a value departs from the
 * constant, as -1/0/+1, the size of a full-range move in any other column. Without this, such a column
 * stays in its raw units (a 0/40 flag outweighs every scaled column); 0/1 indicator columns are unchanged.
 */
export function fitMinMax(x: Float32Array, rows: number, cols: number): MinMaxScaler {
  if (rows === 0) throw new Error('min-max scaling: no rows to fit on');
  const min = new Float64Array(cols).fill(Infinity), max = new Float64Array(cols).fill(-Infinity);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = x[i * cols + j];
      if (v < min[j]) min[j] = v;
      if (v > max[j]) max[j] = v;
    }
  }
  const range = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    if (!Number.isFinite(min[j]) || !Number.isFinite(max[j])) throw new Error(`min-max scaling: column ${j + 1} has non-finite values`);
    range[j] = max[j] - min[j];
  }
  return { kind: 'minmax', min, range };
}

/** (x - min) / range in place (sign(x - min) where range is 0). Values outside the training range map outside [0, 1]. */
export function applyMinMax(s: MinMaxScaler, x: Float32Array, rows: number, cols: number): Float32Array {
  if (s.min.length !== cols) throw new Error(`min-max scaling: the scaler has ${s.min.length} columns, the data has ${cols}`);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const d = x[i * cols + j] - s.min[j];
      x[i * cols + j] = s.range[j] > 0 ? d / s.range[j] : Math.sign(d);
    }
  }
  return x;
}
