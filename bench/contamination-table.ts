/**
 * Prints the training-contamination table of docs/rda.md from the JSON results of bench/rda-contamination.sh:
 * node dist/bench/contamination-table.js [docs/results/contamination]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResult } from '../src/harness/paper.js';

export function contaminationTable(dir: string): string {
  const rows = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => {
    const [, set, variant, c] = /^(.+?)-(.+)-c([\d.]+)\.json$/.exec(f)!;
    return { set, variant, c: Number(c), r: JSON.parse(readFileSync(join(dir, f), 'utf8')) as BenchResult };
  });
  const order = ['ae', 'rda', 'rda-sparse', 'dagmm'];
  rows.sort((a, b) => a.set.localeCompare(b.set) || a.c - b.c || order.indexOf(a.variant) - order.indexOf(b.variant));
  const f = (m: number, s: number) => `${m.toFixed(3)} ± ${s.toFixed(3)}`;
  const out = ['| data set | c | anomalies in training (mean) | detector | F1 | AUROC | AP | s/run |', '|---|---|---|---|---|---|---|---|'];
  for (const { set, variant, c, r } of rows) {
    const n = r.runs.length, anom = r.runs.reduce((a, x) => a + (x.trainAnomalies ?? 0), 0) / n;
    const share = r.runs.reduce((a, x) => a + (x.trainAnomalies ?? 0) / (x.trainRows ?? 1), 0) / n;
    out.push(`| ${set} | ${c} | ${anom.toFixed(1)} (${(100 * share).toFixed(1)}%) | ${variant} | ${f(r.mean.f1, r.std.f1)} | ${f(r.mean.auroc, r.std.auroc)} | ${f(r.mean.ap, r.std.ap)} | ${(r.runs.reduce((a, x) => a + x.seconds, 0) / n).toFixed(1)} |`);
  }
  return out.join('\n');
}

if (process.argv[1]?.endsWith('contamination-table.js')) process.stdout.write(`${contaminationTable(process.argv[2] ?? 'docs/results/contamination')}\n`);
