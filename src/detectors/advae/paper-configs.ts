/**
 * adVAE on the DAGMM paper's data sets. The adVAE paper (Wang et al. 2020) evaluates other tables, so it gives
 * no configuration or result for these: the networks come from the input width (the authors scale theirs with
 * it too; see detector.ts) and the schedule is the detector's own default (batch 64, ~2,000 mini-batches within
 * [10, 200] epochs; Adam at adVAE's 1e-3). DAGMM's schedule (Zong et al. 2018, Section 4.3: up to 20,000 epochs
 * at batch 1,024) was the first choice, for like-for-like with the E2E-AE baseline, but each adVAE step runs
 * three networks twice, and one KDDCUP-Rev seed took 1,298 s on the 2-core CI-class machine: the evidence runs
 * would have needed ~6 h. DAGMM's schedule stays available: `bench paper --model advae --epochs 400 --param batchSize=1024`.
 */
import type { PaperDatasetName } from '../../data/datasets/bundled.js';
import { perPaperDataset } from '../../data/datasets/table1.js';
import type { PaperRunConfig } from '../register.js';

export const ADVAE_PAPER_RUNS: Record<PaperDatasetName, PaperRunConfig> = perPaperDataset(() => ({
  params: {},
  source: 'networks and schedule from the detector\'s defaults (input width, ~2,000 mini-batches of 64); the adVAE paper has no configuration for these data sets',
}));
