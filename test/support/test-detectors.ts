/**
 * Test detectors registered by importing this module (the parallel harness test imports it in the main thread
 * and passes it to the worker threads as a workerModule). Both are iforest with one change.
 */
import { kernels } from '../../src/engine/backend/index.js';
import { detectorEntry, registerDetector } from '../../src/detectors/registry.js';

/** Fails to fit with seed 2. */
export const SEED_FAILING = 'test-fails-on-seed-2';
/** Its resolved configuration says which kernels (backend, thread count) the thread that fitted it had. */
export const KERNEL_REPORTING = 'test-reports-kernels';

const base = detectorEntry('iforest');
registerDetector({
  ...base, name: SEED_FAILING, summary: 'iforest that fails on seed 2 (tests only)',
  create: (p) => {
    if (p?.seed === 2) throw new Error('planted failure for seed 2');
    return base.create(p);
  },
});
registerDetector({
  ...base, name: KERNEL_REPORTING, summary: 'iforest that reports its kernels (tests only)',
  create: (p) => {
    const det = base.create(p);
    const resolved = det.resolvedConfig.bind(det);
    det.resolvedConfig = () => ({ ...resolved(), kernels: { backend: kernels().name, threads: kernels().threads } });
    return det;
  },
});
