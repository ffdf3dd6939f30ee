/**
 * Hostile model files: a file may be written by anyone. Whatever it declares, loading must not allocate
 * beyond what the file holds, must not run long on deep nesting, must not read without bound from the path,
 * and must refuse a model that could not score (with the field named) instead of printing NaN later.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DagmmDetector } from '../../src/detectors/dagmm/detector.js';
import { loadDetector } from '../../src/detectors/registry.js';
import type { ModelJSON } from '../../src/detectors/detector.js';
import { Rng } from '../../src/engine/rng.js';
import { ModelFileError, decodeModelFile, encodeModelFile } from '../../src/io/model-file.js';
import { findNonJsonValue, jsonNestingExceeds, MAX_MANIFEST_DEPTH } from '../../src/io/model-manifest.js';
import { readModelBytes } from '../../src/io/model-file-node.js';
import { forge } from '../support/model-forge.js';

function rows(n: number, seed: number): number[][] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => { const t = r.uniform(); return [t, 2 * t + 0.05 * r.normal(), Math.sin(3 * t), 0.1 * r.normal()]; });
}

const fitted = new DagmmDetector({ seed: 2, epochs: 2, batchSize: 32 }).fit(rows(120, 1));
const json = (): ModelJSON => JSON.parse(JSON.stringify(fitted.toJSON())) as ModelJSON;
const gmmOf = (j: ModelJSON): { k: number; d: number; phi: number[]; mu: number[]; cov: number[] } =>
  (j.manifest.state as { gmm: { k: number; d: number; phi: number[]; mu: number[]; cov: number[] } }).gmm;

describe('hostile model files', () => {
  it('checks declared network shapes against the weights before building anything', () => {
    const j = json();
    const resolved = (j.manifest.config as { resolved: { compression: string } }).resolved;
    // A few bytes of configuration declaring 900M weights per layer: refused by the shape check, which runs
    // before any network is allocated (allocating would take gigabytes).
    resolved.compression = 'FC(30000,30000,tanh)-FC(30000,30000,none)';
    assert.throws(() => loadDetector(j, 'big.abr'), /big\.abr: dagmm model: .*(weight tensors|tensor "compression\.0" has shape \[4, \d+\], the network in config.resolved needs \[30000, 30000\])/);
  });

  it('refuses mixture weights that are not a distribution and covariances that are not positive definite', () => {
    const a = json(); gmmOf(a).phi[0] += 0.5;
    assert.throws(() => loadDetector(a, 'a.abr'), /a\.abr: dagmm model: state\.gmm: phi sums to [\d.]+, not 1/);
    const b = json(); const g = gmmOf(b); g.phi[0] = -g.phi[0]; g.phi[1] = 1 - g.phi[0];
    assert.throws(() => loadDetector(b, 'b.abr'), /state\.gmm: phi\[0\] is negative/);
    const c = json(); const h = gmmOf(c); h.cov[0] = -1;
    assert.throws(() => loadDetector(c, 'c.abr'), /state\.gmm: cov\[0\] is not positive definite/);
    const d = json(); const e = gmmOf(d); e.cov[1] += 1;
    assert.throws(() => loadDetector(d, 'd.abr'), /state\.gmm: cov\[0\] is not symmetric at \[1, 0\]/);
    const f = json(); gmmOf(f).cov.pop();
    assert.throws(() => loadDetector(f, 'f.abr'), /state\.gmm: cov must hold \d+ numbers/);
    const k = json(); gmmOf(k).k = 100000; gmmOf(k).d = 100000;
    assert.throws(() => loadDetector(k, 'k.abr'), /state\.gmm: phi must hold 100000 numbers/);
  });

  it('refuses deep nesting before parsing, and checks keys in linear time', () => {
    const depth = 200_000;
    const deep = `{"format":"aberrant-model","x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    assert.throws(() => decodeModelFile(forge(deep), 'deep.abr'), (e: unknown) => {
      assert.ok(e instanceof ModelFileError);
      assert.equal(e.message, `deep.abr: manifest rejected: it nests deeper than ${MAX_MANIFEST_DEPTH} levels`);
      return true;
    });
    // Brackets inside strings are text, not nesting.
    assert.equal(jsonNestingExceeds(new TextEncoder().encode(`{"a":"${'['.repeat(1000)}\\"]"}`), 3), false);
    assert.equal(jsonNestingExceeds(new TextEncoder().encode('[[[[]]]]'), 3), true);
    // The object walk names the path only for the error, and stops at the depth bound.
    let v: unknown = 1;
    for (let i = 0; i < 100; i++) v = { a: v };
    assert.match(findNonJsonValue(v)!, /nests deeper than 64 levels/);
    assert.equal(findNonJsonValue({ a: [1, { b: 'x' }] }), null);
    assert.equal(findNonJsonValue({ a: [1, { b: NaN }] }), 'a[1].b is NaN, which JSON cannot hold');
  });

  it('reads at most the declared size from a path, checking the magic first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aberrant-hostile-'));
    assert.throws(() => readModelBytes('/dev/zero'), /\/dev\/zero: not an Aberrant model file \(it starts with bytes 00 00/);
    const bytes = fitted.toBytes();
    const good = join(dir, 'good.abr');
    writeFileSync(good, bytes);
    assert.deepEqual(readModelBytes(good), bytes);
    const trailing = join(dir, 'trailing.abr');
    writeFileSync(trailing, Buffer.concat([bytes, Buffer.alloc(100)]));
    assert.throws(() => readModelBytes(trailing), /100 unexpected bytes after the end of the model/);
    const cut = join(dir, 'cut.abr');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 50));
    assert.throws(() => readModelBytes(cut), /truncated file \(expected \d+ bytes, got \d+\)/);
    const csv = join(dir, 'data.abr');
    writeFileSync(csv, 'a,b\n1,2\n');
    assert.throws(() => readModelBytes(csv), /looks like a CSV file/);
    assert.throws(() => readModelBytes(good, 100), /declares \d+ bytes, more than the 100-byte limit/);
    assert.throws(() => readModelBytes(dir), /is a directory/);
    // A model whose manifest claims a huge manifest length: refused by the limit, nothing allocated.
    const huge = bytes.slice(0, 16);
    new DataView(huge.buffer).setUint32(12, 0xfffffff0, true);
    const hugePath = join(dir, 'huge.abr');
    writeFileSync(hugePath, huge);
    assert.throws(() => readModelBytes(hugePath), /more than the \d+-byte limit/);
  });

  it('still round-trips a clean model byte for byte', () => {
    const bytes = fitted.toBytes('2026-01-01T00:00:00.000Z');
    const { manifest, tensors } = decodeModelFile(bytes);
    const rest: Record<string, unknown> = { ...manifest };
    for (const k of ['format', 'formatVersion', 'tensors']) delete rest[k];
    assert.deepEqual(encodeModelFile(rest as Parameters<typeof encodeModelFile>[0], [...tensors.values()]), bytes);
  });
});
