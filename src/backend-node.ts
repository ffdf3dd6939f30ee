/**
 * Backend selection for Node: the native kernels when the addon is built, otherwise the TypeScript
 * kernels with a one-line notice. Browsers use src/browser.ts, which never touches this file.
 */
import { setKernels, TsKernels, kernels } from './engine/backend/index.js';
import { loadNativeKernels, nativeLoadError, setNativeThreads } from './engine/backend/native.js';

export type BackendPreference = 'auto' | 'native' | 'typescript';

let noticed = false;

/**
 * Selects the backend for all ops and returns its name. 'auto' (the default, or env ABERRANT_BACKEND)
 * prefers native; 'native' throws if the addon is missing; 'typescript' forces the oracle.
 */
export function useBestBackend(pref?: BackendPreference, threads?: number): 'native' | 'typescript' {
  const want = pref ?? (process.env.ABERRANT_BACKEND as BackendPreference | undefined) ?? 'auto';
  if (!['auto', 'native', 'typescript'].includes(want)) {
    throw new Error(`unknown backend "${want}" (expected auto, native or typescript)`);
  }
  if (want !== 'typescript') {
    const native = loadNativeKernels();
    if (native) {
      if (threads !== undefined) setNativeThreads(threads);
      setKernels(native);
      return 'native';
    }
    if (want === 'native') {
      throw new Error(`the native backend is not available (${nativeLoadError() ?? 'addon not built'}); run npm run build`);
    }
    if (!noticed && !process.env.ABERRANT_QUIET) {
      noticed = true;
      process.stderr.write(`aberrant: native backend not built (${nativeLoadError() ?? 'run npm run build'}); using the TypeScript backend\n`);
    }
  }
  setKernels(new TsKernels());
  return 'typescript';
}

/** Name and thread count of the backend in use. */
export function backendInfo(): { backend: 'native' | 'typescript'; threads: number } {
  const k = kernels();
  return { backend: k.name, threads: k.threads };
}
