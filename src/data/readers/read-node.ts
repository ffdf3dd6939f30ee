/**
 * Reads a table from a file on disk (Node only). The format comes from the extension unless given.
 * CSV streams through papaparse (csv-records.ts), so a large file is never held as one string; JSON Lines streams line by
 * line; Arrow and Parquet are read whole (their readers need the bytes).
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Table } from '../table.js';
import { parseArrowIpc } from './arrow.js';
import { CsvRecordStream } from './csv-records.js';
import { CsvTableBuilder } from './csv-table.js';
import { JsonLinesBuilder } from './jsonl.js';
import { parseParquet } from './parquet.js';
import { formatOfPath, type TableFormat } from './formats.js';

export { formatOfPath, type TableFormat } from './formats.js';

export interface ReadTableOptions {
  /** Overrides the format the extension implies. */
  format?: TableFormat;
  /** Names the file in errors; default its base name. */
  source?: string;
  /** CSV field separator; default "," (tab for .tsv). */
  delimiter?: string;
  /** CSV: whether the first line names the columns; default true. */
  header?: boolean;
}

function fileError(e: unknown, path: string, source: string): Error {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return new Error(`${source}: file not found (${path})`);
  if (code === 'EISDIR') return new Error(`${source}: is a directory, not a file (${path})`);
  if (code === 'EACCES') return new Error(`${source}: permission denied (${path})`);
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') return new Error(`${source}: not a valid gzip file (${(e as Error).message})`, { cause: e });
  return e instanceof Error ? e : new Error(String(e));
}

/** The file's bytes as a stream, gunzipped when asked; a file error surfaces on the returned stream. */
function open(path: string, gzip: boolean): Readable {
  const file = createReadStream(path);
  if (!gzip) return file;
  const gunzip = createGunzip();
  file.on('error', (e) => gunzip.destroy(e));
  return file.pipe(gunzip);
}

async function readCsvFile(path: string, gzip: boolean, source: string, o: ReadTableOptions): Promise<Table> {
  const delimiter = o.delimiter ?? (/\.tsv(\.gz)?$/i.test(path) ? '\t' : ',');
  let asText: ReadonlySet<number> = new Set();
  for (;;) {
    const builder = new CsvTableBuilder(source, o.header ?? true, asText);
    const records = new CsvRecordStream(source, delimiter, builder.onRecord);
    const input = open(path, gzip);
    try {
      input.setEncoding('utf8'); // decodes across chunk boundaries
      for await (const chunk of input) records.push(chunk as string);
      records.end();
    } catch (e) {
      throw fileError(e, path, source);
    } finally {
      input.destroy();
    }
    const result = builder.finish();
    if ('table' in result) return result.table;
    asText = result.retryAsText; // a column turned out to be text after numbers: read again keeping its spelling
  }
}

async function readJsonLinesFile(path: string, gzip: boolean, source: string): Promise<Table> {
  const builder = new JsonLinesBuilder(source);
  const input = open(path, gzip);
  try {
    let lineNo = 0;
    for await (const line of createInterface({ input, crlfDelay: Infinity })) builder.pushLine(line, ++lineNo);
  } catch (e) {
    throw fileError(e, path, source);
  } finally {
    input.destroy();
  }
  return builder.finish();
}

export async function readTable(path: string, opts: ReadTableOptions = {}): Promise<Table> {
  const source = opts.source ?? basename(path);
  const { format, gzip } = opts.format ? { format: opts.format, gzip: /\.gz$/i.test(path) } : formatOfPath(path);
  switch (format) {
    case 'csv': return readCsvFile(path, gzip, source, opts);
    case 'jsonl': return readJsonLinesFile(path, gzip, source);
    case 'arrow': case 'parquet': {
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch (e) {
        throw fileError(e, path, source);
      }
      if (bytes.length === 0) throw new Error(`${source}: empty file`);
      if (format === 'arrow') return parseArrowIpc(bytes, { source });
      return parseParquet(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, { source });
    }
    default:
      throw new Error(`${source}: unknown format "${String(format)}" (expected csv, jsonl, arrow or parquet)`);
  }
}
