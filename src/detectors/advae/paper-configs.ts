/**
 * adVAE on the DAGMM paper's data sets. The adVAE paper (Wang et al. 2020) evaluates other tables, so it gives
 * no configuration or result for these: the networks come from the input width (the authors scale theirs with
 * it too; see detector.ts) and the schedule is DAGMM's (epochs and batch size, Zong et al. 2018, Section 4.3),
 * as for the E2E-AE baseline (ae/paper-configs.ts), so that `bench paper --model advae` and `--model ae` train
 * for as many mini-batches and compare like for like; adVAE's own learning rate (Adam, 1e-3).
 */
import type { PaperDatasetName } from '../../data/datasets/bundled.js';
import { perPaperDataset } from '../../data/datasets/table1.js';
import { PAPER_CONFIGS } from '../dagmm/paper-configs.js';
import type { PaperRunConfig } from '../register.js';

export const ADVAE_PAPER_RUNS: Record<PaperDatasetName, PaperRunConfig> = perPaperDataset((k) => ({
  params: { epochs: PAPER_CONFIGS[k].epochs, batchSize: PAPER_CONFIGS[k].batchSize },
  source: 'networks from the input width, DAGMM\'s schedule (Zong et al. 2018, Section 4.3); the adVAE paper has no configuration for these data sets',
}));
