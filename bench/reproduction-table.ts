/**
 * Renders the reproduction table (markdown) from the JSON files written by
 * `aberrant bench paper --json` into docs/results/. Usage: node dist/bench/reproduction-table.js [dir]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchResult } from '../src/harness/paper.js';

const dir = resolve(process.argv[2] ?? 'docs/results');
const order = ['kddcup', 'thyroid', 'arrhythmia', 'kddcup-rev'];
const f4 = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : 'n/a');
const rows: string[] = [];
rows.push('| data set | runs | epochs | precision | recall | F1 (mean ± std) | F1 95% CI | paper F1 | AUROC | untrained F1 / AUROC | wall time |');
rows.push('|---|---|---|---|---|---|---|---|---|---|---|');
for (const name of order) {
  const file = join(dir, `dagmm-${name}.json`);
  if (!existsSync(file)) { rows.push(`| ${name} | not run | | | | | | | | | |`); continue; }
  const r = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
  const meets = r.paper ? (r.mean.f1 >= r.paper.f1 ? ' (at or above)' : ' (below)') : '';
  rows.push(`| ${name} | ${r.runs.length} | ${String(r.config.epochs)} | ${f4(r.mean.precision)} | ${f4(r.mean.recall)} | ${f4(r.mean.f1)} ± ${f4(r.std.f1)} | ` +
    `[${f4(r.ci95.f1[0])}, ${f4(r.ci95.f1[1])}] | ${r.paper ? f4(r.paper.f1) : ''}${meets} | ${f4(r.mean.auroc)} ± ${f4(r.std.auroc)} | ` +
    `${r.control.runs.length ? `${f4(r.control.mean.f1)} / ${f4(r.control.mean.auroc)}` : 'n/a'} | ${(r.seconds / 60).toFixed(1)} min |`);
}
console.log(rows.join('\n'));
