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
