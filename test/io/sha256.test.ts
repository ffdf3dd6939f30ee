/** SHA-256 (the TypeScript one and the one sha256() picks) against the FIPS 180-4 example vectors and node:crypto. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { sha256 as sha256Picked, SHA256_IMPLEMENTATION, sha256Portable } from '../../src/io/sha256.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const reference = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.nextU32() & 0xff;
  return out;
}

it('sha256() uses Node\'s crypto where Node offers it synchronously', () => {
  const offered = typeof (process as { getBuiltinModule?: unknown }).getBuiltinModule === 'function';
  assert.equal(SHA256_IMPLEMENTATION, offered ? 'node:crypto' : 'typescript');
});

for (const [name, sha256] of [['sha256Portable', sha256Portable], ['sha256', sha256Picked]] as const) {
  describe(name, () => {
    it('matches the NIST example vectors', () => {
      assert.equal(hex(sha256(ascii(''))), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      assert.equal(hex(sha256(ascii('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      assert.equal(
        hex(sha256(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
        '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
      );
      assert.equal(hex(sha256(new Uint8Array(1_000_000).fill(0x61))), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
    });

    it('agrees with node:crypto for every length from 0 to 300 bytes (all padding cases)', () => {
      const rng = new Rng(42);
      for (let n = 0; n <= 300; n++) {
        const bytes = randomBytes(rng, n);
        assert.equal(hex(sha256(bytes)), reference(bytes), `length ${n}`);
      }
    });

    it('agrees with node:crypto on a few megabytes', () => {
      const rng = new Rng(7);
      for (const n of [3 * 1024 * 1024 + 17, 2 * 1024 * 1024]) {
        const bytes = randomBytes(rng, n);
        assert.equal(hex(sha256(bytes)), reference(bytes), `length ${n}`);
      }
    });

    it('hashes only the view it is given, not the whole underlying buffer', () => {
      const rng = new Rng(3);
      const buffer = randomBytes(rng, 500);
      const view = buffer.subarray(13, 13 + 200);
      assert.equal(hex(sha256(view)), reference(view));
      assert.notEqual(hex(sha256(view)), reference(buffer));
    });

    it('does not modify its input', () => {
      const bytes = ascii('abcdefgh'.repeat(20));
      const copy = bytes.slice();
      sha256(bytes);
      assert.deepEqual(bytes, copy);
    });
  });
}
