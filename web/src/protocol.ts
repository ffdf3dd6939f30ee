/** Messages between the page and its worker: one job per worker; the page terminates the worker to cancel. */
import type { ReportInput } from '../../src/browser.js';

export interface DataFile { name: string; bytes: Uint8Array }

export type Job =
  | { type: 'train'; data: DataFile; detector: string; params: Record<string, unknown>; labelColumn: string | null }
  | { type: 'score'; data: DataFile; model: DataFile };

export type JobMessage =
  | { type: 'progress'; done: number; total: number; info: string }
  /** The model file (as trained, or as loaded), the report of the data scored by that file, and the scores CSV. */
  | { type: 'result'; model: DataFile; detector: string; report: ReportInput; csv: string; seconds: number }
  | { type: 'error'; message: string };
