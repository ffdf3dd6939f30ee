/**
 * Runs the one benchmark harness for registered detectors on the DAGMM paper's four data sets under both
 * protocols and writes one JSON file per (model, data set, protocol) into docs/results/benchmarks/, the
 * input of docs/benchmarks.md (bench/benchmarks-table.ts). Existing files are kept unless --force.
 *
 *   node dist/bench/run-benchmarks.js [--models ae,dagmm] [--datasets thyroid,arrhythmia,landsat]
 *     [--protocols paper,half-normal,unsupervised] [--runs 20] [--slow-runs 5] [--seed 1] [--out dir] [--force]
 *     [--suite-dir ../shared/data/dev-suite] [--jobs 1] [--threads n] [--extend]
 *
 * Data sets: the paper's four (bundled) and the development suite's seven ADBench sets (gzipped CSV with a
 * `label` column, 1 = anomaly; read from --suite-dir, not shipped). Default: the paper's four, protocols paper
 * and half-normal. Data sets with more than SLOW_ROWS rows (KDDCUP, KDDCUP-Rev, ALOI, donors, CelebA) take
 * --slow-runs seeds; every JSON says how many runs it holds. --jobs N runs N seeds at once in worker threads
 * (the harness's jobs); the native kernels then use --threads threads, 1 unless given (the process's count,
 * shared by the jobs). Results reproduce for the same seed, backend and kernel thread count; each JSON records
 * both (threads, and jobs when above 1). --extend adds seeds to an existing file that holds fewer than asked
 * (e.g. --slow-runs 20 after a 5-seed file): it runs only the missing seeds and merges (mergeRuns), and refuses
 * before the first seed when the backend, kernel threads or --jobs differ from the file's runs. The file is
 * rewritten after every --jobs seeds, so a stopped job loses at most the group in progress.
 * A file with fewer than 20 runs carries a runsNote saying why; --runs-note TEXT gives the reason when the
 * generic one (a large set, or a slow model) is not it (e.g. a deterministic detector on a protocol that uses
 * every row, where every seed gives the same scores).
 */
import { checkArgs } from './args.js';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBestBackend, backendInfo } from '../src/backend-node.js';
import { PAPER_DATASETS } from '../src/data/datasets/bundled.js';
import { detectorNames } from '../src/detectors/registry.js';
import { checkExtendable, checkJobs, kernelThreadsForJobs, mergeRuns, PROTOCOLS, type BenchResult, type Protocol } from '../src/harness/paper.js';
import { ALL_DATASETS, DEFAULT_SUITE_DIR, loadBenchData, SLOW_ROWS } from './datasets.js';

const argv = process.argv.slice(2);
checkArgs(argv, ['models', 'datasets', 'protocols', 'runs', 'slow-runs', 'seed', 'out', 'force', 'suite-dir', 'jobs', 'threads', 'extend', 'runs-note'], `
node dist/bench/run-benchmarks.js [--models ae,dagmm] [--datasets thyroid,arrhythmia,landsat]
  [--protocols paper,half-normal,unsupervised] [--runs 20] [--slow-runs 5] [--seed 1] [--out dir] [--force]
  [--suite-dir ../shared/data/dev-suite] [--jobs 1] [--threads n] [--extend] [--runs-note TEXT]
Runs the benchmark harness and writes one JSON per (model, data set, protocol); existing files are kept unless
--force (or, with --extend, extended to the asked number of seeds).`);
const opt = (name: string, fallback: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : fallback; };
const list = (name: string, fallback: readonly string[]): string[] => opt(name, fallback.join(',')).split(',').filter(Boolean);


const models = list('models', detectorNames());
const datasets = list('datasets', PAPER_DATASETS);
const protocols = list('protocols', ['paper', 'half-normal']) as Protocol[];
const suiteDir = opt('suite-dir', DEFAULT_SUITE_DIR);
for (const p of protocols) if (!PROTOCOLS.includes(p)) throw new Error(`unknown protocol "${p}" (available: ${PROTOCOLS.join(', ')})`);
for (const d of datasets) if (!ALL_DATASETS.includes(d)) throw new Error(`unknown data set "${d}" (available: ${ALL_DATASETS.join(', ')})`);
const runs = Number(opt('runs', '20')), slowRuns = Number(opt('slow-runs', '5')), seed = Number(opt('seed', '1'));
const out = opt('out', 'docs/results/benchmarks');
const runsNoteArg = opt('runs-note', '');
const force = argv.includes('--force'), extend = argv.includes('--extend');
const jobs = checkJobs(Number(opt('jobs', '1')));
const threadsArg = opt('threads', '');
const threads = kernelThreadsForJobs(jobs, threadsArg === '' ? undefined : Number(threadsArg));
if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) throw new Error(`--threads must be a positive integer, got "${threadsArg}"`);
for (const m of models) if (!detectorNames().includes(m)) throw new Error(`unknown model "${m}" (available: ${detectorNames().join(', ')})`);

useBestBackend('auto', threads);
mkdirSync(out, { recursive: true });
for (const name of datasets) {
  const ds = await loadBenchData(name, suiteDir);
  const slow = ds.rows > SLOW_ROWS;
  for (const model of models) {
    for (const protocol of protocols) {
      const file = join(out, `${model}-${name}-${protocol}.json`);
      const n = slow ? slowRuns : runs;
      const existing = existsSync(file) && !force ? JSON.parse(readFileSync(file, 'utf8')) as BenchResult : null;
      if (existing && !(extend && existing.runs.length < n)) { process.stderr.write(`${file}: exists (${existing.runs.length} runs), kept\n`); continue; }
      if (existing) checkExtendable(file, existing, { seed, ...backendInfo(), jobs });
      const have = existing?.runs.length ?? 0;
      process.stderr.write(`${model} on ${name}, ${protocol} protocol, ${existing ? `runs ${have + 1}..${n} added to ${have}` : `${n} runs`} ...\n`);
      // --jobs seeds at a time, the file rewritten after each group (as paper-sweeps): a stopped job keeps every
      // finished group, and the next --extend call loads the data set once for all the seeds it still needs.
      const why = runsNoteArg || (slow ? `${name} has ${ds.rows} rows, so it takes --slow-runs seeds` : `${model} is slow`);
      let r = existing;
      for (let done = have; done < n;) {
        const k = Math.min(jobs, n - done);
        const added = await ds.runAsync({
          model, runs: k, seed: seed + done, protocol, jobs,
          onRun: (m, i) => process.stderr.write(`  run ${done + i + 1}/${n} seed ${m.seed}: F1 ${m.f1.toFixed(4)} AUROC ${m.auroc.toFixed(4)} (${m.seconds.toFixed(1)} s)\n`),
        });
        r = r ? mergeRuns(r, { ...added, ...backendInfo() }) : { ...added, ...backendInfo() };
        done += k;
        const runsNote = done < n ? `${done} seeds so far (${n} asked; the run was stopped or is still going)` : n < 20 ? `${n} seed${n === 1 ? '' : 's'}: ${why}` : null;
        writeFileSync(`${file}.tmp`, `${JSON.stringify({ ...r, runsNote })}\n`);
        renameSync(`${file}.tmp`, file);
      }
      if (!r) continue;
      process.stderr.write(`  -> ${file}: F1 ${r.mean.f1.toFixed(4)} AUROC ${r.mean.auroc.toFixed(4)}, ${(r.seconds / 60).toFixed(1)} min\n`);
    }
  }
}
