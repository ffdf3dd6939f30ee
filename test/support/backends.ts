import { TsKernels } from '../../src/engine/backend/ts-kernels.js';
import type { Kernels } from '../../src/engine/backend/kernels.js';
import { loadNativeKernels } from '../../src/engine/backend/native.js';

/** The backends available in this build: always the TypeScript oracle, plus native when built. */
export function availableBackends(): Kernels[] {
  const list: Kernels[] = [new TsKernels()];
  const native = loadNativeKernels();
  if (native) list.push(native);
  return list;
}

export const nativeKernels: Kernels | null = loadNativeKernels();
