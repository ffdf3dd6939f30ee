/**
 * The data sets the benchmarks run on, by name: the DAGMM paper's four (bundled) and the development suite's
 * seven ADBench sets (../shared/data/dev-suite: gzipped CSV with a `label` column, 1 = anomaly; not shipped).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadPaperDataset, PAPER_DATASETS, type PaperDatasetName } from '../src/data/datasets/bundled.js';
import { PAPER_ANOMALY_RATIOS } from '../src/data/datasets/table1.js';
import { labelsFromColumn } from '../src/data/labels.js';
import { Rng } from '../src/engine/rng.js';
import { readTable } from '../src/data/readers/read-node.js';
import { labelledSource } from '../src/harness/labelled.js';
import { matrixSource, runBenchmark, runPaperBenchmark, type BenchOptions, type BenchResult, type BenchSource } from '../src/harness/paper.js';
import { runBenchmarkAsync, runPaperBenchmarkAsync } from '../src/harness/parallel.js';

/** The development suite (../shared/data/dev-suite/README.md). */
export const DEV_SUITE = ['aloi', 'donors', 'landsat', 'mnist', 'wdbc', 'cardiotocography', 'celeba'] as const;
export const ALL_DATASETS: readonly string[] = [...PAPER_DATASETS, ...DEV_SUITE];
export const DEFAULT_SUITE_DIR = '../shared/data/dev-suite';
/** Above this many rows a data set takes the benchmarks' --slow-runs seeds. */
export const SLOW_ROWS = 40000;
/** The classical detectors and auto: expected on every data set, compared against scikit-learn's throughput. */
export const CLASSICAL_DETECTORS: readonly string[] = ['auto', 'iforest', 'eif', 'knn', 'lof', 'pca', 'gmm', 'ecod', 'copod', 'hbos', 'ocsvm'];

export interface LoadedBenchData {
  name: string;
  /** Rows of one run (KDDCUP-Rev: its per-run sample). */
  rows: number;
  source: BenchSource;
  /** The harness on this data set (the paper's sets add each detector's per-data-set configuration). */
  run(o: BenchOptions): BenchResult;
  /** The same with o.jobs runs at once in worker threads (runBenchmarkAsync). */
  runAsync(o: BenchOptions): Promise<BenchResult>;
}

export async function loadBenchData(name: string, suiteDir = DEFAULT_SUITE_DIR): Promise<LoadedBenchData> {
  if ((PAPER_DATASETS as readonly string[]).includes(name)) {
    const ds = loadPaperDataset(name as PaperDatasetName);
    const source = matrixSource(ds.base, (rng) => ds.sampleRun(rng), PAPER_ANOMALY_RATIOS[ds.name], 'Table 1 of Zong et al. 2018');
    return { name, rows: ds.sampleRun(new Rng(1)).idx.length, source, run: (o) => runPaperBenchmark(ds, o), runAsync: (o) => runPaperBenchmarkAsync(ds, o) };
  }
  if (!(DEV_SUITE as readonly string[]).includes(name)) throw new Error(`unknown data set "${name}" (available: ${ALL_DATASETS.join(', ')})`);
  const file = join(suiteDir, `${name}.csv.gz`);
  if (!existsSync(file)) throw new Error(`${file}: not found (the development suite is read from --suite-dir)`);
  const table = await readTable(file);
  const source = labelledSource(table, labelsFromColumn(table, 'label', '1'), name, { labelColumn: 'label' });
  return { name, rows: table.rowCount, source, run: (o) => runBenchmark(source, o), runAsync: (o) => runBenchmarkAsync(source, o) };
}
