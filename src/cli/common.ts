/** Helpers shared by the CLI commands: options to detector parameters, reading data and models, output. */
import { createWriteStream, mkdirSync, renameSync, rmSync, statSync, type Stats, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Option, type Command } from 'commander';
import { shortPrintable } from './terminal.js';
import { readTable, loadDetector, readModelBytes, type ReadTableOptions, type Table, type Detector } from '../index.js';

export function collect(value: string, previous: string[] = []): string[] { return [...previous, value]; }

export function list(value: string): string[] { return value.split(',').map((s) => s.trim()).filter(Boolean); }

export function nonNegativeInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${v}"`);
    return n;
  };
}

export function fraction(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(n > 0 && n < 1)) throw new Error(`--${name} must be a number between 0 and 1, got "${v}"`);
    return n;
  };
}

/** --param key=value (repeatable; value read as JSON when it parses, else as a string). */
export function parseParamPairs(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`--param expects key=value, got "${p}"`);
    const key = p.slice(0, eq), raw = p.slice(eq + 1);
    let value: unknown = raw;
    try { value = JSON.parse(raw); } catch { /* a plain string, e.g. a network spec */ }
    setPath(out, key.split('.'), value);
  }
  return out;
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let o = obj;
  for (const k of path.slice(0, -1)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') throw new Error(`--param: key "${k}" is not allowed`);
    o = (o[k] ??= {}) as Record<string, unknown>;
  }
  o[path[path.length - 1]] = value;
}

export interface DetectorOptionValues {
  param?: string[];
  params?: string;
  seed?: number;
  epochs?: number;
  contamination?: number;
  threshold?: number;
  holdout?: number;
  quantile?: number;
  thresholdQuantile?: number;
  scaling?: string;
}

/** Options every command that builds a detector shares. */
export function addDetectorOptions(cmd: Command): Command {
  return cmd
    .option('--param <key=value>', 'detector parameter (repeatable), e.g. --param gmmK=4 --param compression=FC(6,12,tanh)-...', collect, [])
    .option('--params <json>', 'detector parameters as one JSON object')
    .option('--seed <n>', 'seed for every random choice', nonNegativeInt('seed'))
    .option('--epochs <n>', 'training epochs (default: chosen from the data)', nonNegativeInt('epochs'))
    .option('--contamination <c>', 'threshold: flag this fraction of training rows (default 0.1)', fraction('contamination'))
    .option('--threshold <t>', 'threshold: an explicit score value', (v) => { const n = Number(v); if (!Number.isFinite(n)) throw new Error(`--threshold must be a number, got "${v}"`); return n; })
    .option('--holdout <f>', 'threshold: hold out this fraction of training rows and use --quantile of their scores', fraction('holdout'))
    .option('--quantile <q>', 'quantile of held-out scores used with --holdout (default 0.95)', fraction('quantile'))
    .option('--threshold-quantile <q>', 'threshold: this quantile of the training scores, e.g. 0.99 (the same as --contamination 1-q)', (v) => {
      const n = Number(v);
      if (!(n > 0.5 && n < 1)) throw new Error(`--threshold-quantile must be a number between 0.5 and 1, got "${v}"`);
      return n;
    })
    .addOption(new Option('--scaling <kind>', 'numeric scaling fitted on training rows').choices(['minmax', 'standard', 'none']));
}

export function detectorParams(o: DetectorOptionValues): Record<string, unknown> {
  let params: Record<string, unknown> = {};
  if (o.params) {
    try { params = JSON.parse(o.params) as Record<string, unknown>; } catch (e) { throw new Error(`--params is not valid JSON: ${(e as Error).message}`, { cause: e }); }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new Error('--params must be a JSON object');
  }
  params = { ...params, ...parseParamPairs(o.param ?? []) };
  if (o.seed !== undefined) params.seed = o.seed;
  if (o.epochs !== undefined) params.epochs = o.epochs;
  const given = Object.entries({ contamination: o.contamination, threshold: o.threshold, holdout: o.holdout, 'threshold-quantile': o.thresholdQuantile })
    .filter(([, v]) => v !== undefined).map(([k]) => `--${k}`);
  if (given.length > 1) throw new Error(`give at most one threshold rule of --contamination, --threshold, --holdout, --threshold-quantile; got ${given.join(' and ')}`);
  if (o.quantile !== undefined && o.holdout === undefined) {
    throw new Error(`--quantile goes with --holdout${o.thresholdQuantile !== undefined ? ' (for a quantile of the training scores give --threshold-quantile alone)' : ''}`);
  }
  if (o.contamination !== undefined) params.threshold = { contamination: o.contamination };
  if (o.threshold !== undefined) params.threshold = { value: o.threshold };
  if (o.holdout !== undefined) params.threshold = { holdout: o.holdout, quantile: o.quantile ?? 0.95 };
  if (o.thresholdQuantile !== undefined) params.threshold = { quantile: o.thresholdQuantile };
  if (o.scaling) params.preprocessing = { ...(params.preprocessing as object ?? {}), scaling: o.scaling };
  return params;
}

export interface ReadOptionValues { format?: string; header?: boolean; delimiter?: string }

/** How to read data files: format (default from the extension), header line, CSV delimiter. */
export function addReadOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--format <f>', 'data format (default: from the file extension; .gz is gunzipped)').choices(['csv', 'tsv', 'jsonl', 'arrow', 'parquet']))
    .option('--no-header', 'CSV without a header line: columns are named f0, f1, ...')
    .option('--delimiter <c>', 'CSV field separator (default "," or tab for .tsv)');
}

/** Reads a data file; "-" is standard input (CSV unless --format says otherwise). */
export async function readData(path: string, o: ReadOptionValues = {}): Promise<Table> {
  const opts: ReadTableOptions = {};
  if (o.format) opts.format = o.format === 'tsv' ? 'csv' : o.format as ReadTableOptions['format'];
  if (o.format === 'tsv') opts.delimiter = '\t';
  if (o.delimiter !== undefined) {
    if (o.delimiter.length !== 1 && o.delimiter !== '\\t') throw new Error(`--delimiter must be one character, got "${o.delimiter}"`);
    opts.delimiter = o.delimiter === '\\t' ? '\t' : o.delimiter;
  }
  if (o.header === false) opts.header = false;
  if (path !== '-') return readTable(path, opts);
  // Standard input is spooled to a temporary file: the readers may need a second pass (a CSV column that
  // turns out to be text) or the whole bytes (Arrow, Parquet), and memory stays bounded.
  const spool = join(tmpdir(), `aberrant-stdin-${process.pid}-${randomBytes(6).toString('hex')}`);
  pendingTemps.add(spool);
  try {
    await pipeline(process.stdin, createWriteStream(spool, { flags: 'wx' }));
    return await readTable(spool, { ...opts, source: 'standard input', format: opts.format ?? 'csv' });
  } finally {
    rmSync(spool, { force: true });
    pendingTemps.delete(spool);
  }
}

/** A model file read once (bounded by what its manifest declares) and fully validated. */
export function readModel(path: string): { det: Detector; bytes: Uint8Array } {
  if (path === '-') throw new Error('the model must be a file ("-" is for data read from standard input)');
  const bytes = readModelBytes(path);
  return { det: loadDetector(bytes, path), bytes };
}

function statOrNull(path: string): Stats | null {
  try { return statSync(path); } catch { return null; }
}

/**
 * The one guard before a command writes a file: never over one of the command's own inputs (same device
 * and inode, so links and different spellings of a path are caught; --force does not override this), never
 * over an existing file unless `force`; missing parent folders are created.
 */
export function prepareOutputPath(out: string, inputs: readonly (string | undefined)[], force: boolean | undefined, what = 'output'): void {
  const target = statOrNull(out);
  if (target?.isDirectory()) throw new Error(`${out}: is a directory; give a file name for the ${what}`);
  if (target) {
    for (const input of inputs) {
      if (!input || input === '-') continue;
      const s = statOrNull(input);
      if (s && s.dev === target.dev && s.ino === target.ino) {
        throw new Error(`refusing to write the ${what} to ${out}: it is the input file ${input}, which would be lost`);
      }
    }
    if (!force) throw new Error(`${out} already exists; pass --force to replace it`);
  }
  mkdirSync(dirname(out), { recursive: true });
}

/** Temporary files being written, removed if the process ends before they are renamed into place. */
const pendingTemps = new Set<string>();
process.once('exit', () => { for (const t of pendingTemps) rmSync(t, { force: true }); });

/**
 * Where a command's text output goes: standard output (path undefined or "-") or a file written through a
 * temporary file renamed into place at close, so an interrupted command leaves the old file (or none).
 * write() respects back-pressure, so a 13-million-line output streams in chunks instead of one string.
 */
export class OutputSink {
  private readonly stream: NodeJS.WritableStream;
  private readonly temp: string | null;

  constructor(private readonly path: string | undefined) {
    if (!path || path === '-') { this.stream = process.stdout; this.temp = null; return; }
    this.temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    pendingTemps.add(this.temp);
    this.stream = createWriteStream(this.temp, { flags: 'wx' });
  }

  async write(text: string): Promise<void> {
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (!this.temp) return;
    const ws = this.stream as WriteStream;
    ws.end();
    await once(ws, 'close');
    renameSync(this.temp, this.path!);
    pendingTemps.delete(this.temp);
  }
}

export async function writeOutput(path: string | undefined, text: string): Promise<void> {
  const sink = new OutputSink(path);
  await sink.write(text);
  await sink.close();
}

/** Tells the user (stderr) what preprocessing had to do to rows being scored; the scores are still given. */
export function reportTransformNotes(t: { unseen: number; clamped: number; unseenByColumn: Record<string, number>; clampedByColumn: Record<string, number> }): void {
  const cols = (m: Record<string, number>): string => Object.entries(m).slice(0, 10).map(([k, v]) => `${shortPrintable(k, 40)}: ${v}`).join(', ')
    + (Object.keys(m).length > 10 ? ', ...' : '');
  if (t.unseen > 0) process.stderr.write(`note: ${t.unseen} categor${t.unseen === 1 ? 'y value' : 'y values'} not seen in training, encoded as no known category (${cols(t.unseenByColumn)})\n`);
  if (t.clamped > 0) process.stderr.write(`note: ${t.clamped} numeric value${t.clamped === 1 ? '' : 's'} more than a million training ranges out, clamped there; such rows score as extreme anomalies (${cols(t.clampedByColumn)})\n`);
}

export function fmt(v: number, digits = 4): string { return Number.isFinite(v) ? v.toFixed(digits) : String(v); }

