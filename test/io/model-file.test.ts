/**
 * The model file format: round trips, the documented byte layout (checked with node:crypto, independently of
 * our SHA-256), and every load error with its exact message. Files with a broken manifest or tensor table are
 * forged here from the documented layout with a valid checksum, so the check behind the checksum is reached.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ModelFileError, decodeModelFile, encodeModelFile, isModelFile, type ModelManifestInput, type NamedTensor,
} from '../../src/io/model-file.js';
import { forge, sha } from '../support/model-forge.js';

const CREATED = '2026-01-02T03:04:05.678Z';

function manifestInput(over: Partial<ModelManifestInput> = {}): ModelManifestInput {
  return {
    libraryVersion: '0.1.0',
    createdAt: CREATED,
    detector: 'dagmm',
    config: { compression: 'FC(6,3,tanh)-FC(3,1,none)', k: 2, lambda1: 0.1, nested: { list: [1, 'two', null, true] } },
    preprocessing: { kind: 'minmax', min: [0, -1.5], max: [1, 2.25] },
    threshold: null,
    training: { epochs: 3, rows: 100, seconds: 0.5 },
    schema: null,
    state: { gmm: { k: 2, phi: [0.25, 0.75], mu: [1e-300, -2.5e10] } },
    ...over,
  };
}

function sampleTensors(): NamedTensor[] {
  return [
    { name: 'enc.0.w', shape: [2, 3], data: Float32Array.from([1, -0, 0.1, -2.5, 3.4028234663852886e38, 1.401298464324817e-45]) },
    { name: 'enc.0.b', shape: [3], data: Float32Array.from([0, -0, -1e-30]) },
    { name: 'scale', shape: [], data: Float32Array.from([42]) },
  ];
}

const hex16 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').slice(0, 16);
const u32 = (bytes: Uint8Array, at: number): number => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);

const floats = (...values: number[]): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);

/** A valid manifest object (as JSON would hold it) that tests then break in one place. */
function manifestObject(tensors: unknown[] = []): Record<string, unknown> {
  return { format: 'aberrant-model', formatVersion: 1, ...manifestInput(), tensors };
}

function throwsModelError(fn: () => unknown, kind: string, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ModelFileError, `not a ModelFileError: ${String(err)}`);
    assert.equal(err.message, message);
    assert.equal(err.kind, kind);
    return true;
  });
}

const bitsOf = (data: Float32Array): Uint8Array => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

describe('model file round trip', () => {
  it('gives back the manifest and bit-identical tensors, -0 and the subnormal included', () => {
    const tensors = sampleTensors();
    const { manifest, tensors: back } = decodeModelFile(encodeModelFile(manifestInput(), tensors));
    assert.deepEqual(manifest, {
      format: 'aberrant-model', formatVersion: 1, ...manifestInput(),
      tensors: [
        { name: 'enc.0.w', shape: [2, 3], offset: 0, length: 6 },
        { name: 'enc.0.b', shape: [3], offset: 6, length: 3 },
        { name: 'scale', shape: [], offset: 9, length: 1 },
      ],
    });
    assert.deepEqual([...back.keys()], ['enc.0.w', 'enc.0.b', 'scale']);
    for (const t of tensors) {
      const got = back.get(t.name)!;
      assert.deepEqual(got.shape, t.shape);
      assert.deepEqual(bitsOf(got.data), bitsOf(t.data), t.name);
    }
    assert.ok(Object.is(back.get('enc.0.w')!.data[1], -0));
    assert.ok(Object.is(back.get('enc.0.b')!.data[1], -0));
    assert.equal(back.get('enc.0.w')!.data[5], 1.401298464324817e-45);
    assert.equal(manifest.state.gmm && (manifest.state.gmm as { mu: number[] }).mu[0], 1e-300);
  });

  it('encodes the same model to the same bytes', () => {
    const a = encodeModelFile(manifestInput(), sampleTensors());
    const b = encodeModelFile(manifestInput(), sampleTensors());
    assert.deepEqual(a, b);
    const c = encodeModelFile(manifestInput({ createdAt: '2026-01-02T03:04:05.679Z' }), sampleTensors());
    assert.notDeepEqual(a, c);
  });

  it('stores tensors that are views into a larger buffer, and decodes from an unaligned view', () => {
    const big = Float32Array.from([9, 1, 2, 3, 9]);
    const bytes = encodeModelFile(manifestInput(), [{ name: 'v', shape: [3], data: big.subarray(1, 4) }]);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const back = decodeModelFile(shifted.subarray(1)).tensors.get('v')!;
    assert.deepEqual([...back.data], [1, 2, 3]);
    assert.equal(back.data.buffer.byteLength, 12, 'each tensor owns its buffer');
  });

  it('handles zero tensors and empty tensors', () => {
    const none = decodeModelFile(encodeModelFile(manifestInput(), []));
    assert.equal(none.tensors.size, 0);
    assert.deepEqual(none.manifest.tensors, []);
    const empty = decodeModelFile(encodeModelFile(manifestInput(), [{ name: 'e', shape: [0, 4], data: new Float32Array(0) }]));
    assert.deepEqual(empty.manifest.tensors, [{ name: 'e', shape: [0, 4], offset: 0, length: 0 }]);
    assert.equal(empty.tensors.get('e')!.data.length, 0);
  });
});

describe('model file layout', () => {
  it('is magic, version, manifest length, manifest, zero padding, aligned float32 LE weights, SHA-256', () => {
    // Detector names of 1..4 characters cover every manifest length modulo 4.
    const paddings = new Set<number>();
    for (const detector of ['d', 'dd', 'ddd', 'dddd']) {
      const bytes = encodeModelFile(manifestInput({ detector }), [{ name: 'w', shape: [2], data: Float32Array.from([1, -2]) }]);
      assert.equal(new TextDecoder().decode(bytes.subarray(0, 8)), 'ABERRANT');
      assert.equal(u32(bytes, 8), 1);
      const manifestLength = u32(bytes, 12);
      const manifest = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + manifestLength)));
      assert.equal(manifest.detector, detector);
      assert.deepEqual(Object.keys(manifest), [
        'format', 'formatVersion', 'libraryVersion', 'createdAt', 'detector', 'config', 'preprocessing',
        'threshold', 'training', 'schema', 'state', 'tensors',
      ]);
      const blobStart = bytes.length - 32 - 8;
      assert.equal(blobStart % 4, 0);
      assert.ok(blobStart - (16 + manifestLength) < 4);
      paddings.add(blobStart - (16 + manifestLength));
      assert.deepEqual([...bytes.subarray(16 + manifestLength, blobStart)], new Array(blobStart - 16 - manifestLength).fill(0));
      // 1.0f = 0x3f800000 and -2.0f = 0xc0000000, little-endian.
      assert.deepEqual([...bytes.subarray(blobStart, blobStart + 8)], [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
      assert.deepEqual(bytes.subarray(bytes.length - 32), sha(bytes.subarray(0, bytes.length - 32)));
    }
    assert.deepEqual([...paddings].sort(), [0, 1, 2, 3]);
  });

  it('decodes a file forged from the documented layout', () => {
    const manifest = manifestObject([{ name: 'a', shape: [2], offset: 0, length: 2 }, { name: 'b', shape: [1, 1], offset: 2, length: 1 }]);
    const { tensors } = decodeModelFile(forge(JSON.stringify(manifest), floats(0.5, -0, 7)));
    assert.deepEqual([...tensors.get('a')!.data], [0.5, -0]);
    assert.deepEqual(tensors.get('b'), { name: 'b', shape: [1, 1], data: Float32Array.from([7]) });
  });

  it('isModelFile checks the magic only', () => {
    assert.equal(isModelFile(encodeModelFile(manifestInput(), [])), true);
    assert.equal(isModelFile(new TextEncoder().encode('ABERRANT')), true);
    assert.equal(isModelFile(new TextEncoder().encode('ABERRAN')), false);
    assert.equal(isModelFile(new TextEncoder().encode('aberrant and more')), false);
    assert.equal(isModelFile(new Uint8Array(0)), false);
  });
});

describe('encodeModelFile rejects what it cannot store faithfully', () => {
  const one = (data: Float32Array, name = 'enc.w'): NamedTensor[] => [{ name, shape: [data.length], data }];

  it('non-finite weights, naming the tensor and the index', () => {
    throwsModelError(() => encodeModelFile(manifestInput(), one(Float32Array.from([0, 1, 2, NaN]))), 'bad-input',
      'encodeModelFile: tensor "enc.w" holds a non-finite value (NaN) at index 3');
    throwsModelError(() => encodeModelFile(manifestInput(), [...sampleTensors(), ...one(Float32Array.from([-Infinity]), 'b')]), 'bad-input',
      'encodeModelFile: tensor "b" holds a non-finite value (-Infinity) at index 0');
    throwsModelError(() => encodeModelFile(manifestInput(), one(Float32Array.from([3e38 * 10]))), 'bad-input',
      'encodeModelFile: tensor "enc.w" holds a non-finite value (Infinity) at index 0');
  });

  it('bad tensor descriptions', () => {
    throwsModelError(() => encodeModelFile(manifestInput(), [{ name: 'w', shape: [2, 2], data: new Float32Array(3) }]), 'bad-input',
      'encodeModelFile: tensor "w" has shape [2, 2] (4 values) but 3 values');
    throwsModelError(() => encodeModelFile(manifestInput(), [...one(new Float32Array(1), 'w'), ...one(new Float32Array(2), 'w')]), 'bad-input',
      'encodeModelFile: duplicate tensor name "w"');
    throwsModelError(() => encodeModelFile(manifestInput(), one(new Float32Array(1), '')), 'bad-input', 'encodeModelFile: tensor 0 has no name');
    throwsModelError(() => encodeModelFile(manifestInput(), [{ name: 'w', shape: [1.5], data: new Float32Array(1) }]), 'bad-input',
      'encodeModelFile: tensor "w": shape must be an array of non-negative integers');
    throwsModelError(() => encodeModelFile(manifestInput(), [{ name: 'w', shape: [2], data: [1, 2] as unknown as Float32Array }]), 'bad-input',
      'encodeModelFile: tensor "w": data must be a Float32Array');
  });

  it('manifest values JSON would silently change, and forbidden keys', () => {
    throwsModelError(() => encodeModelFile(manifestInput({ state: { gmm: { phi: [0.5, NaN] } } }), []), 'bad-input',
      'encodeModelFile: manifest state.gmm.phi[1] is NaN, which JSON cannot hold');
    throwsModelError(() => encodeModelFile(manifestInput({ state: { mu: new Float64Array(2) as unknown as number[] } }), []), 'bad-input',
      'encodeModelFile: manifest state.mu is a Float64Array, not a plain JSON object or array');
    throwsModelError(() => encodeModelFile(manifestInput({ config: { skip: undefined } as Record<string, unknown> }), []), 'bad-input',
      'encodeModelFile: manifest config.skip is a undefined, which JSON cannot hold');
    throwsModelError(() => encodeModelFile(manifestInput({ config: JSON.parse('{"a":{"__proto__":{"x":1}}}') }), []), 'bad-input',
      'encodeModelFile: manifest config.a.__proto__: the key "__proto__" is not allowed');
  });

  it('manifests that fail the schema, naming the field', () => {
    throwsModelError(() => encodeModelFile(manifestInput({ createdAt: 'yesterday' }), []), 'bad-input',
      'encodeModelFile: manifest fails the schema: field "createdAt": Invalid ISO datetime');
    throwsModelError(() => encodeModelFile(manifestInput({ training: [1] as unknown as Record<string, number> }), []), 'bad-input',
      'encodeModelFile: manifest fails the schema: field "training": Invalid input: expected record, received array');
    throwsModelError(() => encodeModelFile({ ...manifestInput(), extra: 1 } as ModelManifestInput, []), 'bad-input',
      'encodeModelFile: unknown manifest field "extra"');
  });
});

describe('decodeModelFile errors', () => {
  const good = encodeModelFile(manifestInput(), sampleTensors());
  const manifestLength = u32(good, 12);
  const blobStart = (16 + manifestLength + 3) & ~3;

  it('not a model: says what the bytes look like', () => {
    const text = (s: string): Uint8Array => new TextEncoder().encode(s);
    const cases: [Uint8Array, string][] = [
      [text('dur,proto,service,flag\n0,tcp,http,SF\n'), 'it starts with "dur,prot", which looks like a CSV file'],
      [text('{"kind":"dagmm","version":1}'), 'it starts with "{\\"kind\\":", which looks like JSON'],
      [text('hello world'), 'it starts with "hello wo", which looks like a text file'],
      [text('PAR1\x15\x04\x15\x10'), 'it starts with bytes 50 41 52 31 15 04 15 10, which looks like a Parquet file'],
      [Uint8Array.from([0x1f, 0x8b, 8, 0]), 'it starts with bytes 1f 8b 08 00, which looks like gzip-compressed data'],
      [Uint8Array.from([0, 1, 2, 0xff, 4, 5, 6, 7, 8, 9]), 'it starts with bytes 00 01 02 ff 04 05 06 07'],
      [new Uint8Array(0), 'it is empty'],
      [text('aberrant'), 'it starts with "aberrant", which looks like a text file'],
    ];
    for (const [bytes, looks] of cases) {
      throwsModelError(() => decodeModelFile(bytes, 'data/kdd.csv'), 'not-a-model', `data/kdd.csv: not an Aberrant model file (${looks})`);
    }
  });

  it('truncated files, cut at several points, say how many bytes were expected', () => {
    const full = good.length;
    const cases: [number, number | string][] = [
      [4, 'at least 48'], // inside the magic
      [12, 'at least 48'], // inside the header
      [16, `at least ${blobStart + 32}`], // no manifest at all
      [16 + 10, `at least ${blobStart + 32}`], // inside the manifest
      [blobStart + 32, full], // as long as a weightless file: the last 32 bytes are weights, not a checksum
      [blobStart + 5, full], // inside the weights
      [full - 32, full], // checksum missing
      [full - 1, full], // one byte short
    ];
    for (const [cut, expected] of cases) {
      throwsModelError(() => decodeModelFile(good.subarray(0, cut), 'm.aberrant'), 'truncated',
        `m.aberrant: truncated file (expected ${expected} bytes, got ${cut})`);
    }
  });

  it('a changed byte in the manifest, the weights or the checksum is a checksum mismatch', () => {
    for (const at of [16 + 5, 16 + manifestLength - 2, blobStart, blobStart + 13, good.length - 32, good.length - 1]) {
      const bad = good.slice();
      bad[at] ^= 0x01;
      const stored = bad.subarray(bad.length - 32);
      const computed = sha(bad.subarray(0, bad.length - 32));
      throwsModelError(() => decodeModelFile(bad, 'm.aberrant'), 'checksum',
        `m.aberrant: checksum mismatch: the file is corrupted or was modified (stored SHA-256 ${hex16(stored)}…, computed ${hex16(computed)}…)`);
    }
  });

  it('bytes appended to the file are a checksum mismatch', () => {
    const longer = new Uint8Array(good.length + 4);
    longer.set(good);
    assert.throws(() => decodeModelFile(longer), (err: ModelFileError) => err.kind === 'checksum');
  });

  it('a future format asks for an upgrade; format 0 is unknown', () => {
    const future = good.slice();
    future[8] = 2;
    throwsModelError(() => decodeModelFile(future, 'new.aberrant'), 'unsupported-version',
      'new.aberrant: written with model format 2; this build reads format 1: upgrade aberrant');
    throwsModelError(() => decodeModelFile(forge('{}', undefined, 0), 'old.aberrant'), 'unsupported-version',
      'old.aberrant: unknown model format version 0');
  });

  it('a manifest that is not JSON, or not UTF-8', () => {
    let parseMessage = '';
    try { JSON.parse('{"format": '); } catch (err) { parseMessage = (err as Error).message; }
    throwsModelError(() => decodeModelFile(forge('{"format": '), 'm'), 'bad-manifest-json',
      `m: the manifest is not valid UTF-8 JSON (${parseMessage})`);
    throwsModelError(() => decodeModelFile(forge(Uint8Array.from([0x7b, 0xff, 0x7d])), 'm'), 'bad-manifest-json',
      'm: the manifest is not valid UTF-8 JSON (The encoded data was not valid for encoding utf-8)');
  });

  it('prototype-polluting keys anywhere in the manifest', () => {
    const cases: [string, string][] = [
      ['{"__proto__": {"polluted": true}}', '__proto__: the key "__proto__" is not allowed'],
      [JSON.stringify({ ...manifestObject(), config: { a: [1, { constructor: 1 }] } }), 'config.a[1].constructor: the key "constructor" is not allowed'],
      [JSON.stringify({ ...manifestObject(), state: { prototype: {} } }), 'state.prototype: the key "prototype" is not allowed'],
    ];
    for (const [text, detail] of cases) {
      throwsModelError(() => decodeModelFile(forge(text), 'm'), 'bad-manifest', `m: manifest rejected: ${detail}`);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('a manifest that fails the schema names the field', () => {
    const noDetector = manifestObject();
    delete noDetector.detector;
    const cases: [unknown, string][] = [
      [noDetector, 'field "detector": Invalid input: expected string, received undefined'],
      [{ ...manifestObject(), format: 'onnx' }, 'field "format": Invalid input: expected "aberrant-model"'],
      [{ ...manifestObject(), formatVersion: 2 }, 'field "formatVersion": Invalid input: expected 1'],
      [{ ...manifestObject(), schema: 'columns' }, 'field "schema": Invalid input: expected record, received string'],
      [{ ...manifestObject(), extra: 1 }, 'the manifest: Unrecognized key: "extra"'],
      [manifestObject([{ name: 'w', shape: [1, -2], offset: 0, length: 0 }]), 'field "tensors[0].shape[1]": Too small: expected number to be >=0'],
      [{ ...manifestObject(), libraryVersion: 1, createdAt: 'now' }, 'field "libraryVersion": Invalid input: expected string, received number (and 1 more problem)'],
      [[1, 2], 'the manifest: Invalid input: expected object, received array'],
    ];
    for (const [manifest, detail] of cases) {
      throwsModelError(() => decodeModelFile(forge(JSON.stringify(manifest)), 'm'), 'bad-manifest', `m: manifest fails the schema: ${detail}`);
    }
  });

  it('non-zero padding after the manifest', () => {
    const text = JSON.stringify(manifestObject()) + ' ';
    const bytes = forge(text);
    // Rebuild with a non-zero padding byte (the manifest length leaves at least one byte of padding).
    assert.notEqual((16 + text.length) % 4, 0);
    const body = bytes.slice(0, bytes.length - 32);
    body[16 + text.length] = 0x20;
    const out = new Uint8Array(bytes.length);
    out.set(body);
    out.set(sha(body), body.length);
    throwsModelError(() => decodeModelFile(out, 'm'), 'bad-manifest', `m: non-zero padding byte after the manifest at offset ${16 + text.length}`);
  });

  it('an inconsistent tensor table', () => {
    const entry = (name: string, shape: number[], offset: number, length: number) => ({ name, shape, offset, length });
    const cases: [unknown[], Uint8Array, string][] = [
      [[entry('a', [2], 0, 2), entry('b', [2], 1, 2)], floats(1, 2, 3), 'tensor "b" starts at value 1, overlapping "a" which ends at value 2'],
      [[entry('a', [2], 0, 2), entry('b', [1], 3, 1)], floats(1, 2, 3, 4), 'gap of 1 values before tensor "b" (it starts at value 3, the previous tensor ends at 2)'],
      [[entry('a', [1], 1, 1)], floats(1, 2), 'gap of 1 values before tensor "a" (it starts at value 1, the previous tensor ends at 0)'],
      [[entry('a', [2], 0, 2), entry('b', [3], 2, 3)], floats(1, 2, 3), 'tensor "b" (values 2 to 5) runs past the end of the weights blob (3 values)'],
      [[entry('a', [2, 3], 0, 5)], floats(1, 2, 3, 4, 5), 'tensor "a" has shape [2, 3] (6 values) but length 5'],
      [[entry('a', [1], 0, 1), entry('a', [1], 1, 1)], floats(1, 2), 'duplicate tensor name "a"'],
      [[entry('a', [1], 0, 1)], floats(1, 2), 'the weights blob holds 2 values but the tensors cover only 1'],
      [[], floats(1), 'the weights blob holds 1 values but the tensors cover only 0'],
    ];
    for (const [table, blob, detail] of cases) {
      throwsModelError(() => decodeModelFile(forge(JSON.stringify(manifestObject(table)), blob), 'm'), 'bad-tensor-table', `m: tensor table: ${detail}`);
    }
    // A blob that is not a whole number of float32 values (the forged manifest is padded to 4 bytes first).
    throwsModelError(() => decodeModelFile(forge(JSON.stringify(manifestObject()), Uint8Array.from([1, 2, 3, 4, 5, 6])), 'm'), 'bad-tensor-table',
      'm: the weights blob is 6 bytes, not a whole number of float32 values');
  });

  it('non-finite weights, naming the tensor and index', () => {
    const table = [{ name: 'a', shape: [1], offset: 0, length: 1 }, { name: 'b', shape: [3], offset: 1, length: 3 }];
    throwsModelError(() => decodeModelFile(forge(JSON.stringify(manifestObject(table)), floats(1, 2, 3, NaN)), 'm'), 'non-finite-weights',
      'm: tensor "b" holds a non-finite value (NaN) at index 2');
    throwsModelError(() => decodeModelFile(forge(JSON.stringify(manifestObject(table)), floats(-Infinity, 2, 3, 4)), 'm'), 'non-finite-weights',
      'm: tensor "a" holds a non-finite value (-Infinity) at index 0');
  });

  it('names a default source when none is given', () => {
    throwsModelError(() => decodeModelFile(new TextEncoder().encode('a,b\n1,2\n')), 'not-a-model',
      'model data: not an Aberrant model file (it starts with "a,b\\n1,2\\n", which looks like a CSV file)');
  });
});
