/**
 * The Aberrant model file: versioned, checksummed and code-free, byte-identical in Node and in browsers.
 *
 *   offset      size  content
 *   0           8     magic "ABERRANT" (ASCII)
 *   8           4     format version, uint32 little-endian (this build writes and reads 1)
 *   12          4     manifest length M in bytes, uint32 little-endian
 *   16          M     manifest: UTF-8 JSON (see model-manifest.ts)
 *   16+M        P     zero padding, so the weights start on a 4-byte boundary (P = 0..3)
 *   B=16+M+P    4*V   weights blob: little-endian float32, tensors back to back in manifest order
 *   B+4*V       32    SHA-256 of every byte before it
 *
 * Each manifest tensor entry gives its offset and length in float32 values within the blob; the entries
 * must tile the blob exactly (no gaps, no overlaps). Loading uses JSON.parse and typed-array copies only:
 * nothing in a file can run code. docs/model-file.md describes the format for other implementations.
 */
import { ModelFileError, describeForeignStart } from './model-file-error.js';
import {
  MAX_MANIFEST_DEPTH, MODEL_FORMAT, MODEL_FORMAT_VERSION, describeSchemaIssues, findNonJsonValue, jsonNestingExceeds, modelManifestSchema,
  type ModelManifest, type TensorEntry,
} from './model-manifest.js';
import { sha256 } from './sha256.js';

export { ModelFileError, type ModelFileErrorKind } from './model-file-error.js';
export { MODEL_FORMAT_VERSION, type ModelManifest, type TensorEntry } from './model-manifest.js';

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** What the caller supplies; the format fields and the tensor table are filled in by the encoder. */
export type ModelManifestInput = Omit<ModelManifest, 'format' | 'formatVersion' | 'tensors'>;

/** Largest model file read by default (weights of ~250M float32 values); readModelBytes takes another limit. */
export const MAX_MODEL_FILE_BYTES = 1 << 30;

const MAGIC = Uint8Array.from('ABERRANT', (c) => c.charCodeAt(0));
const HEADER_BYTES = 16;
const CHECKSUM_BYTES = 32;
const MIN_FILE_BYTES = HEADER_BYTES + CHECKSUM_BYTES;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const align4 = (n: number): number => (n + 3) & ~3;
const shapeSize = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** True when the bytes start with the model file magic; says nothing about whether the rest is valid. */
export function isModelFile(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

function checkTensorsToEncode(tensors: readonly NamedTensor[]): void {
  const fail = (detail: string): never => { throw new ModelFileError('bad-input', 'encodeModelFile', detail); };
  if (!Array.isArray(tensors)) fail('tensors must be an array');
  const names = new Set<string>();
  tensors.forEach((t, i) => {
    if (typeof t?.name !== 'string' || t.name === '') fail(`tensor ${i} has no name`);
    if (names.has(t.name)) fail(`duplicate tensor name "${t.name}"`);
    names.add(t.name);
    if (!(t.data instanceof Float32Array)) fail(`tensor "${t.name}": data must be a Float32Array`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor "${t.name}": shape must be an array of non-negative integers`);
    }
    if (shapeSize(t.shape) !== t.data.length) {
      fail(`tensor "${t.name}" has shape [${t.shape.join(', ')}] (${shapeSize(t.shape)} values) but ${t.data.length} values`);
    }
    const bad = firstNonFinite(t.data);
    if (bad >= 0) fail(`tensor "${t.name}" holds a non-finite value (${t.data[bad]}) at index ${bad}`);
  });
}

/** Serialises a model. Throws ModelFileError ('bad-input') when the manifest or a tensor cannot be stored faithfully. */
export function encodeModelFile(manifest: ModelManifestInput, tensors: NamedTensor[]): Uint8Array {
  checkTensorsToEncode(tensors);
  const table: TensorEntry[] = [];
  let values = 0;
  for (const t of tensors) {
    table.push({ name: t.name, shape: [...t.shape], offset: values, length: t.data.length });
    values += t.data.length;
  }
  // Fixed key order, so that the same model always gives the same bytes.
  const full: ModelManifest = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    libraryVersion: manifest.libraryVersion,
    createdAt: manifest.createdAt,
    detector: manifest.detector,
    config: manifest.config,
    preprocessing: manifest.preprocessing,
    threshold: manifest.threshold,
    training: manifest.training,
    schema: manifest.schema,
    state: manifest.state,
    tensors: table,
  };
  const extra = Object.keys(manifest).filter((k) => !(k in full));
  if (extra.length) throw new ModelFileError('bad-input', 'encodeModelFile', `unknown manifest field "${extra[0]}"`);
  const nonJson = findNonJsonValue(full);
  if (nonJson) throw new ModelFileError('bad-input', 'encodeModelFile', `manifest ${nonJson}`);
  const parsed = modelManifestSchema.safeParse(full);
  if (!parsed.success) {
    throw new ModelFileError('bad-input', 'encodeModelFile', `manifest fails the schema: ${describeSchemaIssues(parsed.error)}`);
  }

  const manifestBytes = new TextEncoder().encode(JSON.stringify(full));
  const blobStart = align4(HEADER_BYTES + manifestBytes.length);
  const checksumStart = blobStart + values * 4;
  const out = new Uint8Array(checksumStart + CHECKSUM_BYTES);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, MODEL_FORMAT_VERSION, true);
  view.setUint32(12, manifestBytes.length, true);
  out.set(manifestBytes, HEADER_BYTES);
  for (let i = 0; i < tensors.length; i++) {
    const data = tensors[i].data, at = blobStart + table[i].offset * 4;
    if (LITTLE_ENDIAN_HOST) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    else for (let j = 0; j < data.length; j++) view.setFloat32(at + j * 4, data[j], true);
  }
  out.set(sha256(out.subarray(0, checksumStart)), checksumStart);
  return out;
}

/**
 * From the first bytes of a file (at least the 16-byte header, then the manifest), how long the whole file
 * should be: 'need' more bytes to tell, the declared 'size', or 'unknown' when the manifest cannot say (the
 * decoder will then report why). Throws ModelFileError when the start is not a model file at all, so a
 * reader can stop after 16 bytes of /dev/zero or a CSV file.
 */
export function declaredModelSize(head: Uint8Array, source = 'model data'): { need: number } | { size: number } | { unknown: true } {
  if (head.length < HEADER_BYTES) {
    if (head.length < MAGIC.length || !isModelFile(head)) decodeModelFile(head, source); // throws: names what the bytes are
    return { need: HEADER_BYTES };
  }
  if (!isModelFile(head)) decodeModelFile(head.subarray(0, HEADER_BYTES), source);
  const manifestLength = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(12, true);
  if (head.length < HEADER_BYTES + manifestLength) return { need: HEADER_BYTES + manifestLength };
  const size = impliedFileSize(head, manifestLength, align4(HEADER_BYTES + manifestLength));
  return size === null ? { unknown: true } : { size };
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * The file size the manifest implies, read without trusting it (used only to tell a truncated file from a
 * modified one once the checksum has failed); null when the manifest cannot say.
 */
function impliedFileSize(bytes: Uint8Array, manifestLength: number, blobStart: number): number | null {
  if (jsonNestingExceeds(bytes.subarray(HEADER_BYTES, HEADER_BYTES + manifestLength), MAX_MANIFEST_DEPTH)) return null;
  try {
    const json: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + manifestLength)));
    const entries = (json as { tensors?: unknown }).tensors;
    if (!Array.isArray(entries)) return null;
    let values = 0;
    for (const e of entries) {
      const length = (e as { length?: unknown })?.length;
      if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) return null;
      values += length;
    }
    return blobStart + values * 4 + CHECKSUM_BYTES;
  } catch {
    return null;
  }
}

/** Checks that the table tiles a blob of `blobValues` float32 values exactly; returns the problem or null. */
function tensorTableProblem(table: readonly TensorEntry[], blobValues: number): string | null {
  const names = new Set<string>();
  let end = 0, previous = '';
  for (const t of table) {
    if (names.has(t.name)) return `duplicate tensor name "${t.name}"`;
    names.add(t.name);
    const size = shapeSize(t.shape);
    if (size !== t.length) return `tensor "${t.name}" has shape [${t.shape.join(', ')}] (${size} values) but length ${t.length}`;
    if (t.offset < end) return `tensor "${t.name}" starts at value ${t.offset}, overlapping "${previous}" which ends at value ${end}`;
    if (t.offset > end) return `gap of ${t.offset - end} values before tensor "${t.name}" (it starts at value ${t.offset}, the previous tensor ends at ${end})`;
    if (t.offset + t.length > blobValues) {
      return `tensor "${t.name}" (values ${t.offset} to ${t.offset + t.length}) runs past the end of the weights blob (${blobValues} values)`;
    }
    end = t.offset + t.length;
    previous = t.name;
  }
  if (end !== blobValues) return `the weights blob holds ${blobValues} values but the tensors cover only ${end}`;
  return null;
}

function readTensor(bytes: Uint8Array, at: number, entry: TensorEntry): Float32Array {
  const data = new Float32Array(entry.length);
  const src = bytes.subarray(at, at + entry.length * 4);
  // A byte copy works whatever the alignment of `bytes` within its buffer, and keeps -0 and every bit.
  if (LITTLE_ENDIAN_HOST) new Uint8Array(data.buffer).set(src);
  else {
    const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
  }
  return data;
}

/**
 * Parses and fully validates a model file. `source` (a path, a URL, a name) starts every error message.
 * Throws ModelFileError; its `kind` says which check failed.
 */
export function decodeModelFile(bytes: Uint8Array, source = 'model data'): { manifest: ModelManifest; tensors: Map<string, NamedTensor> } {
  const fail = (kind: ConstructorParameters<typeof ModelFileError>[0], detail: string, cause?: unknown): never => {
    throw new ModelFileError(kind, source, detail, cause === undefined ? undefined : { cause });
  };
  if (!(bytes instanceof Uint8Array)) fail('bad-input', 'expected the file contents as a Uint8Array');
  const magicSeen = bytes.subarray(0, MAGIC.length);
  if (!magicSeen.every((b, i) => b === MAGIC[i]) || bytes.length === 0) {
    fail('not-a-model', `not an Aberrant model file (${describeForeignStart(bytes)})`);
  }
  if (bytes.length < HEADER_BYTES) fail('truncated', `truncated file (expected at least ${MIN_FILE_BYTES} bytes, got ${bytes.length})`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version > MODEL_FORMAT_VERSION) {
    fail('unsupported-version', `written with model format ${version}; this build reads format ${MODEL_FORMAT_VERSION}: upgrade aberrant`);
  }
  if (version !== MODEL_FORMAT_VERSION) fail('unsupported-version', `unknown model format version ${version}`);

  const manifestLength = view.getUint32(12, true);
  const blobStart = align4(HEADER_BYTES + manifestLength);
  const tooShort = bytes.length < blobStart + CHECKSUM_BYTES;
  const checksumStart = bytes.length - CHECKSUM_BYTES;
  const stored = bytes.subarray(checksumStart);
  const computed = tooShort ? null : sha256(bytes.subarray(0, checksumStart));
  if (computed === null || !computed.every((b, i) => b === stored[i])) {
    // Tell a cut-off file from a modified one: if the manifest is all there, it says how long the file should be.
    const expected = bytes.length >= HEADER_BYTES + manifestLength ? impliedFileSize(bytes, manifestLength, blobStart) : null;
    if (expected !== null && bytes.length < expected) fail('truncated', `truncated file (expected ${expected} bytes, got ${bytes.length})`);
    if (computed === null) fail('truncated', `truncated file (expected at least ${blobStart + CHECKSUM_BYTES} bytes, got ${bytes.length})`);
    fail('checksum', `checksum mismatch: the file is corrupted or was modified (stored SHA-256 ${hex(stored).slice(0, 16)}…, computed ${hex(computed!).slice(0, 16)}…)`);
  }

  // From here on the bytes are exactly what the writer produced, but a writer can be hostile: check everything.
  if (jsonNestingExceeds(bytes.subarray(HEADER_BYTES, HEADER_BYTES + manifestLength), MAX_MANIFEST_DEPTH)) {
    fail('bad-manifest', `manifest rejected: it nests deeper than ${MAX_MANIFEST_DEPTH} levels`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + manifestLength)));
  } catch (err) {
    fail('bad-manifest-json', `the manifest is not valid UTF-8 JSON (${(err as Error).message})`, err);
  }
  const nonJson = findNonJsonValue(json);
  if (nonJson) fail('bad-manifest', `manifest rejected: ${nonJson}`);
  const parsed = modelManifestSchema.safeParse(json);
  if (!parsed.success) fail('bad-manifest', `manifest fails the schema: ${describeSchemaIssues(parsed.error)}`);
  const manifest = parsed.data!;
  for (let i = HEADER_BYTES + manifestLength; i < blobStart; i++) {
    if (bytes[i] !== 0) fail('bad-manifest', `non-zero padding byte after the manifest at offset ${i}`);
  }

  const blobBytes = checksumStart - blobStart;
  if (blobBytes % 4 !== 0) fail('bad-tensor-table', `the weights blob is ${blobBytes} bytes, not a whole number of float32 values`);
  const problem = tensorTableProblem(manifest.tensors, blobBytes / 4);
  if (problem) fail('bad-tensor-table', `tensor table: ${problem}`);

  const tensors = new Map<string, NamedTensor>();
  for (const entry of manifest.tensors) {
    const data = readTensor(bytes, blobStart + entry.offset * 4, entry);
    const bad = firstNonFinite(data);
    if (bad >= 0) fail('non-finite-weights', `tensor "${entry.name}" holds a non-finite value (${data[bad]}) at index ${bad}`);
    tensors.set(entry.name, { name: entry.name, shape: [...entry.shape], data });
  }
  return { manifest, tensors };
}
