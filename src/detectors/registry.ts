/**
 * Every detector Aberrant ships, by name: how to build one from parameters, its parameter schema (for
 * validation, CLI help and docs) and how to restore one from a model file.
 */
import * as z from '../zod.js';
import { decodeModelFile, encodeModelFile } from '../io/model-file.js';
import type { Detector, ModelJSON } from './detector.js';
import { registeredDetectors, type DetectorEntry } from './register.js';
import './builtin.js';

export { registerAlias, registerDetector, type DetectorEntry, type PaperRunConfig } from './register.js';

export function detectorEntries(): readonly DetectorEntry[] { return registeredDetectors(); }

export function detectorNames(): string[] { return registeredDetectors().map((e) => e.name); }

export function detectorEntry(name: string): DetectorEntry {
  const e = registeredDetectors().find((x) => x.name === name);
  if (!e) throw new Error(`unknown detector "${name}" (available: ${detectorNames().join(', ')})`);
  return e;
}

export function createDetector(name: string, params: Record<string, unknown> = {}): Detector {
  return detectorEntry(name).create(params);
}

/**
 * Restores a fitted detector from model-file bytes or from Detector.toJSON() output; validates everything,
 * never runs code from the input.
 */
export function loadDetector(input: Uint8Array | ModelJSON, source = 'model data'): Detector {
  const bytes = input instanceof Uint8Array ? input : jsonToBytes(input, source);
  const { manifest, tensors } = decodeModelFile(bytes, source);
  const entry = registeredDetectors().find((x) => x.name === manifest.detector);
  if (!entry) throw new Error(`${source}: model of detector "${manifest.detector}", which this build does not know (available: ${detectorNames().join(', ')})`);
  const params = (manifest.config as { params?: Record<string, unknown> }).params;
  if (!params || typeof params !== 'object') throw new Error(`${source}: config.params is missing`);
  let det: Detector;
  try { det = entry.create(params); } catch (e) { throw new Error(`${source}: ${(e as Error).message}`, { cause: e }); }
  try { return det.restoreFrom(manifest, tensors); } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`, { cause: e });
  }
}

/** Parameter documentation from a detector's schema (JSON Schema), for CLI help and docs. */
export function parameterDocs(name: string): { name: string; type: string; default?: unknown; description: string }[] {
  const js = z.toJSONSchema(detectorEntry(name).paramsSchema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { type?: string; default?: unknown; description?: string; enum?: unknown[]; anyOf?: unknown[] }> };
  return Object.entries(js.properties ?? {}).map(([k, v]) => ({
    name: k,
    type: v.type ?? (v.anyOf ? 'object' : v.enum ? 'enum' : 'any'),
    ...(v.default !== undefined ? { default: v.default } : {}),
    description: v.description ?? '',
  }));
}

function jsonToBytes(j: ModelJSON, source: string): Uint8Array {
  if (typeof j !== 'object' || j === null || typeof j.manifest !== 'object' || !Array.isArray(j.tensors)) {
    throw new Error(`${source}: expected model bytes or { manifest, tensors } JSON`);
  }
  const rest: Record<string, unknown> = { ...j.manifest };
  const formatVersion = rest.formatVersion;
  delete rest.format; delete rest.formatVersion; delete rest.tensors;
  if (formatVersion !== 1) throw new Error(`${source}: model JSON has format version ${String(formatVersion)}; this build reads 1`);
  const tensors = j.tensors.map((t, i) => {
    if (!t || !Array.isArray(t.data) || !Array.isArray(t.shape)) throw new Error(`${source}: tensor ${i} is malformed`);
    return { name: t.name, shape: t.shape, data: Float32Array.from(t.data) };
  });
  try { return encodeModelFile(rest as Parameters<typeof encodeModelFile>[0], tensors); } catch (e) { throw new Error(`${source}: ${(e as Error).message}`, { cause: e }); }
}
