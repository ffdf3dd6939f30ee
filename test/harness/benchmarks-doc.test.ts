/** docs/benchmarks.md is exactly what bench/benchmarks-table.ts generates from the committed JSON. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('docs/benchmarks.md', () => {
  it('is generated from docs/results/benchmarks (node dist/bench/benchmarks-table.js > docs/benchmarks.md)', async () => {
    const { benchmarksMarkdown } = await import('../../bench/benchmarks-table.js');
    const expected = benchmarksMarkdown(`${root}docs/results/benchmarks`);
    assert.equal(readFileSync(`${root}docs/benchmarks.md`, 'utf8'), expected);
    assert.match(expected, /\| dagmm \| 20 \|/, 'the DAGMM reproduction runs are in the table');
    // The fixed-weights study: one row per committed JSON, and the per-data-set table of the member-set comparison.
    assert.match(expected, /## How far fixed weights could take auto/);
    assert.match(expected, /\| iforest, knn, pca, ecod, grid 1\/20 \(`auto-weights-1-grid.json`\) \| 11 \(\d+\) \|/);
    assert.match(expected, /\| landsat \| [0-9.]+ \/ [0-9.]+( \(chosen\))? \|/);
  });
});

describe('docs/reproduction.md Table 2', () => {
  it('holds the block bench/table2.ts generates from docs/results/benchmarks (node dist/bench/table2.js --write)', async () => {
    const { table2Markdown, withTable2, studiesMarkdown, withBlock, STUDIES_BEGIN, STUDIES_END } = await import('../../bench/table2.js');
    const doc = readFileSync(`${root}docs/reproduction.md`, 'utf8');
    const block = table2Markdown(`${root}docs/results/benchmarks`);
    assert.equal(doc, withTable2(doc, block));
    assert.equal(doc, withBlock(doc, studiesMarkdown(`${root}docs/results/studies`), STUDIES_BEGIN, STUDIES_END), 'the studies block too');
    assert.match(block, /\| dagmm \| 20 \|/, 'the DAGMM reproduction runs are in the table');
    assert.match(block, /\| e2e-ae \| \d+/, 'the E2E-AE row comes from the ae runs');
  });

  it('refuses a document without its markers', async () => {
    const { withTable2 } = await import('../../bench/table2.js');
    assert.throws(() => withTable2('# no markers\n', 'x'), /table2 markers are missing/);
  });
});

describe('pairedDifference (the control / ae comparison of docs/benchmarks.md)', () => {
  const run = (seed: number, auroc: number) => ({ seed, precision: 0, recall: 0, f1: 0, auroc, ap: 0, seconds: 0 });
  it('pairs by seed and gives the mean difference with sd / sqrt(n)', async () => {
    const { pairedDifference } = await import('../../bench/benchmarks-table.js');
    // Differences on seeds 1, 2, 3: 0.1, 0.3, 0.2 (seed 4 has no partner): mean 0.2, sd 0.1, se 0.1 / sqrt(3).
    const a = [run(1, 0.9), run(2, 0.8), run(3, 0.7), run(4, 0.5)], b = [run(3, 0.5), run(2, 0.5), run(1, 0.8)];
    const d = pairedDifference(a, b, 'auroc')!;
    assert.equal(d.n, 3);
    assert.ok(Math.abs(d.delta - 0.2) < 1e-12, `delta ${d.delta}`);
    assert.ok(Math.abs(d.se - 0.1 / Math.sqrt(3)) < 1e-12, `se ${d.se}`);
    assert.equal(pairedDifference([run(1, 0.9)], [run(1, 0.1)], 'auroc'), null, 'one pair has no spread');
  });
});

describe('headToHead (auto against one detector on shared data sets)', () => {
  it('counts wins, ties (3 decimals) and losses and finds where auto trails most', async () => {
    const { headToHead } = await import('../../bench/benchmarks-table.js');
    const r = headToHead('lof', new Map([
      ['a', { auto: 0.9, other: 0.8 }], ['b', { auto: 0.7001, other: 0.7004 }], ['c', { auto: 0.5, other: 0.75 }], ['d', { auto: 0.6, other: 0.65 }],
    ]));
    assert.deepEqual([r.wins, r.ties, r.losses], [1, 1, 2]);
    assert.deepEqual(r.worst, { ds: 'c', gap: 0.25 });
    assert.ok(Math.abs(r.auto - 0.675025) < 1e-12 && Math.abs(r.other - 0.7251) < 1e-12);
    assert.equal(headToHead('x', new Map([['a', { auto: 0.9, other: 0.1 }]])).worst, null);
  });
});

describe('expectedCell (the "Not yet run" list of docs/benchmarks.md)', () => {
  it('asks every detector on the paper sets, and the classical ones, auto, NeuTraL AD and ICL on every set under paper and unsupervised', async () => {
    const { expectedCell } = await import('../../bench/benchmarks-table.js');
    for (const m of ['dagmm', 'icl', 'knn', 'auto']) {
      assert.equal(expectedCell(m, 'thyroid', 'paper'), true, m);
      assert.equal(expectedCell(m, 'thyroid', 'half-normal'), true, m);
      assert.equal(expectedCell(m, 'landsat', 'half-normal'), false, `${m}: half-normal is for the paper sets only`);
    }
    for (const m of ['icl', 'neutralad', 'knn', 'auto']) {
      assert.equal(expectedCell(m, 'landsat', 'paper'), true, m);
      assert.equal(expectedCell(m, 'landsat', 'unsupervised'), true, m);
      assert.equal(expectedCell(m, 'arrhythmia', 'unsupervised'), true, m);
    }
    assert.equal(expectedCell('dagmm', 'landsat', 'paper'), false);
    assert.equal(expectedCell('dagmm', 'thyroid', 'unsupervised'), false);
  });
});
