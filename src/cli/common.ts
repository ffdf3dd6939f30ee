/** Helpers shared by the CLI commands: options to detector parameters, reading data and models, output. */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { readTable, loadDetector, type ReadTableOptions, type Table, type Detector } from '../index.js';

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
  const rules = [o.contamination !== undefined, o.threshold !== undefined, o.holdout !== undefined].filter(Boolean).length;
  if (rules > 1) throw new Error('give at most one of --contamination, --threshold, --holdout');
  if (o.quantile !== undefined && o.holdout === undefined) throw new Error('--quantile goes with --holdout');
  if (o.contamination !== undefined) params.threshold = { contamination: o.contamination };
  if (o.threshold !== undefined) params.threshold = { value: o.threshold };
  if (o.holdout !== undefined) params.threshold = { holdout: o.holdout, quantile: o.quantile ?? 0.95 };
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

export async function readData(path: string, o: ReadOptionValues = {}): Promise<Table> {
  const opts: ReadTableOptions = {};
  if (o.format) opts.format = o.format === 'tsv' ? 'csv' : o.format as ReadTableOptions['format'];
  if (o.format === 'tsv') opts.delimiter = '\t';
  if (o.delimiter !== undefined) {
    if (o.delimiter.length !== 1 && o.delimiter !== '\\t') throw new Error(`--delimiter must be one character, got "${o.delimiter}"`);
    opts.delimiter = o.delimiter === '\\t' ? '\t' : o.delimiter;
  }
  if (o.header === false) opts.header = false;
  return readTable(path, opts);
}

export function readModel(path: string): Detector {
  let bytes: Uint8Array;
  try { bytes = readFileSync(path); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path}: no such model file` : `${path}: cannot read (${(e as Error).message})`, { cause: e });
  }
  return loadDetector(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

export function writeOutput(path: string | undefined, text: string): void {
  if (!path || path === '-') { process.stdout.write(text); return; }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

export function fmt(v: number, digits = 4): string { return Number.isFinite(v) ? v.toFixed(digits) : String(v); }

