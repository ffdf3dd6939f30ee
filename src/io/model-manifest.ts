/**
 * The model file's manifest: its zod schema, and a structural check that runs before zod so that values
 * JSON cannot carry (NaN, undefined, class instances, typed arrays) and prototype-polluting keys are
 * rejected with the exact path where they sit, both when writing and when reading.
 */
import * as z from '../zod.js';

export const MODEL_FORMAT = 'aberrant-model';
export const MODEL_FORMAT_VERSION = 1;

/**
 * Free-form JSON object whose content the caller (the detector) validates. That it holds only JSON data
 * (no NaN, no class instances, no forbidden keys) is checked by findNonJsonValue, which runs before zod
 * and names the exact path; typing the values as unknown keeps the manifest easy to build.
 */
const jsonObject = z.record(z.string(), z.unknown());
const count = z.int().check(z.nonnegative());

export const tensorEntrySchema = z.strictObject({
  name: z.string().check(z.minLength(1)),
  shape: z.array(count),
  /** Start of the tensor in the weights blob, counted in float32 values (not bytes). */
  offset: count,
  /** Number of float32 values; equals the product of `shape` (1 for a scalar `[]`). */
  length: count,
});

export const modelManifestSchema = z.strictObject({
  format: z.literal(MODEL_FORMAT),
  formatVersion: z.literal(MODEL_FORMAT_VERSION),
  libraryVersion: z.string().check(z.minLength(1)),
  createdAt: z.iso.datetime({ offset: true }),
  detector: z.string().check(z.minLength(1)),
  config: jsonObject,
  preprocessing: z.nullable(jsonObject),
  threshold: z.nullable(jsonObject),
  training: jsonObject,
  schema: z.nullable(jsonObject),
  state: jsonObject,
  tensors: z.array(tensorEntrySchema),
});

export type ModelManifest = z.infer<typeof modelManifestSchema>;
export type TensorEntry = z.infer<typeof tensorEntrySchema>;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** `a.b[2].c` from a path of keys and indices. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(top level)';
}

/** How deeply a manifest may nest objects and arrays; Aberrant's own manifests use fewer than 10 levels. */
export const MAX_MANIFEST_DEPTH = 64;

/**
 * The deepest nesting of [ and { in JSON text, scanning outside strings, stopping as soon as `limit` is
 * passed: linear, and run before JSON.parse so that a hostile file cannot make parsing or validation deep.
 */
export function jsonNestingExceeds(bytes: Uint8Array, limit: number): boolean {
  let depth = 0, inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) { if (++depth > limit) return true; } else if (b === 0x5d || b === 0x7d) depth--;
  }
  return false;
}

interface Visit { value: unknown; parent: Visit | null; key: PropertyKey; depth: number }

function pathOf(v: Visit): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let at: Visit | null = v; at && at.parent; at = at.parent) path.push(at.key);
  return path.reverse();
}

/**
 * Returns a description of the first place where `value` is not plain JSON data, uses a forbidden key or
 * nests deeper than MAX_MANIFEST_DEPTH, or null when it is clean. Iterative (no stack overflow) and linear:
 * each entry points at its parent, and the path is built only for the error.
 */
export function findNonJsonValue(value: unknown): string | null {
  const stack: Visit[] = [{ value, parent: null, key: '', depth: 0 }];
  while (stack.length) {
    const at = stack.pop()!;
    const v = at.value;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return `${formatPath(pathOf(at))} is ${v}, which JSON cannot hold`;
      continue;
    }
    if (typeof v !== 'object') return `${formatPath(pathOf(at))} is a ${typeof v}, which JSON cannot hold`;
    if (at.depth >= MAX_MANIFEST_DEPTH) return `${formatPath(pathOf(at)).slice(0, 200)} nests deeper than ${MAX_MANIFEST_DEPTH} levels`;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], parent: at, key: i, depth: at.depth + 1 });
      continue;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const kind = (v as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      return `${formatPath(pathOf(at))} is a ${kind}, not a plain JSON object or array`;
    }
    for (const key of Object.keys(v)) {
      const child: Visit = { value: (v as Record<string, unknown>)[key], parent: at, key, depth: at.depth + 1 };
      if (FORBIDDEN_KEYS.has(key)) return `${formatPath(pathOf(child))}: the key "${key}" is not allowed`;
      stack.push(child);
    }
  }
  return null;
}

/** The first schema issue with its field path, and how many more there are. */
export function describeSchemaIssues(error: z.core.$ZodError): string {
  const [first] = error.issues;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  const field = first.path.length ? `field "${formatPath(first.path)}"` : 'the manifest';
  return `${field}: ${first.message}${more}`;
}
