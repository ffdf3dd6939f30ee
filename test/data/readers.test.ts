/** Readers: each format parses to the same cells, text stays as written, and every error names file and line. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseArrowIpc, parseCsv, parseJsonLines, parseParquet } from '../../src/data/readers/index.js';
import { formatOfPath, readTable } from '../../src/data/readers/read-node.js';
import { parseNumberToken } from '../../src/data/readers/tokens.js';
import { selectRows, tableFromMatrix, tableFromRecords, tableFromRows, type Column, type Table } from '../../src/data/table.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../test/fixtures/data/${name}`, import.meta.url));

function numbers(c: Column): number[] {
  assert.ok(c instanceof Float64Array, 'expected a numeric column');
  return Array.from(c);
}

function expectMixedCsv(t: Table, source: string): void {
  assert.equal(t.source, source);
  assert.deepEqual(t.names, ['id', 'dur', 'service', 'note', 'is_vip', 'label']);
  assert.equal(t.rowCount, 5);
  assert.deepEqual(numbers(t.column('id')), [1, 2, 3, 4, 5]);
  assert.deepEqual(numbers(t.column('dur')), [0.5, NaN, 2.5, 1, 3]);
  assert.deepEqual(t.column('service'), ['http', 'smtp', 'http', null, 'ftp']);
  assert.deepEqual(t.column('note'), ['hello, world', 'say "hi"', null, 'plain', 'two\nlines']);
  assert.deepEqual(t.column('is_vip'), ['yes', 'no', 'YES', null, 'no']);
  assert.deepEqual(numbers(t.column('label')), [0, 0, 1, 0, 1]);
  assert.equal(t.where(0), `${source} row 1 (line 2)`);
  // The last record spans lines 6-7 (a quoted newline): it is reported by the line it starts on.
  assert.equal(t.where(4), `${source} row 5 (line 6)`);
}

describe('parseNumberToken', () => {
  // The rule as Number() states it: a finite number, no whitespace around it, no 0x / 0b / 0o prefix.
  const byNumber = (t: string): number => {
    if (t.length === 0 || t.charCodeAt(0) <= 32 || t.charCodeAt(t.length - 1) <= 32) return NaN;
    const v = Number(t);
    return Number.isFinite(v) && !/^0[xbo]/i.test(t) ? v : NaN;
  };

  it('reads every token as Number() does: plain decimals (its fast path) and everything else, bit for bit', () => {
    const fixed = ['0', '-0', '+0', '-0.0', '0.', '.5', '-.5', '5.', '.', '-', '+', '+-1', '--1', '007', '0.1', '0.3', '-12.3456',
      '123456789012345', '1234567890123456', '12345678901234567', '0.000000000000001', '999999999999999.9', '9007199254740993',
      '1e5', '1E-5', '-1.5e+300', '1e400', 'Infinity', '-Infinity', 'NaN', '0x1F', '0b1', '0o7', '1_000', ' 1', '1 ', '1.2.3',
      '\u0661', '12a', 'a12', '1,5', '0.1234567890123456789', '4.35', '2.675', '1.0000000000000002', '0.30000000000000004'];
    let seed = 17;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const random: string[] = [];
    for (let i = 0; i < 200000; i++) {
      const digits = 1 + Math.floor(next() * 18);
      let body = '';
      for (let d = 0; d < digits; d++) body += String(Math.floor(next() * 10));
      const dot = Math.floor(next() * (digits + 2)) - 1; // -1: no dot
      if (dot >= 0) body = `${body.slice(0, dot)}.${body.slice(dot)}`;
      random.push((next() < 0.3 ? '-' : next() < 0.05 ? '+' : '') + body + (next() < 0.02 ? `e${Math.floor(next() * 40) - 20}` : ''));
    }
    for (const t of [...fixed, ...random]) assert.ok(Object.is(parseNumberToken(t), byNumber(t)), `${JSON.stringify(t)}: ${parseNumberToken(t)} vs ${byNumber(t)}`);
  });
});

describe('CSV', () => {
  it('parses quotes, embedded newlines, missing markers and text columns', () => {
    expectMixedCsv(parseCsv(readFileSync(fixture('mixed.csv'), 'utf8'), { source: 'mixed.csv' }), 'mixed.csv');
  });

  it('streams the same table from disk, plain and gzipped', async () => {
    expectMixedCsv(await readTable(fixture('mixed.csv')), 'mixed.csv');
    expectMixedCsv(await readTable(fixture('mixed.csv.gz')), 'mixed.csv.gz');
  });

  it('keeps the spelling of numbers in a column that turns out to be text ("01" stays "01")', async () => {
    const text = readFileSync(fixture('codes.csv'), 'utf8');
    assert.deepEqual(parseCsv(text).column('code'), ['01', '02', 'A1']);
    assert.deepEqual(numbers(parseCsv(text).column('x')), [1, 2, 3]);
    assert.deepEqual((await readTable(fixture('codes.csv'))).column('code'), ['01', '02', 'A1']);
  });

  it('treats NA, NaN, null, ? and empty as missing, and hex, Infinity and padded numbers as text', () => {
    const t = parseCsv('a,b\nNA,0x1F\nNaN,Infinity\nnull,1e3\n?,-2.5\n,7\n');
    assert.deepEqual(numbers(t.column('a')), [NaN, NaN, NaN, NaN, NaN]);
    assert.deepEqual(t.column('b'), ['0x1F', 'Infinity', '1e3', '-2.5', '7']);
  });

  it('reads .tsv with tabs, other delimiters on request, and headerless files as f0..fN-1', async () => {
    const t = await readTable(fixture('tabs.tsv'));
    assert.deepEqual(t.names, ['a', 'b']);
    assert.deepEqual(t.column('b'), ['x', 'y']);
    const h = parseCsv('1;2\n3;4\n', { delimiter: ';', header: false });
    assert.deepEqual(h.names, ['f0', 'f1']);
    assert.deepEqual(numbers(h.column('f1')), [2, 4]);
    assert.equal(h.where(1), 'input.csv row 2 (line 2)');
  });

  it('rejects an empty file, a header with no rows, a ragged row and malformed quotes', async () => {
    await assert.rejects(readTable(fixture('empty.csv')), { message: 'empty.csv: empty file' });
    await assert.rejects(readTable(fixture('header-only.csv')), { message: 'header-only.csv: no data rows (only a header line)' });
    await assert.rejects(readTable(fixture('ragged.csv')), { message: 'ragged.csv line 7: expected 5 fields, got 4' });
    assert.throws(() => parseCsv(readFileSync(fixture('ragged.csv'), 'utf8'), { source: 'f.csv' }),
      { message: 'f.csv line 7: expected 5 fields, got 4' });
    await assert.rejects(readTable(fixture('unclosed.csv')), {
      message: 'unclosed.csv line 2: malformed quotes: this record opens a quoted field that is never closed (the file ends inside it)',
    });
    await assert.rejects(readTable(fixture('stray-quote.csv')), {
      message: 'stray-quote.csv line 2, field 2: malformed quotes: a quote inside an unquoted field (quote the whole field and double the quotes inside it)',
    });
  });

  it('keeps quoted whitespace, trims unquoted fields and counts CRLF lines inside quotes once', () => {
    const t = parseCsv('a,b\r\n" x ", y \r\n1,"p\r\nq"\r\n3,4\r\n');
    assert.deepEqual(t.column('a'), [' x ', '1', '3']);
    assert.deepEqual(t.column('b'), ['y', 'p\r\nq', '4']);
    assert.equal(t.where(1), 'input.csv row 2 (line 3)');
    assert.equal(t.where(2), 'input.csv row 3 (line 5)');
    assert.throws(() => parseCsv('a,b\n1,"x"y\n'), { message: 'input.csv line 2, field 2: malformed quotes: text after a closing quote (double the quotes inside a quoted field)' });
  });

  it('rejects empty and duplicate column names', () => {
    assert.throws(() => parseCsv('a,,c\n1,2,3\n', { source: 'h.csv' }), { message: 'h.csv line 1: column 2 has an empty name in the header' });
    assert.throws(() => parseCsv('a,b,a\n1,2,3\n', { source: 'h.csv' }), { message: 'h.csv line 1: duplicate column name "a" (columns 1 and 3)' });
  });
});

describe('JSON Lines', () => {
  it('parses objects with null, a key some lines lack, blank lines, booleans', async () => {
    for (const t of [parseJsonLines(readFileSync(fixture('small.jsonl'), 'utf8'), { source: 'small.jsonl' }), await readTable(fixture('small.jsonl'))]) {
      assert.deepEqual(t.names, ['dur', 'proto', 'ok', 'extra']);
      assert.equal(t.rowCount, 3);
      assert.deepEqual(numbers(t.column('dur')), [1.5, NaN, 3]);
      assert.deepEqual(t.column('proto'), ['tcp', 'udp', 'tcp']);
      assert.deepEqual(t.column('ok'), [true, false, true]);
      assert.deepEqual(numbers(t.column('extra')), [NaN, 7, NaN]);
      assert.equal(t.where(2), 'small.jsonl row 3 (line 4)');
    }
  });

  it('rejects a line that is not an object, a line that is not JSON, nested values and an empty file', async () => {
    await assert.rejects(readTable(fixture('not-object.jsonl')), { message: 'not-object.jsonl line 2: expected a JSON object, got an array' });
    await assert.rejects(readTable(fixture('bad-json.jsonl')), { message: 'bad-json.jsonl line 3: not valid JSON: {"a": 3,' });
    assert.throws(() => parseJsonLines('{"a": 1}\n{"a": {"b": 2}}\n', { source: 'n.jsonl' }),
      { message: 'n.jsonl line 2, field "a": expected a number, string, boolean or null, got an object' });
    assert.throws(() => parseJsonLines('\n  \n', { source: 'e.jsonl' }), { message: 'e.jsonl: empty file (no JSON objects)' });
  });
});

describe('Arrow and Parquet', () => {
  function expectSmall(t: Table): void {
    assert.deepEqual(t.names, ['dur', 'count', 'proto', 'ok']);
    assert.equal(t.rowCount, 3);
    assert.deepEqual(numbers(t.column('dur')), [1.5, NaN, 3]);
    assert.deepEqual(numbers(t.column('count')), [1, 2, 3]); // Int64 arrives as BigInt
    assert.deepEqual(t.column('proto'), ['tcp', 'udp', 'tcp']);
    assert.deepEqual(t.column('ok'), [true, false, null]);
  }

  it('parses the Arrow IPC fixture from bytes and from disk', async () => {
    expectSmall(parseArrowIpc(readFileSync(fixture('small.arrow')), { source: 'small.arrow' }));
    expectSmall(await readTable(fixture('small.arrow')));
  });

  it('parses the Parquet fixture from an ArrayBuffer and from disk', async () => {
    const bytes = readFileSync(fixture('small.parquet'));
    expectSmall(await parseParquet(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer));
    const t = await readTable(fixture('small.parquet'));
    expectSmall(t);
    assert.equal(t.where(1), 'small.parquet row 2');
  });
});

describe('readTable', () => {
  it('picks the format from the extension', () => {
    assert.deepEqual(formatOfPath('a/b.CSV'), { format: 'csv', gzip: false });
    assert.deepEqual(formatOfPath('b.tsv.gz'), { format: 'csv', gzip: true });
    assert.deepEqual(formatOfPath('b.ndjson'), { format: 'jsonl', gzip: false });
    assert.deepEqual(formatOfPath('b.feather'), { format: 'arrow', gzip: false });
    assert.deepEqual(formatOfPath('b.parquet'), { format: 'parquet', gzip: false });
  });

  it('rejects an unknown extension and a missing file', async () => {
    await assert.rejects(readTable('data/train.xlsx'), {
      message: 'train.xlsx: unknown file type (".xlsx"); expected one of .csv, .tsv, .csv.gz, .tsv.gz, .jsonl, .ndjson, .jsonl.gz, .ndjson.gz, .arrow, .feather, .ipc, .parquet, or pass a format',
    });
    const missing = fixture('nope.csv');
    await assert.rejects(readTable(missing), { message: `nope.csv: file not found (${missing})` });
    await assert.rejects(readTable(fixture('nope.jsonl')), { message: `nope.jsonl: file not found (${fixture('nope.jsonl')})` });
    await assert.rejects(readTable(fixture('nope.parquet')), { message: `nope.parquet: file not found (${fixture('nope.parquet')})` });
  });

  it('reads a file with another extension when given a format', async () => {
    const t = await readTable(fixture('small.jsonl'), { format: 'jsonl', source: 'renamed' });
    assert.equal(t.source, 'renamed');
    assert.equal(t.rowCount, 3);
  });
});

describe('Table constructors', () => {
  it('builds from rows, a matrix and records, with default names', () => {
    const r = tableFromRows([[1, 2], [3, NaN]]);
    assert.deepEqual(r.names, ['f0', 'f1']);
    assert.deepEqual(numbers(r.column('f1')), [2, NaN]);
    const m = tableFromMatrix(new Float32Array([1, 2, 3, 4, 5, 6]), 3, 2, ['a', 'b']);
    assert.deepEqual(numbers(m.column('b')), [2, 4, 6]);
    // More rows than one transposition block (256), not a multiple of it: every cell lands in its column.
    const rows = 600, cols = 3, x = Float64Array.from({ length: rows * cols }, (_, k) => k * 0.5 - 7);
    const big = tableFromMatrix(x, rows, cols);
    for (let j = 0; j < cols; j++) assert.deepEqual(numbers(big.column(`f${j}`)), Array.from({ length: rows }, (_, i) => x[i * cols + j]));
    const rec = tableFromRecords([{ a: 1, s: 'x' }, { a: null, t: true }], 'recs');
    assert.deepEqual(rec.names, ['a', 's', 't']);
    assert.deepEqual(numbers(rec.column('a')), [1, NaN]);
    assert.deepEqual(rec.column('s'), ['x', null]);
    assert.deepEqual(rec.column('t'), [null, true]);
  });

  it('rejects ragged rows, a wrong matrix size, bad names and unknown columns', () => {
    assert.throws(() => tableFromRows([[1, 2], [3]]), { message: 'rows: row 2 has 1 values, expected 2' });
    assert.throws(() => tableFromMatrix(new Float64Array(5), 2, 3), { message: 'matrix: 5 values, expected rows * cols = 6' });
    assert.throws(() => tableFromRows([[1, 2]], ['a']), { message: 'rows: 1 names given for 2 columns' });
    assert.throws(() => tableFromRows([[1, 2]], ['a', 'a']), { message: 'rows: duplicate column name "a"' });
    assert.throws(() => tableFromRows([[1, 2]]).column('z'), { message: 'rows: no column "z" (columns: f0, f1)' });
    assert.throws(() => tableFromRecords([{ a: [1] as unknown as number }]),
      { message: 'records row 1, column "a": expected a number, string, boolean or null, got an array' });
  });

  it('selectRows keeps values and original row numbers and lines', () => {
    const t = parseCsv('a,b\n1,x\n2,y\n3,z\n', { source: 's.csv' });
    const s = selectRows(t, [2, 0]);
    assert.deepEqual(numbers(s.column('a')), [3, 1]);
    assert.deepEqual(s.column('b'), ['z', 'x']);
    assert.equal(s.where(0), 's.csv row 3 (line 4)');
    assert.equal(selectRows(s, [1]).where(0), 's.csv row 1 (line 2)');
    assert.throws(() => selectRows(t, [3]), { message: 'selectRows: index 3 out of range for 3 rows of s.csv' });
  });
});
