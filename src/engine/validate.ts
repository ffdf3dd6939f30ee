/** Input checks shared by the models: fail with the position of the first bad value. */

/** Throws `<what> has a non-finite value (NaN) at row r, column c` for the first NaN/Inf (0-based). */
export function assertFiniteMatrix(data: ArrayLike<number>, rows: number, cols: number, what: string): void {
  if (data.length !== rows * cols) {
    throw new Error(`${what}: expected ${rows} x ${cols} = ${rows * cols} values, got ${data.length}`);
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      throw new Error(`${what} has a non-finite value (${v}) at row ${Math.floor(i / cols)}, column ${i % cols}`);
    }
  }
}
