/** Which reader a file name implies (browser-safe: no Node imports), and a table from a file's bytes by its name. */
import type { Table } from '../table.js';
import { parseArrowIpc } from './arrow.js';
import { parseCsv } from './csv.js';
import { parseJsonLines } from './jsonl.js';
import { parseParquet } from './parquet.js';

export type TableFormat = 'csv' | 'jsonl' | 'arrow' | 'parquet';

const EXTENSIONS: [suffix: string, format: TableFormat, gzip: boolean][] = [
  ['.csv', 'csv', false], ['.tsv', 'csv', false],
  ['.csv.gz', 'csv', true], ['.tsv.gz', 'csv', true],
  ['.jsonl', 'jsonl', false], ['.ndjson', 'jsonl', false], ['.jsonl.gz', 'jsonl', true], ['.ndjson.gz', 'jsonl', true],
  ['.arrow', 'arrow', false], ['.feather', 'arrow', false], ['.ipc', 'arrow', false],
  ['.parquet', 'parquet', false],
];

/** The format and compression a path's extension implies, or an error listing the known extensions. */
export function formatOfPath(path: string): { format: TableFormat; gzip: boolean } {
  const lower = path.toLowerCase();
  const hit = EXTENSIONS.filter(([suffix]) => lower.endsWith(suffix)).sort((a, b) => b[0].length - a[0].length)[0];
  if (hit) return { format: hit[1], gzip: hit[2] };
  const name = path.split(/[\\/]/).pop() ?? path;
  const dot = name.indexOf('.');
  const ext = dot > 0 ? `"${name.slice(dot)}"` : 'no extension';
  throw new Error(`${name}: unknown file type (${ext}); expected one of ${EXTENSIONS.map((e) => e[0]).join(', ')}, or pass a format`);
}

/**
 * A table from a whole file's bytes (a browser File, a fetch), the reader chosen by the name's extension.
 * Gzipped files are refused here: decompress first (DecompressionStream in a browser).
 */
export async function parseTableBytes(name: string, bytes: Uint8Array): Promise<Table> {
  const { format, gzip } = formatOfPath(name);
  if (gzip) throw new Error(`${name}: gzipped files are not read from bytes; decompress it first`);
  const source = name.split(/[\\/]/).pop() ?? name;
  if (format === 'parquet') return parseParquet(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, { source });
  if (format === 'arrow') return parseArrowIpc(bytes, { source });
  const text = new TextDecoder('utf-8').decode(bytes);
  if (format === 'jsonl') return parseJsonLines(text, { source });
  return parseCsv(text, { source, ...(/\.tsv$/i.test(name) ? { delimiter: '\t' } : {}) });
}
