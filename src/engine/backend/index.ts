import type { Kernels } from './kernels.js';
import { TsKernels } from './ts-kernels.js';

export type { Kernels } from './kernels.js';
export { TsKernels } from './ts-kernels.js';

let current: Kernels = new TsKernels();

/** The kernels every op runs on. */
export function kernels(): Kernels { return current; }

/** Selects the backend for all subsequent ops (e.g. the native one, or the TypeScript oracle in tests). */
export function setKernels(k: Kernels): void { current = k; }

/** Runs fn with the given kernels, restoring the previous backend afterwards. */
export function withKernels<T>(k: Kernels, fn: () => T): T {
  const prev = current;
  current = k;
  try { return fn(); } finally { current = prev; }
}
