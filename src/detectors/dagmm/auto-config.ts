/**
 * DAGMM configuration from a data set's shape, so DAGMM works on any table, not only the paper's four.
 * Each rule is read off the paper's Section 4.3 configurations; every choice can be overridden.
 *
 *   d = features after preprocessing, n = training rows.
 * - latent size: 1 for d <= 128, else 2 (paper: KDDCUP 120 -> 1, Thyroid 6 -> 1, Arrhythmia 274 -> 2).
 * - hidden layers of the encoder (the decoder mirrors them):
 *     n < 5 d (few rows per feature, Arrhythmia):  one hidden layer of 10;
 *     d < 16 (Thyroid):                            [2d, max(latent + 1, ceil(2d / 3))] -> 6: [12, 4];
 *     otherwise (KDDCUP):                          d/2, d/4, ... while >= 20, then 10 -> 120: [60, 30, 10].
 *   tanh on hidden layers, none on the code and the output.
 * - estimation network: FC(latent + 2, 10, tanh)-Drop(0.5)-FC(10, K, softmax) (the paper's, every data set).
 * - K mixture components: 4 when n >= 100,000, else 2 (paper: KDDCUP's ~200k training rows -> 4; others 2).
 * - batch size: the largest power of two <= n / 1.5, between 32 and 1024 (paper: 1024, 1024, 128).
 * - epochs: enough for ~20,000 optimiser steps, between 10 and 20,000 (paper: 20k-40k steps per run), capped
 *   so that epochs x n <= 40 million rows (~2 minutes on 2 cores for KDDCUP-sized inputs).
 */
import { formatNetworkSpec, parseNetworkSpec, specInputSize, type LayerSpec } from '../../nn/spec.js';
import type { ReconstructionFeature } from './features.js';

export interface DagmmAutoInput { features: number; rows: number }

export interface DagmmResolvedConfig {
  compression: string;
  estimation: string;
  gmmK: number;
  latentSize: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  lambdaEnergy: number;
  lambdaCov: number;
  reconstructionFeatures: ReconstructionFeature[];
  /** Which of the above were chosen by the rules (the rest were given). */
  auto: string[];
}

export interface DagmmOverrides {
  compression?: string;
  estimation?: string;
  latentSize?: number;
  hidden?: number[];
  gmmK?: number;
  epochs?: number;
  batchSize?: number;
  learningRate: number;
  lambdaEnergy: number;
  lambdaCov: number;
  dropoutKeep: number;
  estimationHidden: number;
  reconstructionFeatures: ReconstructionFeature[];
}

export function autoLatentSize(d: number): number { return d <= 128 ? 1 : 2; }

export function autoHidden(d: number, n: number, latent: number): number[] {
  if (n < 5 * d) return [10];
  if (d < 16) return [2 * d, Math.max(latent + 1, Math.ceil((2 * d) / 3))];
  const h: number[] = [];
  for (let w = Math.floor(d / 2); w >= 20; w = Math.floor(w / 2)) h.push(w);
  h.push(10);
  return h;
}

export function autoK(n: number): number { return n >= 100_000 ? 4 : 2; }

export function autoBatchSize(n: number): number {
  let b = 32;
  while (b * 2 <= Math.min(1024, n / 1.5)) b *= 2;
  return b;
}

export function autoEpochs(n: number, batch: number): number {
  const stepsPerEpoch = Math.max(1, Math.ceil(n / batch));
  const byRows = Math.floor(40_000_000 / Math.max(1, n));
  return Math.max(10, Math.min(20_000, Math.ceil(20_000 / stepsPerEpoch), byRows));
}

function compressionSpec(d: number, hidden: number[], latent: number): string {
  const widths = [d, ...hidden, latent, ...[...hidden].reverse(), d];
  const parts: string[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    const isCode = i === hidden.length, isOut = i === widths.length - 2;
    parts.push(`FC(${widths[i]},${widths[i + 1]},${isCode || isOut ? 'none' : 'tanh'})`);
  }
  return parts.join('-');
}

export function resolveDagmmConfig(input: DagmmAutoInput, o: DagmmOverrides): DagmmResolvedConfig {
  const { features: d, rows: n } = input;
  const auto: string[] = [];
  let compression = o.compression;
  let latent: number;
  if (compression) {
    const layers = parseNetworkSpec(compression);
    if (specInputSize(layers) !== d) {
      throw new Error(`dagmm: the compression network takes ${specInputSize(layers)} inputs, but the preprocessed data has ${d} features`);
    }
    const dense = layers.filter((l): l is Extract<LayerSpec, { kind: 'dense' }> => l.kind === 'dense');
    latent = Math.min(...dense.slice(0, -1).map((l) => l.out));
  } else {
    latent = o.latentSize ?? autoLatentSize(d);
    if (o.latentSize === undefined) auto.push('latentSize');
    const hidden = o.hidden ?? autoHidden(d, n, latent);
    if (o.hidden === undefined) auto.push('hidden');
    compression = compressionSpec(d, hidden, latent);
    auto.push('compression');
  }
  const zDim = latent + o.reconstructionFeatures.length;
  let gmmK = o.gmmK;
  if (gmmK === undefined) { gmmK = autoK(n); auto.push('gmmK'); }
  let estimation = o.estimation;
  if (!estimation) {
    estimation = `FC(${zDim},${o.estimationHidden},tanh)-Drop(${o.dropoutKeep})-FC(${o.estimationHidden},${gmmK},softmax)`;
    auto.push('estimation');
  } else {
    // Normalise the notation and take K from the given network.
    const layers = parseNetworkSpec(estimation);
    const last = [...layers].reverse().find((l) => l.kind === 'dense');
    if (last && last.kind === 'dense') gmmK = last.out;
    estimation = formatNetworkSpec(layers);
  }
  let batchSize = o.batchSize;
  if (batchSize === undefined) { batchSize = autoBatchSize(n); auto.push('batchSize'); }
  let epochs = o.epochs;
  if (epochs === undefined) { epochs = autoEpochs(n, batchSize); auto.push('epochs'); }
  return {
    compression, estimation, gmmK, latentSize: latent, epochs, batchSize, learningRate: o.learningRate,
    lambdaEnergy: o.lambdaEnergy, lambdaCov: o.lambdaCov, reconstructionFeatures: [...o.reconstructionFeatures], auto,
  };
}
