/**
 * Networks from the input width, shared by the autoencoder family (ae, advae): a code of
 * clamp(floor(sqrt(d)), 1, 32) and one hidden layer of max(code + 1, ceil(d / 2)), so small tables get small
 * networks and wide ones a code that still compresses; and the default schedule (~2,000 optimiser steps).
 */
import type { ActName } from '../../engine/backend/kernels.js';

/** Default code width for d features. */
export function defaultCodeWidth(d: number): number { return Math.min(32, Math.max(1, Math.floor(Math.sqrt(d)))); }

/** Default encoder hidden widths for d features and a code of `code` (the decoder mirrors them). */
export function defaultHidden(d: number, code: number): number[] { return [Math.max(code + 1, Math.ceil(d / 2))]; }

/** A dense chain through the given widths in the paper's notation: `act` between layers, no activation at the end. */
export function denseChain(widths: readonly number[], act: ActName | string): string {
  return widths.slice(1).map((w, i) => `FC(${widths[i]},${w},${i === widths.length - 2 ? 'none' : act})`).join('-');
}

/** Default batch size and epochs: batch 64 (at most the rows), enough epochs for ~2,000 steps within [10, 200]. */
export function defaultSchedule(rows: number, p: { batchSize?: number; epochs?: number }, auto: string[]): { batchSize: number; epochs: number } {
  const batchSize = p.batchSize ?? Math.min(64, rows);
  if (p.batchSize === undefined) auto.push('batchSize');
  const epochs = p.epochs ?? Math.min(200, Math.max(10, Math.ceil(2000 / Math.ceil(rows / batchSize))));
  if (p.epochs === undefined) auto.push('epochs');
  return { batchSize, epochs };
}
