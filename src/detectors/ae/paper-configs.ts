/**
 * The plain autoencoder on the DAGMM paper's data sets: the paper's E2E-AE baseline (Zong et al. 2018,
 * Section 4.2/Table 2), DAGMM's compression network trained end to end on reconstruction alone, with DAGMM's
 * epochs, batch sizes and learning rate; score = reconstruction error.
 */
import type { PaperDatasetName } from '../../data/datasets/bundled.js';
import { perPaperDataset } from '../../data/datasets/table1.js';
import { formatNetworkSpec, parseNetworkSpec, type LayerActivation, type LayerSpec } from '../../nn/spec.js';
import { PAPER_CONFIGS } from '../dagmm/paper-configs.js';
import type { PaperRunConfig } from '../register.js';

/** Splits an autoencoder spec after its (first) narrowest dense layer: the code. */
export function splitAutoencoder(spec: string): { encoder: string; decoder: string } {
  const layers = parseNetworkSpec(spec);
  let code = -1, width = Infinity;
  layers.forEach((l, i) => { if (l.kind === 'dense' && i < layers.length - 1 && l.out < width) { width = l.out; code = i; } });
  if (code < 0) throw new Error(`autoencoder spec "${spec}" has no code layer before its output`);
  return { encoder: formatNetworkSpec(layers.slice(0, code + 1)), decoder: formatNetworkSpec(layers.slice(code + 1)) };
}

// Table 2, E2E-AE: precision, recall, F1.
const E2E_AE = {
  kddcup: { precision: 0.0024, recall: 0.0025, f1: 0.0024 },
  thyroid: { precision: 0.1064, recall: 0.1316, f1: 0.1176 },
  arrhythmia: { precision: 0.4667, recall: 0.4538, f1: 0.4591 },
  'kddcup-rev': { precision: 0.7434, recall: 0.7463, f1: 0.7448 },
};

/** The encoder spec with its code (last dense) layer's activation replaced. */
export function withCodeActivation(encoder: string, activation: LayerActivation): string {
  const layers = parseNetworkSpec(encoder);
  const last = layers.map((l) => l.kind).lastIndexOf('dense');
  layers[last] = { ...layers[last], activation } as LayerSpec;
  return formatNetworkSpec(layers);
}

/**
 * E2E-AE's networks and schedule on each paper data set, for any reconstruction detector (ae, dae, sae, cae):
 * the same runs, with the code layer's activation set where the detector needs one.
 */
export function reconstructionPaperRuns(source: string, o: { codeActivation?: LayerActivation; results?: typeof E2E_AE } = {}): Record<PaperDatasetName, PaperRunConfig> {
  return perPaperDataset((k) => {
    const c = PAPER_CONFIGS[k], { encoder, decoder } = splitAutoencoder(c.compression);
    return {
      params: { encoder: o.codeActivation ? withCodeActivation(encoder, o.codeActivation) : encoder, decoder, epochs: c.epochs, batchSize: c.batchSize, learningRate: c.learningRate },
      ...(o.results ? { results: o.results[k] } : {}), source,
    };
  });
}

export const AE_PAPER_RUNS = reconstructionPaperRuns('Zong et al. 2018, E2E-AE baseline: DAGMM\'s compression network and schedule', { results: E2E_AE });

/** sae and cae: E2E-AE's runs with a sigmoid code layer. */
export const SIGMOID_CODE_PAPER_RUNS = reconstructionPaperRuns('Zong et al. 2018: the E2E-AE networks and schedule (DAGMM\'s compression network), sigmoid code layer', { codeActivation: 'sigmoid' });
