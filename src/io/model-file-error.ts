/**
 * Errors raised while reading or writing a model file. Every message starts with the source (a path, or
 * what the caller named the bytes) so that a user with several files knows which one is bad.
 */

export type ModelFileErrorKind =
  | 'not-a-model'
  | 'truncated'
  | 'checksum'
  | 'unsupported-version'
  | 'bad-manifest-json'
  | 'bad-manifest'
  | 'bad-tensor-table'
  | 'non-finite-weights'
  | 'bad-input'
  | 'io';

export class ModelFileError extends Error {
  override readonly name = 'ModelFileError';

  constructor(readonly kind: ModelFileErrorKind, readonly source: string, detail: string, options?: { cause?: unknown }) {
    super(`${source}: ${detail}`, options);
  }
}

const SHOWN_BYTES = 8;

function isTextByte(b: number): boolean {
  return (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d || b >= 0x80;
}

/** Says what a file that lacks the magic looks like, e.g. `it starts with "dur,prot", which looks like a CSV file`. */
export function describeForeignStart(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'it is empty';
  const head = bytes.subarray(0, SHOWN_BYTES);
  const ascii = String.fromCharCode(...head);
  const guess =
    ascii.startsWith('PAR1') ? 'a Parquet file'
      : ascii.startsWith('ARROW1') ? 'an Arrow IPC file'
        : ascii.startsWith('PK\x03\x04') ? 'a zip archive'
          : head[0] === 0x1f && head[1] === 0x8b ? 'gzip-compressed data'
            : null;
  if (guess === null && head.every(isTextByte)) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
    const trimmed = text.trimStart();
    const kind =
      trimmed.startsWith('{') || trimmed.startsWith('[') ? 'JSON'
        : /[,;\t]/.test(text) ? 'a CSV file'
          : 'a text file';
    return `it starts with ${JSON.stringify(text)}, which looks like ${kind}`;
  }
  const hex = Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `it starts with bytes ${hex}${guess ? `, which looks like ${guess}` : ''}`;
}
