/**
 * Issue 10, item 5: how long the Table 2 runs take, one seed at a time with the 2-thread kernel pool versus
 * several seeds at once in worker threads (the harness's jobs) with 1 kernel thread each. For each model and
 * data set, every mode runs the same benchmark (paper protocol, the model's paper configuration, --runs seeds,
 * untrained controls included) through the one harness; prints one JSON object: seconds per model, set and
 * mode, the speed-up of each mode over the first, and whether modes with the same kernel thread count gave
 * identical metrics (they must: jobs never change results; the thread count can, by the last bits).
 *
 *   node dist/bench/table2-speed.js [--models dagmm] [--datasets kddcup,thyroid,arrhythmia,kddcup-rev]
 *     [--runs 20] [--seed 1] [--modes 1x2,2x1] [--epochs N (smoke checks only)] [--no-control]
 *
 * A mode is JOBSxTHREADS: 1x2 is today's sequential run (one seed at a time, 2 kernel threads), 2x1 two seeds at
 * once with 1 kernel thread each, 2x2 two at once sharing the 2-thread pool (same results as 1x2). Measure on
 * otherwise idle cores: anything else running makes the numbers meaningless.
 */
import { cpus } from 'node:os';
import { backendInfo, useBestBackend } from '../src/backend-node.js';
import { loadPaperDataset, PAPER_DATASETS, type PaperDatasetName } from '../src/data/datasets/bundled.js';
import { setNativeThreads } from '../src/engine/backend/native.js';
import { detectorNames } from '../src/detectors/registry.js';
import type { BenchResult } from '../src/harness/paper.js';
import { runPaperBenchmarkAsync } from '../src/harness/parallel.js';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : fallback; };
const list = (name: string, fallback: readonly string[]): string[] => opt(name, fallback.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
const positive = (name: string, v: string): number => {
  const n = Number(v);
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`--${name} must be a positive integer, got "${v}"`);
  return n;
};

const models = list('models', ['dagmm']);
const datasets = list('datasets', PAPER_DATASETS);
const runs = positive('runs', opt('runs', '20'));
const seed = Number(opt('seed', '1'));
const epochsArg = opt('epochs', '');
const epochs = epochsArg === '' ? undefined : positive('epochs', epochsArg);
const noControl = argv.includes('--no-control');
const modes = list('modes', ['1x2', '2x1']).map((m) => {
  const [j, t] = m.split('x');
  if (j === undefined || t === undefined) throw new Error(`--modes: "${m}" is not JOBSxTHREADS (e.g. 2x1)`);
  return { name: m, jobs: positive('modes jobs', j), threads: positive('modes threads', t) };
});
for (const m of models) if (!detectorNames().includes(m)) throw new Error(`unknown model "${m}" (available: ${detectorNames().join(', ')})`);
for (const d of datasets) if (!(PAPER_DATASETS as readonly string[]).includes(d)) throw new Error(`unknown data set "${d}" (available: ${PAPER_DATASETS.join(', ')})`);
if (useBestBackend('auto') !== 'native') process.stderr.write('table2-speed: the native backend is not built; every mode runs the TypeScript kernels (1 thread)\n');

/** The metrics of a result, without timings: equal for two runs that computed the same thing. */
const metrics = (r: BenchResult): string => JSON.stringify([r.runs, r.control.runs].map((rs) => rs.map((m) => [m.seed, m.precision, m.recall, m.f1, m.auroc, m.ap])));

interface ModeResult { mode: string; jobs: number; threads: number; seconds: number; secondsPerRun: number; speedup: number; f1: number; auroc: number; sameMetricsAs: string[] }
const results: { model: string; dataset: string; rows: number; modes: ModeResult[] }[] = [];
const totals = new Map<string, number>(modes.map((m) => [m.name, 0]));

for (const name of datasets) {
  const t = performance.now();
  const ds = loadPaperDataset(name as PaperDatasetName);
  process.stderr.write(`${name}: loaded in ${((performance.now() - t) / 1000).toFixed(1)} s (once, shared by every mode)\n`);
  for (const model of models) {
    const done: (ModeResult & { key: string })[] = [];
    for (const m of modes) {
      setNativeThreads(m.threads);
      const { threads } = backendInfo();
      process.stderr.write(`  ${model} on ${name}, ${runs} runs, mode ${m.name} (${m.jobs} job(s), ${threads} kernel thread(s)) ...\n`);
      const t0 = performance.now();
      const r = await runPaperBenchmarkAsync(ds, { model, runs, seed, protocol: 'paper', epochs, noControl, jobs: m.jobs });
      const seconds = (performance.now() - t0) / 1000;
      const key = metrics(r);
      const same = done.filter((d) => d.key === key).map((d) => d.mode);
      done.push({ key, mode: m.name, jobs: m.jobs, threads, seconds, secondsPerRun: seconds / runs, speedup: done.length ? done[0].seconds / seconds : 1, f1: r.mean.f1, auroc: r.mean.auroc, sameMetricsAs: same });
      totals.set(m.name, (totals.get(m.name) ?? 0) + seconds);
      process.stderr.write(`    ${seconds.toFixed(1)} s (${(seconds / runs).toFixed(2)} s per run with its control), F1 ${r.mean.f1.toFixed(4)}${same.length ? `, same metrics as ${same.join(', ')}` : ''}\n`);
    }
    results.push({ model, dataset: name, rows: ds.base.rows, modes: done.map(({ key: _key, ...d }) => d) });
  }
}

const first = modes[0].name;
console.log(JSON.stringify({
  what: 'seconds per model, data set and mode (JOBSxTHREADS) for the paper-protocol runs with their untrained controls',
  runs, seed, epochs: epochs ?? 'the paper configuration\'s', controls: !noControl,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, backend: backendInfo().backend },
  results,
  totals: Object.fromEntries([...totals].map(([k, v]) => [k, { seconds: v, minutes: v / 60, speedup: (totals.get(first) ?? v) / v }])),
}, null, 2));
