/**
 * RDA on the DAGMM paper's data sets: the paper (Zhou & Paffenroth 2017) reports none of these sets, so RDA
 * takes the configuration of the autoencoder it robustifies, ae's E2E-AE baseline (DAGMM's compression network,
 * epochs, batch size and learning rate); the epochs are RDA's total, split over its outer iterations. lambda,
 * norm and the outer loop keep RDA's defaults (chosen from the data's width, not per data set).
 */
import type { PaperDatasetName } from '../../data/datasets/bundled.js';
import { perPaperDataset } from '../../data/datasets/table1.js';
import { AE_PAPER_RUNS } from '../ae/paper-configs.js';
import type { PaperRunConfig } from '../register.js';

export const RDA_PAPER_RUNS: Record<PaperDatasetName, PaperRunConfig> = perPaperDataset((k) => ({
  params: { ...AE_PAPER_RUNS[k].params },
  source: 'ae\'s E2E-AE configuration (DAGMM\'s compression network and schedule; epochs split over the outer iterations); no published RDA results on these sets',
}));
