import { kernels } from '../backend/index.js';
import { normalScratch, type Rng, scaleNormalsInto } from '../rng.js';

/**
 * out[i] = base[i] + std * z_i (base omitted: std * z_i) for i < n: rng.fillNormal's values and stream, with
 * the standard normals z drawn by the backend's kernel (Kernels.normals). Training noise draws a value per
 * input element each step (denoising corruption), so on the native backend this runs the ziggurat in C.
 */
export function fillGaussian(rng: Rng, out: Float32Array | Float64Array, n: number, std = 1, base?: ArrayLike<number>): void {
  const z = normalScratch(n);
  kernels().normals(rng.state, n, z);
  // The training-noise case (float32 rows plus float32 noise) is a kernel too: on the native backend the
  // scaling loop cost a third of drawing the normals.
  if (base instanceof Float32Array && out instanceof Float32Array) kernels().addScaled(n, std, z, base, out);
  else scaleNormalsInto(z, n, std, base, out);
}
