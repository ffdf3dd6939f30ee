/**
 * Node entry: everything in the browser entry, plus the native backend, selected on import
 * (falls back to TypeScript with a one-line notice when the addon is not built).
 */
import { useBestBackend } from './backend-node.js';

export * from './browser.js';
export { useBestBackend, backendInfo, type BackendPreference } from './backend-node.js';
export { loadPaperDataset, PAPER_DATASETS, type PaperDatasetName } from './data/datasets/bundled.js';
export { runBenchmark, runPaperBenchmark, PROTOCOLS, matrixSource, kernelThreadsForJobs, type BenchResult, type BenchOptions, type BenchSource, type Protocol } from './harness/paper.js';
export { runLabelledBenchmark, type LabelledBenchOptions } from './harness/labelled.js';
export { runBenchmarkAsync, runPaperBenchmarkAsync, runLabelledBenchmarkAsync } from './harness/parallel.js';
export { readTable, type ReadTableOptions } from './data/readers/read-node.js';
export { readModelBytes, readModelFile, writeModelFile, writeModelBytes, MAX_MODEL_FILE_BYTES } from './io/model-file-node.js';

useBestBackend();
