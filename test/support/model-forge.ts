/** Model files forged from the documented layout with a valid checksum, for tests of what lies behind it. */
import { createHash } from 'node:crypto';

export const sha = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(bytes).digest());

/** Builds a file from the documented layout, with a correct checksum, from a manifest text and blob bytes. */
export function forge(manifestText: string | Uint8Array, blob: Uint8Array = new Uint8Array(0), version = 1): Uint8Array {
  const manifest = typeof manifestText === 'string' ? new TextEncoder().encode(manifestText) : manifestText;
  const blobStart = (16 + manifest.length + 3) & ~3;
  const body = new Uint8Array(blobStart + blob.length);
  body.set(new TextEncoder().encode('ABERRANT'));
  new DataView(body.buffer).setUint32(8, version, true);
  new DataView(body.buffer).setUint32(12, manifest.length, true);
  body.set(manifest, 16);
  body.set(blob, blobStart);
  const out = new Uint8Array(body.length + 32);
  out.set(body);
  out.set(sha(body), body.length);
  return out;
}
