/** parseTableBytes: a table from a whole file's bytes, the reader chosen by the file name (the web app's input). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseTableBytes } from '../../src/data/readers/formats.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../test/fixtures/data/${name}`, import.meta.url));
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('parseTableBytes', () => {
  it('reads CSV, TSV and JSON Lines text by extension', async () => {
    const csv = await parseTableBytes('dir/a.csv', utf8('x,y\n1,2\n3,4\n'));
    assert.deepEqual([csv.names, csv.rowCount, csv.source], [['x', 'y'], 2, 'a.csv']);
    assert.deepEqual(Array.from(csv.column('y')), [2, 4]);
    const tsv = await parseTableBytes('a.TSV', utf8('x\ty\n1\t2\n'));
    assert.deepEqual(tsv.names, ['x', 'y']);
    const jsonl = await parseTableBytes('a.ndjson', utf8('{"x": 1, "y": "u"}\n{"x": 2, "y": "v"}\n'));
    assert.deepEqual([jsonl.names, jsonl.rowCount], [['x', 'y'], 2]);
  });

  it('reads Parquet and Arrow IPC bytes like their readers', async () => {
    for (const name of ['small.parquet', 'small.arrow']) {
      const bytes = new Uint8Array(readFileSync(fixture(name)));
      const t = await parseTableBytes(name, bytes);
      assert.ok(t.rowCount > 0 && t.names.length > 0, name);
      assert.equal(t.source, name);
    }
  });

  it('refuses unknown extensions and gzipped bytes with a message saying what to do', async () => {
    await assert.rejects(parseTableBytes('book.xlsx', utf8('')), /book\.xlsx: unknown file type \("\.xlsx"\); expected one of \.csv/);
    await assert.rejects(parseTableBytes('a.csv.gz', utf8('')), /a\.csv\.gz: gzipped files are not read from bytes; decompress it first/);
  });
});
