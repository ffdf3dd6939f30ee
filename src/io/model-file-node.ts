/**
 * Reading and writing model files on disk (Node only). Writes go to a temporary file in the target folder
 * which is then renamed over the target: rename within one folder is atomic, so a crash leaves either the
 * old file or the new one, never half a model.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MAX_MODEL_FILE_BYTES, ModelFileError, declaredModelSize, decodeModelFile, encodeModelFile, type ModelManifest, type ModelManifestInput, type NamedTensor } from './model-file.js';

export { MAX_MODEL_FILE_BYTES } from './model-file.js';

export async function writeModelFile(path: string, manifest: ModelManifestInput, tensors: NamedTensor[]): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = encodeModelFile(manifest, tensors);
  } catch (err) {
    // Name the target; the encoder's message says what is wrong with the model.
    const detail = err instanceof ModelFileError ? err.message.replace(/^encodeModelFile: /, '') : String(err);
    throw new ModelFileError(err instanceof ModelFileError ? err.kind : 'bad-input', path, `cannot write model: ${detail}`, { cause: err });
  }
  await writeModelBytes(path, bytes);
}

/** Writes already-encoded model bytes (e.g. Detector.toBytes()) with the same atomic temp-file-and-rename. */
export async function writeModelBytes(path: string, bytes: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync(); // the data must be on disk before the rename makes it visible
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw new ModelFileError('io', path, `cannot write model: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Reads a model file's bytes without trusting it: the magic first (so /dev/zero or a CSV file is refused
 * after 16 bytes), then the manifest, then exactly the size the manifest declares, never more than
 * `maxBytes`; a regular file of another size is refused without reading the rest.
 */
export function readModelBytes(path: string, maxBytes = MAX_MODEL_FILE_BYTES): Uint8Array {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelFileError('io', path, code === 'ENOENT' ? 'no such model file' : code === 'EISDIR' ? 'is a directory, not a model file' : `cannot read model: ${(err as Error).message}`, { cause: err });
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new ModelFileError('io', path, 'is a directory, not a model file');
    let buf = new Uint8Array(16), have = 0;
    const fill = (want: number): void => {
      if (want > maxBytes) throw new ModelFileError('bad-input', path, `declares ${want} bytes, more than the ${maxBytes}-byte limit for model files`);
      if (buf.length < want) { const b = new Uint8Array(want); b.set(buf.subarray(0, have)); buf = b; }
      while (have < want) {
        let n: number;
        try { n = readSync(fd, buf, have, want - have, null); } catch (err) {
          throw new ModelFileError('io', path, `cannot read model: ${(err as Error).message}`, { cause: err });
        }
        if (n === 0) break;
        have += n;
      }
    };
    fill(16);
    for (;;) {
      const d = declaredModelSize(buf.subarray(0, have), path);
      if ('need' in d) {
        if (have >= d.need) break; // cannot happen; guards the loop
        fill(d.need);
        if (have < d.need) break; // end of file: the decoder says "truncated"
        continue;
      }
      if ('size' in d) {
        if (st.isFile() && st.size > d.size) {
          throw new ModelFileError('checksum', path, `${st.size - d.size} unexpected bytes after the end of the model (the manifest declares ${d.size} bytes, the file has ${st.size})`);
        }
        if (st.isFile() && st.size < d.size) throw new ModelFileError('truncated', path, `truncated file (expected ${d.size} bytes, got ${st.size})`);
        fill(d.size);
      } else if (st.isFile()) fill(st.size);
      break;
    }
    return buf.subarray(0, have);
  } finally {
    closeSync(fd);
  }
}

export async function readModelFile(path: string): Promise<{ manifest: ModelManifest; tensors: Map<string, NamedTensor> }> {
  return decodeModelFile(readModelBytes(path), path);
}
