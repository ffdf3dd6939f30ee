/** Tables 3 and 5 of the DAGMM paper: the sweep runner's cells, files, resumption and rendering (quick settings). */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkArgs } from '../../bench/args.js';
import { runSweeps, sweepCells, sweepsMarkdown, type SweepResult } from '../../bench/paper-sweeps.js';

const base = { tables: ['table3', 'table5'] as const, models: ['dagmm'], c: [2], bases: [3], out: '/x' };

describe('paper sweeps (Tables 3 and 5)', () => {
  it('plans one cell per (model, c) and per base, with the contamination fraction and the scaled lambdas', () => {
    const cells = sweepCells({ ...base, models: ['dagmm', 'dcn'], c: [1, 5], bases: [1, 9] });
    assert.deepEqual(cells.map((c) => `${c.table}/${c.model}/${c.value}`), ['table3/dagmm/1', 'table3/dcn/1', 'table3/dagmm/5', 'table3/dcn/5', 'table5/dagmm/1', 'table5/dagmm/9']);
    assert.equal(cells[2].bench.trainContamination, 0.05);
    assert.deepEqual(cells[5].bench.params, { lambdaEnergy: 0.1 * 9, lambdaCov: 0.005 * 9 });
    assert.equal(cells[0].file, join('/x', 'table3', 'dagmm-c1.json'));
  });
  it('rejects unknown tables and models and out-of-range values, naming them', () => {
    assert.throws(() => sweepCells({ ...base, tables: ['table9' as 'table3'] }), /unknown table "table9"/);
    assert.throws(() => sweepCells({ ...base, models: ['dagmmm'] }), /unknown model "dagmmm"/);
    assert.throws(() => sweepCells({ ...base, c: [0] }), /--c/);
    assert.throws(() => sweepCells({ ...base, bases: [-1] }), /--bases/);
  });
  it('runs the cells once (resumable), trains on contaminated rows, and renders both tables and the plot', async () => {
    const out = mkdtempSync(join(tmpdir(), 'aberrant-sweeps-'));
    const o = { ...base, dataset: 'thyroid' as const, runs: 2, seed: 1, jobs: 1, epochs: 1, out, command: 'test', log: () => {} };
    const first = await runSweeps(o);
    assert.equal(first.written.length, 2);
    const t3 = JSON.parse(readFileSync(join(out, 'table3', 'dagmm-c2.json'), 'utf8')) as SweepResult;
    assert.equal(t3.runs.length, 2);
    for (const r of t3.runs) assert.ok((r.trainAnomalies ?? 0) > 0 && r.trainAnomalies! < r.trainRows!, `trainAnomalies ${r.trainAnomalies} of ${r.trainRows}`);
    const t5 = JSON.parse(readFileSync(join(out, 'table5', 'dagmm-base3.json'), 'utf8')) as SweepResult;
    assert.ok(Math.abs((t5.config as { lambdaEnergy: number }).lambdaEnergy - 0.3) < 1e-12);
    assert.ok(existsSync(join(out, 'table3-f1.svg')));
    assert.match(readFileSync(join(out, 'table3-f1.svg'), 'utf8'), /^<svg[^>]*xmlns/);
    const again = await runSweeps(o);
    assert.deepEqual([again.written.length, again.kept.length], [0, 2]);
    // --extend adds only the missing seeds; the merged cell equals one run with every seed.
    const more = await runSweeps({ ...o, tables: ['table3'], runs: 3, extend: true });
    assert.deepEqual(more.written, [join(out, 'table3', 'dagmm-c2.json')]);
    const t3b = JSON.parse(readFileSync(join(out, 'table3', 'dagmm-c2.json'), 'utf8')) as SweepResult;
    assert.deepEqual(t3b.runs.map((r) => r.seed), [1, 2, 3]);
    assert.deepEqual(t3b.runs.slice(0, 2).map((r) => r.f1), t3.runs.map((r) => r.f1));
    const whole = mkdtempSync(join(tmpdir(), 'aberrant-sweeps-'));
    await runSweeps({ ...o, tables: ['table3'], runs: 3, out: whole });
    const t3w = JSON.parse(readFileSync(join(whole, 'table3', 'dagmm-c2.json'), 'utf8')) as SweepResult;
    assert.deepEqual(t3b.runs.map((r) => [r.f1, r.auroc]), t3w.runs.map((r) => [r.f1, r.auroc]));
    assert.equal(t3b.mean.f1, t3w.mean.f1);
    await assert.rejects(runSweeps({ ...o, tables: ['table3'], runs: 4, extend: true, epochs: 2 }), /epochs override 1, not 2; cannot extend/);
    await assert.rejects(runSweeps({ ...o, tables: ['table3'], runs: 4, extend: true, seed: 5 }), /start at seed 1, not --seed 5/);
    const md = sweepsMarkdown(out).join('\n');
    assert.match(md, /quick check: epochs overridden to 1/);
    assert.match(md, /\| dagmm \| not run \(paper 0\.9268\) \| [0-9.]+ ± [0-9.]+ \(paper 0\.9262\)/);
    assert.match(md, /\| dcn \| not run/);
    assert.match(md, /\| 3 \| [0-9.]+ ± [0-9.]+ \|/);
    assert.match(md, /\| 5 \| not run \|/);
    assert.match(md, /\| 1 \| not run \|/, 'no Table 2 run beside the studies folder');
    // Base 1 is DAGMM's own configuration: Table 2's run in ../benchmarks stands in for it, labelled as such.
    const studies = join(out, 'studies');
    mkdirSync(join(studies, 'table5'), { recursive: true });
    mkdirSync(join(out, 'benchmarks'));
    copyFileSync(join(out, 'table5', 'dagmm-base3.json'), join(studies, 'table5', 'dagmm-base3.json'));
    writeFileSync(join(out, 'benchmarks', 'dagmm-kddcup-paper.json'), JSON.stringify({ ...t5, mean: { ...t5.mean, f1: 0.5 }, std: { ...t5.std, f1: 0.25 } }));
    assert.match(sweepsMarkdown(studies).join('\n'), /\| 1 \(Table 2's DAGMM run\) \| [0-9.]+ ± [0-9.]+ \| [0-9.]+ ± [0-9.]+ \| 0\.5000 ± 0\.2500 \|/);
  });
});

describe('bench arguments', () => {
  it('an unknown option stops the script before any work; known ones pass', () => {
    assert.throws(() => checkArgs(['--tabels', 'table3'], ['tables', 'runs'], 'usage'), /unknown option "--tabels" \(known: --tables, --runs/);
    assert.doesNotThrow(() => checkArgs(['--tables', 'table3', '--runs', '2'], ['tables', 'runs'], 'usage'));
  });
});
