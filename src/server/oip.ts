/**
 * Open Inference Protocol v2 tensors to and from the library's tables. A model's inputs are its raw columns
 * (numeric FP32, boolean BOOL, categorical BYTES, each of shape [-1]); a request gives one input per column,
 * shape [N], or, when every column is numeric, one [N, F] row-major input with the columns in metadata order.
 */
import { makeTable, type Cell, type Column, type InputKind, type Table } from '../index.js';
import { badRequest, HttpError } from './errors.js';
import type { ModelEntry } from './model-store.js';
import type { Datatype, InferRequest, InferResponse } from './schemas.js';

const FLOATS: ReadonlySet<string> = new Set(['FP16', 'FP32', 'FP64']);
const INTS: ReadonlySet<string> = new Set(['INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']);

/** The datatype metadata announces for a kind of column. */
export const DATATYPE_OF: Record<InputKind, Datatype> = { numeric: 'FP32', boolean: 'BOOL', categorical: 'BYTES' };

/** Datatypes a column of each kind accepts in a request (the announced one first). */
const ACCEPTS: Record<InputKind, (t: string) => boolean> = {
  numeric: (t) => FLOATS.has(t) || INTS.has(t),
  boolean: (t) => t === 'BOOL' || t === 'BYTES',
  categorical: (t) => t === 'BYTES' || INTS.has(t),
};
const ACCEPTED_TEXT: Record<InputKind, string> = {
  numeric: 'FP32 (or FP16, FP64, an INT or UINT type)', boolean: 'BOOL (or BYTES "true"/"false"/"yes"/"no")', categorical: 'BYTES (or an INT type)',
};

export const OUTPUT_NAMES = ['score', 'is_anomaly', 'rank'] as const;

export function modelMetadata(e: ModelEntry) {
  return {
    name: e.name, versions: [e.version], platform: `aberrant_${e.det.name}`,
    inputs: e.inputs.map((c) => ({ name: c.name, datatype: DATATYPE_OF[c.kind], shape: [-1] })),
    outputs: [
      { name: 'score', datatype: 'FP64' as const, shape: [-1] },
      { name: 'is_anomaly', datatype: 'BOOL' as const, shape: [-1] },
      { name: 'rank', datatype: 'FP64' as const, shape: [-1] },
    ],
  };
}

/** Flattens row-major nested arrays; a non-array where an array is expected (or the reverse) is an error. */
function flatten(data: unknown[], where: string): unknown[] {
  if (!data.some(Array.isArray)) return data;
  const out: unknown[] = [];
  const walk = (a: unknown[], depth: number): void => {
    if (depth > 8) throw badRequest(`${where}: data is nested more than 8 levels deep`);
    for (const v of a) if (Array.isArray(v)) walk(v, depth + 1); else out.push(v);
  };
  walk(data, 0);
  return out;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/** One column's values from an input's flat data; null is a missing value. */
function columnOf(values: unknown[], kind: InputKind, datatype: string, where: (i: number) => string): Column {
  const n = values.length;
  if (kind === 'numeric') {
    const col = new Float64Array(n);
    const integer = INTS.has(datatype);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === null) { col[i] = NaN; continue; }
      if (typeof v !== 'number' || (integer && !Number.isInteger(v))) throw badRequest(`${where(i)}: expected ${integer ? 'an integer' : 'a number'} for ${datatype}, got ${describe(v)}`);
      col[i] = v;
    }
    return col;
  }
  const cells: Cell[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const ok = v === null || (datatype === 'BOOL' ? typeof v === 'boolean' : datatype === 'BYTES' ? typeof v === 'string' : typeof v === 'number' && Number.isInteger(v));
    if (!ok) throw badRequest(`${where(i)}: expected ${datatype === 'BOOL' ? 'a boolean' : datatype === 'BYTES' ? 'a string' : 'an integer'} for ${datatype}, got ${describe(v)}`);
    cells[i] = v as Cell;
  }
  return cells;
}

const product = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** The rows of an infer request as a table of the model's raw columns; errors name the input and row. */
export function tableFromInfer(req: InferRequest, e: ModelEntry, maxRows: number): Table {
  const cols = e.inputs;
  const source = 'infer request';
  const checkRows = (n: number): void => {
    if (n > maxRows) throw new HttpError(413, `the request has ${n} rows, more than this server's limit of ${maxRows} per request (--max-rows); split it`);
  };
  // The matrix form: one [N, F] input, every column numeric.
  if (req.inputs.length === 1 && req.inputs[0].shape.length === 2) {
    const inp = req.inputs[0], [n, f] = inp.shape;
    const text = cols.filter((c) => c.kind !== 'numeric');
    if (text.length > 0) throw badRequest(`input "${inp.name}": a [N, F] matrix input needs every column numeric, but ${text.map((c) => `"${c.name}" is ${c.kind}`).join(', ')}; send one [N] input per column`);
    if (f !== cols.length) throw badRequest(`input "${inp.name}": shape [${n}, ${f}] has ${f} columns, the model reads ${cols.length} (${cols.map((c) => c.name).join(', ')})`);
    if (!ACCEPTS.numeric(inp.datatype)) throw badRequest(`input "${inp.name}": datatype ${inp.datatype}, expected ${ACCEPTED_TEXT.numeric}`);
    checkRows(n);
    const flat = flatten(inp.data, `input "${inp.name}"`);
    if (flat.length !== n * f) throw badRequest(`input "${inp.name}": shape [${n}, ${f}] needs ${n * f} values, data has ${flat.length}`);
    const columns = cols.map((c, j) => columnOf(Array.from({ length: n }, (_, i) => flat[i * f + j]), 'numeric', inp.datatype,
      (i) => `input "${inp.name}" row ${i + 1} column ${j + 1} ("${c.name}")`));
    return makeTable(source, cols.map((c) => c.name), columns, n);
  }
  // One [N] input per column.
  const byName = new Map(cols.map((c) => [c.name, c]));
  const seen = new Set<string>();
  let rows = -1;
  const columns: Column[] = [], names: string[] = [];
  for (const inp of req.inputs) {
    const c = byName.get(inp.name);
    if (!c) throw badRequest(`input "${inp.name}": the model has no such column (its inputs: ${cols.map((k) => k.name).join(', ')})`);
    if (seen.has(inp.name)) throw badRequest(`input "${inp.name}" is given twice`);
    seen.add(inp.name);
    const shape = inp.shape;
    if (shape.length !== 1 && !(shape.length === 2 && shape[1] === 1)) throw badRequest(`input "${inp.name}": shape [${shape.join(', ')}], expected [N] (one value per row)`);
    const n = shape[0];
    if (rows >= 0 && n !== rows) throw badRequest(`input "${inp.name}": shape [${n}] but earlier inputs have ${rows} rows; every input needs the same N`);
    rows = n;
    checkRows(n);
    if (!ACCEPTS[c.kind](inp.datatype)) throw badRequest(`input "${inp.name}": datatype ${inp.datatype}, expected ${ACCEPTED_TEXT[c.kind]} for this ${c.kind} column`);
    const flat = flatten(inp.data, `input "${inp.name}"`);
    if (flat.length !== product(shape)) throw badRequest(`input "${inp.name}": shape [${shape.join(', ')}] needs ${product(shape)} values, data has ${flat.length}`);
    columns.push(columnOf(flat, c.kind, inp.datatype, (i) => `input "${inp.name}" row ${i + 1}`));
    names.push(inp.name);
  }
  const missing = cols.filter((c) => !seen.has(c.name));
  if (missing.length > 0) throw badRequest(`missing input${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c.name}"`).join(', ')} (the model reads: ${cols.map((c) => `${c.name} ${DATATYPE_OF[c.kind]}`).join(', ')})`);
  return makeTable(source, names, columns, rows);
}

/** Which outputs a request asked for (all by default); an unknown name is an error. */
export function requestedOutputs(req: InferRequest): (typeof OUTPUT_NAMES[number])[] {
  if (!req.outputs) return [...OUTPUT_NAMES];
  return req.outputs.map((o) => {
    if (!(OUTPUT_NAMES as readonly string[]).includes(o.name)) throw badRequest(`output "${o.name}": no such output (outputs: ${OUTPUT_NAMES.join(', ')})`);
    return o.name as typeof OUTPUT_NAMES[number];
  });
}

export function inferResponse(req: InferRequest, e: ModelEntry, scores: Float64Array, isAnomaly: Uint8Array, rank: Float64Array): InferResponse {
  const n = scores.length;
  const outputs = requestedOutputs(req).map((name) => (name === 'score' ? { name, datatype: 'FP64' as const, shape: [n], data: Array.from(scores) }
    : name === 'is_anomaly' ? { name, datatype: 'BOOL' as const, shape: [n], data: Array.from(isAnomaly, (v) => v === 1) }
      : { name, datatype: 'FP64' as const, shape: [n], data: Array.from(rank) }));
  return { model_name: e.name, model_version: e.version, ...(req.id !== undefined ? { id: req.id } : {}), outputs };
}
