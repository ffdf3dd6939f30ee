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

/**
 * Returns a description of the first place where `value` is not plain JSON data or uses a forbidden key,
 * or null when it is clean. Iterative, so a deeply nested value cannot overflow the stack.
 */
export function findNonJsonValue(value: unknown): string | null {
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value, path: [] }];
  while (stack.length) {
    const { value: v, path } = stack.pop()!;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return `${formatPath(path)} is ${v}, which JSON cannot hold`;
      continue;
    }
    if (typeof v !== 'object') return `${formatPath(path)} is a ${typeof v}, which JSON cannot hold`;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...path, i] });
      continue;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const kind = (v as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      return `${formatPath(path)} is a ${kind}, not a plain JSON object or array`;
    }
    for (const key of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(key)) return `${formatPath([...path, key])}: the key "${key}" is not allowed`;
      stack.push({ value: (v as Record<string, unknown>)[key], path: [...path, key] });
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
