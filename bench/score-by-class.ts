/**
 * Where a detector's ranking goes wrong, class by class: one seed of the harness's protocol (the same split,
 * configuration and fit as bench/run-benchmarks.ts), and for each raw class of the test rows (KDDCUP's traffic
 * types; "normal" / "anomaly" on the other sets) how many test rows it has, their mean score percentile, and
 * the share of them the protocol's cut flags. A low F1 with a middling AUROC, or an AUROC far below 0.5, shows
 * up here as a normal-class type ranked above the anomalies. With --control the untrained control (the same
 * initial networks, not trained) is scored the same way beside it. --param key=value changes a detector
 * parameter (as the CLI's); --test-rows N scores a seeded random sample of N test rows instead of all of them
 * (the metrics are then the sample's), for settings that make scoring slow.
 *
 *   node dist/bench/score-by-class.js --model anogan --dataset kddcup [--protocol paper] [--seed 1]
 *     [--control] [--param key=value ...] [--test-rows N] [--epochs N (quick checks only)]
 *     [--out docs/results/studies/score-by-class]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backendInfo, useBestBackend } from '../src/backend-node.js';
import { bundledDataDir, loadPaperDataset, PAPER_DATASETS, type PaperDatasetName } from '../src/data/datasets/bundled.js';
import { loadKddcupFile } from '../src/data/datasets/kddcup.js';
import { Rng } from '../src/engine/rng.js';
import { evaluate, fitAndScore, paperBenchmarkArgs, planBenchmark, PROTOCOLS, type Protocol, type RunMetrics } from '../src/harness/paper.js';
import { flaggedCount } from '../src/metrics/threshold.js';
import { parseParamPairs } from '../src/cli/common.js';
import { takeRows } from '../src/data/datasets/types.js';
import { checkArgs } from './args.js';

export interface ClassRow {
  /** The raw class (e.g. "smurf."), or "normal" / "anomaly" where the data set has no finer labels. */
  name: string;
  /** 1 = counted as an anomaly by the protocol. */
  label: number;
  testRows: number;
  /** Mean over the class's rows of the share of test rows scored strictly below the row (ties count half). */
  meanPercentile: number;
  /** Share of the class's rows the protocol's cut flags (rows tied at the cut share the remaining places). */
  flagged: number;
  /** The class's share of all flagged rows. */
  shareOfFlagged: number;
}

/**
 * Per-class summary of one score vector. classOf[i] is test row i's class name; labels its protocol label.
 * k rows are flagged: those above the k-th largest score, and ties at it pro rata, as topKMetrics counts them.
 */
export function scoresByClass(scores: Float64Array, labels: Uint8Array, classOf: readonly string[], k: number): ClassRow[] {
  const n = scores.length;
  if (labels.length !== n || classOf.length !== n) throw new Error(`scoresByClass: ${n} scores, ${labels.length} labels, ${classOf.length} classes`);
  if (!(Number.isInteger(k) && k >= 0 && k <= n)) throw new Error(`scoresByClass: k must be an integer in [0, ${n}], got ${k}`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  // Mid-rank percentile: rows below plus half the tied rows, over n.
  const pct = new Float64Array(n);
  for (let s = 0; s < n;) {
    let e = s;
    while (e + 1 < n && scores[order[e + 1]] === scores[order[s]]) e++;
    const p = (s + (e - s) / 2) / Math.max(1, n - 1);
    for (let t = s; t <= e; t++) pct[order[t]] = p;
    s = e + 1;
  }
  const flag = new Float64Array(n);
  if (k > 0) {
    const cut = scores[order[n - k]];
    let above = 0, eq = 0;
    for (let i = 0; i < n; i++) { if (scores[i] > cut) above++; else if (scores[i] === cut) eq++; }
    const share = (k - above) / eq;
    for (let i = 0; i < n; i++) flag[i] = scores[i] > cut ? 1 : scores[i] === cut ? share : 0;
  }
  const rows = new Map<string, { label: number; n: number; pct: number; flag: number }>();
  for (let i = 0; i < n; i++) {
    const r = rows.get(classOf[i]) ?? { label: labels[i], n: 0, pct: 0, flag: 0 };
    if (r.label !== labels[i]) throw new Error(`scoresByClass: class "${classOf[i]}" holds rows of both labels`);
    r.n++; r.pct += pct[i]; r.flag += flag[i];
    rows.set(classOf[i], r);
  }
  return [...rows].map(([name, r]) => ({
    name, label: r.label, testRows: r.n, meanPercentile: r.pct / r.n, flagged: r.flag / r.n, shareOfFlagged: k > 0 ? r.flag / k : 0,
  })).sort((a, b) => b.testRows - a.testRows);
}

interface Scored { metrics: Omit<RunMetrics, 'seed' | 'seconds'>; classes: ClassRow[]; seconds: number }

export interface ScoreByClassOptions {
  model: string; dataset: PaperDatasetName; protocol: Protocol; seed: number; control: boolean; epochs?: number;
  params?: Record<string, unknown>;
  /** Score a seeded random sample of this many test rows (all when absent or not fewer). */
  testRows?: number;
}

export function scoreByClass(o: ScoreByClassOptions): { trained: Scored; control: Scored | null; testRows: number; flaggedRows: number } {
  const ds = loadPaperDataset(o.dataset);
  const [src, bo] = paperBenchmarkArgs(ds, { model: o.model, runs: 1, seed: o.seed, protocol: o.protocol, epochs: o.epochs, params: o.params });
  const plan = planBenchmark(src, bo);
  const job = plan.prepare(0);
  let rawLabels: string[] | null = null;
  if (o.dataset === 'kddcup' || o.dataset === 'kddcup-rev') rawLabels = loadKddcupFile(join(bundledDataDir(), 'kddcup.data_10_percent.gz')).rawLabels;
  let classOf = Array.from(job.testIndex, (r, i) => rawLabels ? rawLabels[r] : job.testLabels[i] ? 'anomaly' : 'normal');
  let test = job.test, testLabels = job.testLabels;
  if (o.testRows !== undefined && o.testRows < testLabels.length) {
    if (!('data' in test) || !(test.data instanceof Float32Array)) throw new Error('score-by-class: --test-rows needs float32 matrix rows');
    const pick = new Rng(o.seed).fork('score-by-class').permutation(testLabels.length).subarray(0, o.testRows).sort();
    const cols = test.cols;
    test = { data: takeRows(test.data, cols, pick), rows: pick.length, cols };
    testLabels = Uint8Array.from(pick, (i) => job.testLabels[i]);
    classOf = Array.from(pick, (i) => classOf[i]);
  }
  const k = flaggedCount(job.ratio, testLabels.length);
  const one = (extra: Record<string, unknown>): Scored => {
    const { scores, seconds } = fitAndScore(plan.spec, { seed: o.seed, fit: job.fit, test, testLabels }, extra);
    return { metrics: evaluate(scores, testLabels, job.ratio), classes: scoresByClass(scores, testLabels, classOf, k), seconds };
  };
  const trained = one({});
  const control = o.control && plan.spec.control ? one(plan.spec.control) : null;
  return { trained, control, testRows: testLabels.length, flaggedRows: k };
}

function table(s: Scored, c: Scored | null): string {
  const head = `| class | label | test rows | mean percentile | flagged | share of flagged |${c ? ' control: mean percentile | control: flagged |' : ''}`;
  const lines = [head, `|---|---|---|---|---|---|${c ? '---|---|' : ''}`];
  for (const r of s.classes) {
    const cr = c?.classes.find((x) => x.name === r.name);
    lines.push(`| ${r.name} | ${r.label ? 'anomaly' : 'normal'} | ${r.testRows} | ${r.meanPercentile.toFixed(3)} | ${r.flagged.toFixed(3)} | ${r.shareOfFlagged.toFixed(3)} |${c ? ` ${cr?.meanPercentile.toFixed(3) ?? ''} | ${cr?.flagged.toFixed(3) ?? ''} |` : ''}`);
  }
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('score-by-class.js')) {
  const argv = process.argv.slice(2);
  checkArgs(argv, ['model', 'dataset', 'protocol', 'seed', 'control', 'param', 'test-rows', 'epochs', 'out'], `
Usage: node dist/bench/score-by-class.js --model NAME --dataset kddcup|thyroid|arrhythmia|kddcup-rev
  [--protocol paper|half-normal|unsupervised] [--seed 1] [--control] [--param key=value ...] [--test-rows N]
  [--epochs N] [--out docs/results/studies/score-by-class]
One seed of the harness's protocol; per raw class of the test rows: mean score percentile and share flagged.`);
  const opt = (name: string): string | undefined => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
  const model = opt('model'), dataset = opt('dataset') as PaperDatasetName | undefined;
  if (!model) throw new Error('--model is required');
  if (!dataset || !(PAPER_DATASETS as readonly string[]).includes(dataset)) throw new Error(`--dataset must be one of ${PAPER_DATASETS.join(', ')}, got ${String(dataset)}`);
  const protocol = (opt('protocol') ?? 'paper') as Protocol;
  if (!PROTOCOLS.includes(protocol)) throw new Error(`--protocol must be one of ${PROTOCOLS.join(', ')}, got ${protocol}`);
  const seed = Number(opt('seed') ?? 1);
  if (!Number.isInteger(seed) || seed < 1) throw new Error(`--seed must be a positive integer, got ${opt('seed')}`);
  const epochs = opt('epochs') === undefined ? undefined : Number(opt('epochs'));
  if (epochs !== undefined && !(Number.isInteger(epochs) && epochs > 0)) throw new Error(`--epochs must be a positive integer, got ${opt('epochs')}`);
  const testRows = opt('test-rows') === undefined ? undefined : Number(opt('test-rows'));
  if (testRows !== undefined && !(Number.isInteger(testRows) && testRows > 0)) throw new Error(`--test-rows must be a positive integer, got ${opt('test-rows')}`);
  const pairs = argv.flatMap((a, i) => (a === '--param' ? [argv[i + 1] ?? ''] : []));
  const params = parseParamPairs(pairs);
  const out = opt('out') ?? 'docs/results/studies/score-by-class';
  useBestBackend('auto');
  const r = scoreByClass({ model, dataset, protocol, seed, control: argv.includes('--control'), epochs, params, testRows });
  mkdirSync(out, { recursive: true });
  const tag = [...pairs.map((p) => p.replace(/[^A-Za-z0-9.=-]/g, '')), ...(testRows !== undefined ? [`test${testRows}`] : []), ...(epochs !== undefined ? [`epochs${epochs}`] : [])];
  const file = join(out, `${[`${model}-${dataset}-${protocol}-seed${seed}`, ...tag].join('-')}.json`);
  writeFileSync(file, `${JSON.stringify({ model, dataset, protocol, seed, epochs: epochs ?? 'the configuration\'s', params, testRowsSampled: testRows ?? null, ...r, ...backendInfo(), command: `node dist/bench/score-by-class.js ${argv.join(' ')}` }, null, 1)}\n`);
  const m = r.trained.metrics;
  process.stdout.write(`${model} on ${dataset} (${protocol}, seed ${seed}): ${r.testRows} test rows, ${r.flaggedRows} flagged; F1 ${m.f1.toFixed(4)} AUROC ${m.auroc.toFixed(4)}${r.control ? ` (control F1 ${r.control.metrics.f1.toFixed(4)} AUROC ${r.control.metrics.auroc.toFixed(4)})` : ''}\n\n${table(r.trained, r.control)}\n\n-> ${file}\n`);
}
