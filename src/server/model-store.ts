/**
 * The models a server serves: every `*.abr` file in one directory, under its file name without the
 * extension. The directory is watched; a file added or replaced is loaded and validated completely before
 * it replaces the served model in one assignment (requests in flight keep the detector they started with),
 * a file that fails to load is logged and counted and the previous version keeps serving, a removed file
 * stops being served. Files whose names start with "." are ignored: writeModelBytes writes such a temporary
 * file and renames it over the target, so a half-written model is never read.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { detectorEntry, loadDetector, modelInputs, readModelBytes, type Detector, type InputKind } from '../index.js';

export const MODEL_EXTENSION = '.abr';

export interface ModelEntry {
  name: string;
  /** First 12 hex digits of the file's SHA-256: the OIP model version. */
  version: string;
  det: Detector;
  /** The exact bytes the detector was loaded from (worker threads load these). */
  bytes: Uint8Array;
  inputs: { name: string; kind: InputKind }[];
  file: string;
  loadedAt: Date;
}

export interface ModelStoreEvents {
  onLoaded?: (e: ModelEntry, replaced: ModelEntry | undefined) => void;
  onLoadError?: (name: string, file: string, error: Error) => void;
  onRemoved?: (e: ModelEntry) => void;
}

const modelName = (file: string): string | null =>
  file.startsWith('.') || !file.endsWith(MODEL_EXTENSION) || file.length === MODEL_EXTENSION.length ? null : file.slice(0, -MODEL_EXTENSION.length);

export class ModelStore {
  private readonly entries = new Map<string, ModelEntry>();
  /** What each file looked like at the last load attempt, so a refused file is not retried until it changes. */
  private readonly seen = new Map<string, string>();
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private again = false;
  private scanned = false;

  constructor(readonly dir: string, private readonly log: FastifyBaseLogger, private readonly events: ModelStoreEvents = {}, private readonly debounceMs = 50) {}

  /** Loads every model in the directory, then watches it. Throws when the directory cannot be read. */
  async start(): Promise<void> {
    const st = await stat(this.dir).catch((e: NodeJS.ErrnoException) => { throw new Error(`--models ${this.dir}: ${e.code === 'ENOENT' ? 'no such directory' : e.message}`); });
    if (!st.isDirectory()) throw new Error(`--models ${this.dir}: not a directory`);
    await this.rescan();
    this.watcher = watch(this.dir, { persistent: false }, () => this.schedule());
    this.watcher.on('error', (e) => this.log.error({ err: e, dir: this.dir }, 'model directory watch failed'));
  }

  /** True once the first scan has finished. */
  get started(): boolean { return this.scanned; }

  get(name: string): ModelEntry | undefined { return this.entries.get(name); }

  list(): ModelEntry[] { return [...this.entries.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = null; void this.rescan(); }, this.debounceMs);
  }

  /** Brings the served set in line with the directory (the watcher calls this; tests may too). */
  rescan(): Promise<void> {
    if (this.scanning) { this.again = true; return this.scanning; }
    this.scanning = (async () => {
      do {
        this.again = false;
        try { await this.scanOnce(); } catch (e) { this.log.error({ err: e, dir: this.dir }, 'model directory scan failed'); }
      } while (this.again);
      this.scanned = true;
      this.scanning = null;
    })();
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    const files = (await readdir(this.dir)).filter((f) => modelName(f) !== null);
    const present = new Set<string>();
    for (const f of files) {
      const name = modelName(f)!, file = join(this.dir, f);
      let sig: string;
      try {
        const s = await stat(file);
        if (!s.isFile()) continue;
        sig = `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch { continue; } // removed between readdir and stat
      present.add(name);
      if (this.seen.get(name) === sig) continue;
      this.seen.set(name, sig);
      this.load(name, file);
    }
    for (const [name, e] of this.entries) {
      if (present.has(name)) continue;
      this.entries.delete(name);
      this.seen.delete(name);
      this.log.info({ model: name, version: e.version }, 'model file removed; no longer served');
      this.events.onRemoved?.(e);
    }
    for (const name of this.seen.keys()) if (!present.has(name)) this.seen.delete(name);
  }

  private load(name: string, file: string): void {
    let entry: ModelEntry;
    try {
      const bytes = readModelBytes(file);
      const det = loadDetector(bytes, basename(file));
      entry = {
        name, version: createHash('sha256').update(bytes).digest('hex').slice(0, 12), det, bytes,
        inputs: modelInputs(det), file, loadedAt: new Date(),
      };
    } catch (e) {
      const err = e as Error, old = this.entries.get(name);
      this.log.error({ model: name, file, err: err.message, serving: old?.version ?? null }, old ? 'model file refused; the previous version keeps serving' : 'model file refused');
      this.events.onLoadError?.(name, file, err);
      return;
    }
    const old = this.entries.get(name);
    this.entries.set(name, entry); // the swap: one assignment, after the new model is fully loaded
    this.log.info({ model: name, version: entry.version, detector: entry.det.name, replaced: old?.version ?? null }, old ? 'model reloaded' : 'model loaded');
    const slow = detectorEntry(entry.det.name).slowScoring;
    if (slow) this.log.warn({ model: name, detector: entry.det.name, slowScoring: slow }, 'model is slow to score');
    this.events.onLoaded?.(entry, old);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = null;
  }
}
