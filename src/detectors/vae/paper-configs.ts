/**
 * The VAE on the DAGMM paper's data sets: the autoencoder's configurations (DAGMM's compression network split
 * at its code, DAGMM's epochs, batch sizes and learning rate; ../ae/paper-configs.ts) with the encoder's code
 * layer doubled to give a mean and a log-variance per latent unit. The DAGMM paper has no VAE baseline, so
 * there are no published numbers to compare with.
 */
import type { PaperDatasetName } from '../../data/datasets/bundled.js';
import { perPaperDataset } from '../../data/datasets/table1.js';
import { formatNetworkSpec, parseNetworkSpec } from '../../nn/spec.js';
import { AE_PAPER_RUNS } from '../ae/paper-configs.js';
import type { PaperRunConfig } from '../register.js';

/** The encoder with its last dense layer's outputs doubled: [mean | log-variance] per code unit. */
export function variationalEncoder(encoder: string): string {
  const layers = parseNetworkSpec(encoder);
  const last = layers[layers.length - 1];
  if (last?.kind !== 'dense') throw new Error(`encoder "${encoder}" must end in a dense layer`);
  return formatNetworkSpec([...layers.slice(0, -1), { ...last, out: 2 * last.out }]);
}

export const VAE_PAPER_RUNS: Record<PaperDatasetName, PaperRunConfig> = perPaperDataset((k) => {
  const ae = AE_PAPER_RUNS[k].params;
  return {
    params: { ...ae, encoder: variationalEncoder(ae.encoder as string) },
    source: 'DAGMM\'s compression network and schedule (Zong et al. 2018), code layer doubled for mean and log-variance; no published VAE results for this protocol',
  };
});
