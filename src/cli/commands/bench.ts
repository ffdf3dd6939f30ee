/**
 * bench csv and bench paper: the benchmark protocol (harness/paper.ts) for any registered detector, on any
 * labelled file or on one of the DAGMM paper's bundled data sets. One option set, one progress line, one
 * summary; the JSON output is the harness's result plus the backend.
 */
import { Option, type Command } from 'commander';
import {
  backendInfo, kernelThreadsForJobs, labelsFromColumn, detectorNames, loadPaperDataset, PAPER_DATASETS, PROTOCOLS, runLabelledBenchmarkAsync, runPaperBenchmarkAsync,
  type BenchResult, type PaperDatasetName, type Protocol,
} from '../../index.js';
import { setNativeThreads } from '../../engine/backend/native.js';
import { addDetectorOptions, addReadOptions, type ReadOptionValues, detectorParams, fmt, list, nonNegativeInt, readData, type DetectorOptionValues } from '../common.js';

interface BenchOpts extends DetectorOptionValues { model: string; runs: number; protocol: Protocol; control: boolean; trainContamination?: number; json?: boolean; jobs: number; threads?: number }

/** A fraction in [0, 1], both ends included (0 = no anomaly rows, 1 = all of them). */
function closedFraction(v: string): number {
  const n = Number(v);
  if (!(v.trim() !== '' && n >= 0 && n <= 1)) throw new Error(`--train-contamination must be a number in [0, 1], got "${v}"`);
  return n;
}

/** The options both benchmarks share: detector, its parameters, runs, protocol, control, JSON. */
function addBenchOptions(cmd: Command): Command {
  return addDetectorOptions(cmd
    .addOption(new Option('--model <name>', 'detector').choices(detectorNames()).default('dagmm'))
    .option('--runs <n>', 'independent runs (seeds seed .. seed+runs-1, default seed 1)', nonNegativeInt('runs'), 20)
    .addOption(new Option('--protocol <name>', 'evaluation protocol: paper (50/50 split, fit on the training half\'s normal rows, flag a fixed ratio), half-normal (fit on half the normal rows; flags the test anomaly rate, computed from the test labels) or unsupervised (fit on every row, anomalies included; score the same rows; flag the fixed ratio)').choices([...PROTOCOLS]).default('paper'))
    .option('--no-control', 'skip the untrained control')
    // Not --contamination: that option already sets the detector's threshold (common.ts).
    .option('--train-contamination <c>', 'paper protocol: also fit on this fraction of the training half\'s anomaly rows (DAGMM paper Table 3\'s c%; 1 = the whole training half); default 0', closedFraction)
    .option('--jobs <n>', 'runs at once, each in a worker thread (1: one after the other)', positiveInt('jobs'), 1)
    .option('--threads <n>', 'native kernel threads, shared by the jobs (default: ABERRANT_THREADS or up to 2 cores; 1 with --jobs above 1); results reproduce for the same seed, backend and thread count', positiveInt('threads'))
    .option('--json', 'print the result as one JSON object on stdout'));
}

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(v.trim() !== '' && Number.isInteger(n) && n >= 1)) throw new Error(`--${name} must be a positive integer, got "${v}"`);
    return n;
  };
}

/** The kernel thread count for the run: --threads, else 1 when jobs share the cores (each job one thread). */
function setThreads(o: BenchOpts): void {
  const threads = kernelThreadsForJobs(o.jobs, o.threads);
  if (threads !== undefined && backendInfo().backend === 'native') setNativeThreads(threads);
  if (o.jobs > 1) process.stderr.write(`${o.jobs} jobs, ${backendInfo().threads} kernel thread(s) (the process's, shared by the jobs)\n`);
}

/** A seed or epoch count from --seed/--epochs or, failing those, --param/--params: a whole number >= 0. */
function benchInt(name: 'seed' | 'epochs', v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) throw new Error(`${name} must be an integer >= 0, got ${JSON.stringify(v)} (from --param/--params; or give --${name})`);
  return v;
}

/** Detector parameters, first seed and progress callback from the shared options. */
function benchSettings(o: BenchOpts) {
  const params = detectorParams(o);
  // The seed is per run (seed + r) and epochs are the harness's override: neither stays a fixed parameter.
  // Given only as --param/--params they act as --seed/--epochs (they used to vanish without a word).
  const seed = benchInt('seed', params.seed), epochs = benchInt('epochs', params.epochs);
  delete params.seed; delete params.epochs;
  return {
    model: o.model, params, runs: o.runs, seed: seed ?? 1, protocol: o.protocol, epochs, noControl: !o.control, trainContamination: o.trainContamination,
    jobs: o.jobs,
    onRun: (r: BenchResult['runs'][number], i: number, c: BenchResult['runs'][number] | null) => process.stderr.write(
      `run ${i + 1}/${o.runs} seed ${r.seed}: precision ${fmt(r.precision)} recall ${fmt(r.recall)} F1 ${fmt(r.f1)} AUROC ${fmt(r.auroc)} AP ${fmt(r.ap)} (${r.seconds.toFixed(1)} s)${r.trainAnomalies !== undefined ? `; fitted on ${r.trainRows} rows, ${r.trainAnomalies} anomalies` : ''}${c ? `; untrained F1 ${fmt(c.f1)} AUROC ${fmt(c.auroc)}` : ''}\n`),
  };
}

function printResult(res: BenchResult, o: BenchOpts, title: string): void {
  if (o.json) { console.log(JSON.stringify({ ...res, ...backendInfo() })); return; }
  const f = (k: 'precision' | 'recall' | 'f1' | 'auroc' | 'ap'): string => `${fmt(res.mean[k])} ± ${fmt(res.std[k])}`;
  console.log(`\n${title}, ${o.model}, ${o.runs} runs, ${res.seconds.toFixed(1)} s`);
  console.log(`precision ${f('precision')}  recall ${f('recall')}  F1 ${f('f1')}  AUROC ${f('auroc')}  AP ${f('ap')}`);
  if (res.paper) console.log(`paper:    precision ${res.paper.precision}  recall ${res.paper.recall}  F1 ${res.paper.f1}`);
  if (res.control.runs.length) console.log(`untrained control: F1 ${fmt(res.control.mean.f1)}  AUROC ${fmt(res.control.mean.auroc)}`);
}

interface BenchCsvOpts extends BenchOpts, ReadOptionValues { labelColumn: string; positive?: string; drop?: string[] }

export function registerBench(bench: Command, setup: () => void): void {
  addReadOptions(addBenchOptions(bench.command('csv')
    .description('Run the benchmark protocol (random splits, fit on normal training rows, flag the anomaly rate) on any labelled data file')
    .argument('<file>', 'labelled data file (CSV, JSON Lines, Arrow IPC, Parquet)')
    .requiredOption('--label-column <name>', 'column with labels (1/true/--positive value = anomaly)')
    .option('--positive <value>', 'label value that means anomaly, for text labels')
    .option('--drop <cols>', 'comma-separated columns to leave out', list)))
    .addHelpText('after', '\nExamples:\n  aberrant bench csv data/thyroid.csv --label-column label --model dagmm --runs 20 --seed 1 --json\n  aberrant bench csv flows.parquet --label-column attack --positive yes --model ae --runs 5 --epochs 50')
    .action(async (file: string, o: BenchCsvOpts) => {
      setup();
      setThreads(o);
      const table = await readData(file, o);
      const labels = labelsFromColumn(table, o.labelColumn, o.positive ?? null);
      const { model, ...s } = benchSettings(o);
      printResult(await runLabelledBenchmarkAsync(table, labels, file, { ...s, detector: model, labelColumn: o.labelColumn, drop: o.drop }), o, file);
    });

  addBenchOptions(bench.command('paper')
    .description('Run the DAGMM paper\'s protocol on one of its data sets (bundled) with any detector and print per-run and summary metrics')
    .requiredOption('--dataset <name>', `data set: ${PAPER_DATASETS.join(', ')}`))
    .addHelpText('after', '\nThe detector uses its configuration for the data set (beside it, e.g. dagmm/paper-configs.ts) when it has one;\n--param/--params override it.\n\nExamples:\n  aberrant bench paper --dataset thyroid --model dagmm --runs 20 --seed 1 --json\n  aberrant bench paper --dataset arrhythmia --model ae --runs 3 --epochs 200\n  aberrant bench paper --dataset thyroid --model rda --train-contamination 1 --runs 5\n  aberrant bench paper --dataset thyroid --model dagmm --runs 20 --jobs 2 --json   (2 runs at once, 1 kernel thread)')
    .action(async (o: BenchOpts & { dataset: string }) => {
      if (!(PAPER_DATASETS as readonly string[]).includes(o.dataset)) throw new Error(`unknown --dataset "${o.dataset}" (expected ${PAPER_DATASETS.join(', ')})`);
      setup();
      setThreads(o);
      const name = o.dataset as PaperDatasetName;
      const ds = loadPaperDataset(name);
      process.stderr.write(`${name}: ${ds.base.description}\n`);
      printResult(await runPaperBenchmarkAsync(ds, benchSettings(o)), o, name);
    });
}
