/**
 * The DAGMM paper's two KDDCUP sweeps (Zong et al. 2018), through the one harness (paper protocol, each model's
 * KDDCUP paper configuration, no untrained control):
 *
 * - table3: contaminated training (Section 4.4, Table 3): the fitted rows are the training half's normal rows
 *   plus c% of its anomaly rows, drawn at random (BenchOptions.trainContamination = c / 100); the test half is
 *   unchanged. Models DAGMM, DCN, DSEBM-e, OC-SVM; c = 1..5.
 * - table5: lambda sensitivity (Appendix F, Table 5): DAGMM with lambda1 = 0.1 base, lambda2 = 0.005 base;
 *   base = 1, 3, 5, 7, 9.
 *
 * One JSON per cell (<out>/<table>/<model>-<value>.json), rewritten after every --jobs seeds, so a stopped sweep
 * keeps its finished seeds. An existing file is kept; with --extend, one holding fewer than --runs seeds gets
 * only the missing seeds, merged (mergeRuns: each run depends only on its seed). `node dist/bench/table2.js --write` renders both tables (and the F1-against-c plot,
 * table3-f1.svg in --out) into docs/reproduction.md.
 *
 *   node dist/bench/paper-sweeps.js [--tables table3,table5] [--models dagmm,dcn,dsebm-e,ocsvm] [--c 1,2,3,4,5]
 *     [--bases 1,3,5,7,9] [--runs 20] [--seed 1] [--jobs 1] [--threads n] [--epochs N (quick checks only)]
 *     [--dataset kddcup] [--out docs/results/studies] [--extend]
 *
 * --jobs N runs N seeds at once in worker threads; the native kernels then use --threads threads, 1 unless given
 * (as bench/run-benchmarks.ts).
 */
import { checkArgs } from './args.js';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backendInfo, useBestBackend } from '../src/backend-node.js';
import { loadPaperDataset, PAPER_DATASETS, type BenchDataset, type PaperDatasetName } from '../src/data/datasets/bundled.js';
import { detectorNames } from '../src/detectors/registry.js';
import { checkExtendable, checkJobs, kernelThreadsForJobs, mergeRuns, type BenchOptions, type BenchResult } from '../src/harness/paper.js';
import { runPaperBenchmarkAsync } from '../src/harness/parallel.js';
import { Plot } from '../src/report/svg.js';

export const SWEEP_TABLES = ['table3', 'table5'] as const;
export type SweepTable = (typeof SWEEP_TABLES)[number];
export const TABLE3_MODELS = ['dagmm', 'dcn', 'dsebm-e', 'ocsvm'] as const;
export const TABLE3_C = [1, 2, 3, 4, 5] as const;
export const TABLE5_BASES = [1, 3, 5, 7, 9] as const;
/** DAGMM's KDDCUP lambdas at base 1 (Section 4.3), scaled by Table 5's base. */
export const LAMBDA_ENERGY = 0.1, LAMBDA_COV = 0.005;

/** Published (Table 3, KDDCUP): precision / recall / F1 per c = 1..5 %. */
export const PAPER_TABLE3: Readonly<Record<(typeof TABLE3_MODELS)[number], { precision: number[]; recall: number[]; f1: number[] }>> = {
  dagmm: { precision: [0.9201, 0.9186, 0.9132, 0.8837, 0.8504], recall: [0.9337, 0.9340, 0.9272, 0.8989, 0.8643], f1: [0.9268, 0.9262, 0.9201, 0.8912, 0.8573] },
  dcn: { precision: [0.7585, 0.7380, 0.7163, 0.6971, 0.6763], recall: [0.7611, 0.7424, 0.7293, 0.7106, 0.6893], f1: [0.7598, 0.7402, 0.7228, 0.7037, 0.6827] },
  'dsebm-e': { precision: [0.6995, 0.6780, 0.6213, 0.5704, 0.5345], recall: [0.7135, 0.6876, 0.6367, 0.5813, 0.5375], f1: [0.7065, 0.6827, 0.6289, 0.5758, 0.5360] },
  ocsvm: { precision: [0.7129, 0.6668, 0.6393, 0.5991, 0.1155], recall: [0.6785, 0.5207, 0.4470, 0.3719, 0.3369], f1: [0.6953, 0.5847, 0.5261, 0.4589, 0.1720] },
};
/** Published (Table 5, KDDCUP, DAGMM): precision / recall / F1 per base = 1, 3, 5, 7, 9. */
export const PAPER_TABLE5 = {
  precision: [0.9298, 0.9301, 0.9296, 0.9300, 0.9300], recall: [0.9445, 0.9442, 0.9451, 0.9453, 0.9439], f1: [0.9371, 0.9371, 0.9373, 0.9376, 0.9369],
} as const;

export interface SweepCell { table: SweepTable; model: string; value: number; file: string; bench: Omit<BenchOptions, 'runs' | 'seed' | 'jobs'> }
export interface SweepResult extends BenchResult { study: SweepTable; value: number; seconds: number; epochsOverride: number | null; command: string }

export interface SweepOptions {
  tables: readonly SweepTable[];
  models: readonly string[];
  c: readonly number[];
  bases: readonly number[];
  dataset: PaperDatasetName;
  runs: number;
  seed: number;
  jobs: number;
  epochs?: number;
  out: string;
  command: string;
  /** Add the missing seeds to a cell file holding fewer than `runs` (otherwise an existing file is kept). */
  extend?: boolean;
  log?: (line: string) => void;
}

/** The cells of the chosen tables, in run order (Table 3 by c, then model; Table 5 by base). */
export function sweepCells(o: Pick<SweepOptions, 'tables' | 'models' | 'c' | 'bases' | 'out' | 'epochs'>): SweepCell[] {
  for (const t of o.tables) if (!SWEEP_TABLES.includes(t)) throw new Error(`unknown table "${t}" (available: ${SWEEP_TABLES.join(', ')})`);
  for (const m of o.models) if (!detectorNames().includes(m)) throw new Error(`unknown model "${m}" (available: ${detectorNames().join(', ')})`);
  for (const c of o.c) if (!(c > 0 && c <= 100)) throw new Error(`--c: contamination percentages must be in (0, 100], got ${c}`);
  for (const b of o.bases) if (!(b > 0)) throw new Error(`--bases: lambda bases must be positive, got ${b}`);
  const epochs = o.epochs !== undefined ? { epochs: o.epochs } : {};
  const cells: SweepCell[] = [];
  if (o.tables.includes('table3')) {
    for (const c of o.c) for (const model of o.models) {
      cells.push({ table: 'table3', model, value: c, file: join(o.out, 'table3', `${model}-c${c}.json`), bench: { model, protocol: 'paper', noControl: true, trainContamination: c / 100, ...epochs } });
    }
  }
  if (o.tables.includes('table5')) {
    for (const b of o.bases) {
      cells.push({
        table: 'table5', model: 'dagmm', value: b, file: join(o.out, 'table5', `dagmm-base${b}.json`),
        bench: { model: 'dagmm', protocol: 'paper', noControl: true, params: { lambdaEnergy: LAMBDA_ENERGY * b, lambdaCov: LAMBDA_COV * b }, ...epochs },
      });
    }
  }
  return cells;
}

/** Runs every missing cell (and, with `extend`, every cell's missing seeds); returns the files written and kept. */
export async function runSweeps(o: SweepOptions): Promise<{ written: string[]; kept: string[] }> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const written: string[] = [], kept: string[] = [];
  let ds: BenchDataset | null = null;
  for (const cell of sweepCells(o)) {
    let existing = existsSync(cell.file) ? JSON.parse(readFileSync(cell.file, 'utf8')) as SweepResult : null;
    const have = existing?.runs.length ?? 0;
    if (existing && !(o.extend && have < o.runs)) { kept.push(cell.file); log(`${cell.file}: exists (${have} runs), kept`); continue; }
    if (existing) {
      checkExtendable(cell.file, existing, { seed: o.seed, ...backendInfo(), jobs: o.jobs });
      if (existing.epochsOverride !== (o.epochs ?? null)) throw new Error(`${cell.file}: ran with epochs override ${existing.epochsOverride}, not ${o.epochs ?? 'none'}; cannot extend`);
    }
    ds ??= loadPaperDataset(o.dataset);
    mkdirSync(join(o.out, cell.table), { recursive: true });
    log(`${cell.table} ${cell.model} ${cell.table === 'table3' ? `c ${cell.value}%` : `base ${cell.value}`}: ${existing ? `runs ${have + 1}..${o.runs} added to ${have}` : `${o.runs} runs`} ...`);
    // --jobs seeds at a time, the file rewritten after each group: a stopped sweep loses at most one group.
    for (let done = have; done < o.runs;) {
      const n = Math.min(o.jobs, o.runs - done);
      const t0 = performance.now();
      const r = await runPaperBenchmarkAsync(ds, { ...cell.bench, runs: n, seed: o.seed + done, jobs: o.jobs });
      const added: SweepResult = {
        study: cell.table, value: cell.value, ...r, seconds: (performance.now() - t0) / 1000,
        epochsOverride: o.epochs ?? null, command: o.command, ...backendInfo(),
      };
      existing = existing ? { ...mergeRuns(existing, added), ...backendInfo() } : added;
      writeFileSync(`${cell.file}.tmp`, `${JSON.stringify(existing)}\n`);
      renameSync(`${cell.file}.tmp`, cell.file);
      done += n;
      log(`  ${done}/${o.runs} runs: F1 ${r.runs.map((m) => m.f1.toFixed(4)).join(', ')}`);
    }
    written.push(cell.file);
    if (cell.table === 'table3') writeFileSync(join(o.out, 'table3-f1.svg'), table3Svg(loadSweeps(o.out).get('table3') ?? []));
    const r = existing!;
    log(`  -> ${cell.file}: F1 ${r.mean.f1.toFixed(4)} ± ${r.std.f1.toFixed(4)}, ${(r.seconds / 60).toFixed(1)} min`);
  }
  return { written, kept };
}

/** The sweep results in a study directory, by table. */
export function loadSweeps(out: string): Map<SweepTable, SweepResult[]> {
  const m = new Map<SweepTable, SweepResult[]>();
  for (const t of SWEEP_TABLES) {
    const dir = join(out, t);
    if (!existsSync(dir)) continue;
    m.set(t, readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as SweepResult));
  }
  return m;
}

const fmt = (m: number, sd: number): string => `${m.toFixed(4)} ± ${sd.toFixed(4)}`;
const SERIES_COLORS = ['#3b75af', '#e8601c', '#4a9a4a', '#8e5ab5', '#9a9a9a'];

/** Table 3's F1 against c: measured (solid, with ± 1 std whiskers) and published (dashed), one colour per model. */
export function table3Svg(results: readonly SweepResult[]): string {
  const models = [...TABLE3_MODELS.filter((m) => results.some((r) => r.model === m))];
  const plot = new Plot('DAGMM paper Table 3 (KDDCUP): F1 against training contamination', { label: 'c (% of the training half\'s anomaly rows)', domain: [0.5, 5.5], ticks: [1, 2, 3, 4, 5] }, { label: 'F1', domain: [0, 1] });
  const legend: { label: string; color: string; kind: 'line' | 'dashed' }[] = [];
  models.forEach((m, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    const rs = results.filter((r) => r.model === m).sort((a, b) => a.value - b.value);
    plot.line(rs.map((r) => r.value), rs.map((r) => r.mean.f1), { color, width: 2 });
    plot.dots(rs.map((r) => r.value), rs.map((r) => r.mean.f1), color, 6);
    for (const r of rs) plot.line([r.value, r.value], [Math.max(0, r.mean.f1 - r.std.f1), Math.min(1, r.mean.f1 + r.std.f1)], { color, width: 1 });
    const p = PAPER_TABLE3[m as keyof typeof PAPER_TABLE3];
    plot.line([...TABLE3_C], p.f1, { color, width: 1.5, dash: '5 4' });
    legend.push({ label: `${m} (measured)`, color, kind: 'line' }, { label: `${m} (paper)`, color, kind: 'dashed' });
  });
  return plot.legend(legend, 'bottom-left').toSvg(true);
}

/** Markdown for Tables 3 and 5 from <dir>/table3 and <dir>/table5 (absent cells say so). */
export function sweepsMarkdown(dir: string): string[] {
  const all = loadSweeps(dir), out: string[] = [];
  const t3 = all.get('table3') ?? [];
  const note = (rs: readonly SweepResult[]): string => {
    const cell = (r: SweepResult): string => `${r.model} ${r.study === 'table3' ? `c = ${r.value}%` : `base ${r.value}`}`;
    // Name the cells of each seed count (and, below, of each kernel thread count) when they differ.
    const group = (key: (r: SweepResult) => string): Map<string, string[]> => {
      const m = new Map<string, string[]>();
      for (const r of rs) m.set(key(r), [...(m.get(key(r)) ?? []), cell(r)]);
      return m;
    };
    const byRuns = group((r) => String(r.runs.length));
    const runs = byRuns.size <= 1 ? `${[...byRuns.keys()][0] ?? '?'} runs per cell`
      : `runs per cell: ${[...byRuns].map(([k, cells]) => `${k} (${cells.join(', ')})`).join('; ')}`;
    const ep = rs.some((r) => r.epochsOverride !== null) ? ` **quick check: epochs overridden to ${[...new Set(rs.map((r) => r.epochsOverride))].join(', ')}, not the paper's schedule**;` : '';
    // Cells may come from runs with different kernel thread counts (results reproduce per count).
    const byThreads = group((r) => String(r.threads ?? '?'));
    const threads = byThreads.size <= 1 ? `${[...byThreads.keys()][0] ?? '?'} kernel thread(s)`
      : `kernel threads: ${[...byThreads].map(([k, cells]) => `${k} (${cells.join(', ')})`).join('; ')}`;
    return `${runs} (seed 1 + r);${ep} ${threads}`;
  };
  out.push('### Table 3: contaminated training on KDDCUP (Section 4.4)', '');
  if (t3.length === 0) out.push('Not run yet (`node dist/bench/paper-sweeps.js --tables table3`).', '');
  else {
    out.push(`Paper protocol; fitted rows = the training half's normal rows plus c% of its anomaly rows (drawn at random; test half unchanged); ${note(t3)}. F1 mean ± std, paper's F1 beside it; [plot](results/studies/table3-f1.svg).`, '',
      `| model | ${TABLE3_C.map((c) => `c = ${c}%`).join(' | ')} |`, `|---|${TABLE3_C.map(() => '---').join('|')}|`);
    for (const m of TABLE3_MODELS) {
      const cells = TABLE3_C.map((c, i) => {
        const r = t3.find((x) => x.model === m && x.value === c), p = PAPER_TABLE3[m].f1[i].toFixed(4);
        return r ? `${fmt(r.mean.f1, r.std.f1)} (paper ${p})` : `not run (paper ${p})`;
      });
      out.push(`| ${m} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  const t5 = [...(all.get('table5') ?? [])];
  // Base 1 is DAGMM's own KDDCUP configuration: Table 2's 20-seed run is that cell, unless the sweep ran it itself.
  const table2Run = join(dir, '..', 'benchmarks', 'dagmm-kddcup-paper.json');
  const base1FromTable2 = t5.length > 0 && !t5.some((x) => x.value === 1) && existsSync(table2Run);
  if (base1FromTable2) t5.push({ ...(JSON.parse(readFileSync(table2Run, 'utf8')) as SweepResult), value: 1, epochsOverride: null });
  out.push('### Table 5: DAGMM\'s sensitivity to lambda on KDDCUP (Appendix F)', '');
  if (t5.length === 0) out.push('Not run yet (`node dist/bench/paper-sweeps.js --tables table5`).', '');
  else {
    out.push(`Paper protocol; lambda1 = ${LAMBDA_ENERGY} base, lambda2 = ${LAMBDA_COV} base; ${note(t5)}.`, '',
      '| base | precision | recall | F1 | paper P / R / F1 | AUROC |', '|---|---|---|---|---|---|');
    TABLE5_BASES.forEach((b, i) => {
      const r = t5.find((x) => x.value === b), p = `${PAPER_TABLE5.precision[i].toFixed(4)} / ${PAPER_TABLE5.recall[i].toFixed(4)} / ${PAPER_TABLE5.f1[i].toFixed(4)}`;
      const label = b === 1 && base1FromTable2 ? '1 (Table 2\'s DAGMM run)' : String(b);
      out.push(r ? `| ${label} | ${fmt(r.mean.precision, r.std.precision)} | ${fmt(r.mean.recall, r.std.recall)} | ${fmt(r.mean.f1, r.std.f1)} | ${p} | ${fmt(r.mean.auroc, r.std.auroc)} |` : `| ${b} | not run | | | ${p} | |`);
    });
    out.push('');
  }
  return out;
}

if (process.argv[1]?.endsWith('paper-sweeps.js')) {
  const argv = process.argv.slice(2);
  checkArgs(argv, ['tables', 'models', 'c', 'bases', 'runs', 'seed', 'jobs', 'threads', 'epochs', 'dataset', 'out', 'extend'], `
node dist/bench/paper-sweeps.js [--tables table3,table5] [--models dagmm,dcn,dsebm-e,ocsvm] [--c 1,2,3,4,5]
  [--bases 1,3,5,7,9] [--runs 20] [--seed 1] [--jobs 1] [--threads n] [--epochs N (quick checks only)]
  [--dataset kddcup] [--out docs/results/studies] [--extend]
Runs the DAGMM paper's Table 3 (contaminated training) and Table 5 (lambda) sweeps; existing cells are kept
(with --extend, a cell holding fewer than --runs seeds gets the missing ones).`);
  const opt = (name: string, fallback: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : fallback; };
  const list = (name: string, fallback: readonly (string | number)[]): string[] => opt(name, fallback.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  const nums = (name: string, fallback: readonly number[]): number[] => list(name, fallback).map((s) => {
    const n = Number(s);
    if (!Number.isFinite(n)) throw new Error(`--${name}: "${s}" is not a number`);
    return n;
  });
  const runs = Number(opt('runs', '20')), epochsOpt = opt('epochs', '');
  if (!(Number.isInteger(runs) && runs >= 1)) throw new Error(`--runs must be a positive integer, got "${opt('runs', '')}"`);
  const dataset = opt('dataset', 'kddcup');
  if (!(PAPER_DATASETS as readonly string[]).includes(dataset)) throw new Error(`unknown data set "${dataset}" (available: ${PAPER_DATASETS.join(', ')})`);
  const jobs = checkJobs(Number(opt('jobs', '1'))), threadsArg = opt('threads', '');
  const threads = kernelThreadsForJobs(jobs, threadsArg === '' ? undefined : Number(threadsArg));
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) throw new Error(`--threads must be a positive integer, got "${threadsArg}"`);
  useBestBackend('auto', threads);
  await runSweeps({
    tables: list('tables', SWEEP_TABLES) as SweepTable[], models: list('models', TABLE3_MODELS), c: nums('c', TABLE3_C), bases: nums('bases', TABLE5_BASES),
    dataset: dataset as PaperDatasetName, runs, seed: Number(opt('seed', '1')), jobs,
    epochs: epochsOpt ? Number(epochsOpt) : undefined, out: opt('out', 'docs/results/studies'),
    command: `node dist/bench/paper-sweeps.js ${argv.join(' ')}`.trim(), extend: argv.includes('--extend'),
  });
}
