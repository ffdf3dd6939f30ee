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
