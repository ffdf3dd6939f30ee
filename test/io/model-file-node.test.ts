/** Writing and reading model files on disk: atomic replacement, no stray temporary files, errors name the path. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelFileError, encodeModelFile, type ModelManifestInput, type NamedTensor } from '../../src/io/model-file.js';
import { readModelFile, writeModelFile } from '../../src/io/model-file-node.js';

const manifest: ModelManifestInput = {
  libraryVersion: '0.1.0', createdAt: '2026-01-02T03:04:05.000Z', detector: 'dagmm',
  config: { k: 2 }, preprocessing: null, threshold: { value: 1.5 }, training: { epochs: 1 }, schema: null, state: {},
};
const tensors: NamedTensor[] = [{ name: 'w', shape: [2, 2], data: Float32Array.from([1, -0, 0.5, -3]) }];

async function rejectsWith(promise: Promise<unknown>, kind: string, message: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ModelFileError, `not a ModelFileError: ${String(err)}`);
    assert.equal(err.message, message);
    assert.equal(err.kind, kind);
    return true;
  });
}

describe('model files on disk', () => {
  let dir = '';
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'aberrant-model-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('writes exactly the encoded bytes and reads them back', async () => {
    const path = join(dir, 'model.aberrant');
    await writeModelFile(path, manifest, tensors);
    assert.deepEqual(new Uint8Array(await readFile(path)), encodeModelFile(manifest, tensors));
    const { manifest: m, tensors: t } = await readModelFile(path);
    assert.equal(m.detector, 'dagmm');
    assert.deepEqual(m.threshold, { value: 1.5 });
    assert.ok(Object.is(t.get('w')!.data[1], -0));
    assert.deepEqual([...t.get('w')!.data], [1, -0, 0.5, -3]);
    assert.deepEqual(await readdir(dir), ['model.aberrant']);
  });

  it('replaces an existing file and leaves no temporary file', async () => {
    const path = join(dir, 'replace.aberrant');
    await writeFile(path, 'old contents');
    await writeModelFile(path, { ...manifest, detector: 'second' }, tensors);
    assert.equal((await readModelFile(path)).manifest.detector, 'second');
    assert.deepEqual((await readdir(dir)).filter((f) => f.includes('replace')), ['replace.aberrant']);
  });

  it('a write into a missing folder fails, naming the path, and leaves nothing behind', async () => {
    const path = join(dir, 'missing', 'model.aberrant');
    const before = await readdir(dir);
    await assert.rejects(writeModelFile(path, manifest, tensors), (err: unknown) => {
      assert.ok(err instanceof ModelFileError);
      assert.equal(err.kind, 'io');
      assert.ok(err.message.startsWith(`${path}: cannot write model: ENOENT: no such file or directory, open '${join(dir, 'missing')}/.model.aberrant.`), err.message);
      return true;
    });
    assert.deepEqual(await readdir(dir), before);
  });

  it('a write whose rename fails (the target is a folder) removes its temporary file', async () => {
    const sub = join(dir, 'busy');
    const path = join(sub, 'model.aberrant');
    await mkdir(path, { recursive: true });
    await assert.rejects(writeModelFile(path, manifest, tensors), (err: unknown) => {
      assert.ok(err instanceof ModelFileError);
      assert.equal(err.kind, 'io');
      assert.match(err.message, new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: cannot write model: E(ISDIR|EXIST|NOTEMPTY|PERM)`));
      return true;
    });
    assert.deepEqual(await readdir(sub), ['model.aberrant']);
  });

  it('a model that cannot be encoded is reported against the path and nothing is written', async () => {
    const path = join(dir, 'nan.aberrant');
    const bad: NamedTensor[] = [{ name: 'w', shape: [2], data: Float32Array.from([0, NaN]) }];
    await rejectsWith(writeModelFile(path, manifest, bad), 'bad-input',
      `${path}: cannot write model: tensor "w" holds a non-finite value (NaN) at index 1`);
    assert.ok(!(await readdir(dir)).some((f) => f.includes('nan.aberrant')));
  });

  it('read errors name the path', async () => {
    const missing = join(dir, 'nope.aberrant');
    await rejectsWith(readModelFile(missing), 'io', `${missing}: no such model file`);
    const csv = join(dir, 'data.csv');
    await writeFile(csv, 'dur,proto,service\n0,tcp,http\n');
    await rejectsWith(readModelFile(csv), 'not-a-model', `${csv}: not an Aberrant model file (it starts with "dur,prot", which looks like a CSV file)`);
    const cut = join(dir, 'cut.aberrant');
    const bytes = encodeModelFile(manifest, tensors);
    await writeFile(cut, bytes.subarray(0, bytes.length - 3));
    await rejectsWith(readModelFile(cut), 'truncated', `${cut}: truncated file (expected ${bytes.length} bytes, got ${bytes.length - 3})`);
  });
});
