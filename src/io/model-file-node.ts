/**
 * Reading and writing model files on disk (Node only). Writes go to a temporary file in the target folder
 * which is then renamed over the target: rename within one folder is atomic, so a crash leaves either the
 * old file or the new one, never half a model.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ModelFileError, decodeModelFile, encodeModelFile, type ModelManifest, type ModelManifestInput, type NamedTensor } from './model-file.js';

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

export async function readModelFile(path: string): Promise<{ manifest: ModelManifest; tensors: Map<string, NamedTensor> }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ModelFileError('io', path, `cannot read model: ${(err as Error).message}`, { cause: err });
  }
  return decodeModelFile(bytes, path);
}
