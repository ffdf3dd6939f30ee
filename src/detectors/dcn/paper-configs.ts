/**
 * DCN on the DAGMM paper's data sets (Zong et al., ICLR 2018, Section 4.2 and Appendix A): DAGMM's compression
 * network as the autoencoder (E2E-AE's networks), DAGMM's batch sizes and learning rate for every stage, its
 * epochs as pretraining epochs per layer and as fine-tuning epochs (pretrainEpochs defaults to epochs, so
 * --epochs scales both), and Table 2's precision, recall and F1 (clean training data, 20 runs).
 *
 * Where the paper is silent: K, the number of clusters, is DAGMM's GMM K on the data set (4 on KDDCUP, 2
 * elsewhere); lambda is the detector's default (1); Adam at DAGMM's learning rate trains every stage.
 */
import type { PaperDatasetName } from '../../data/datasets/bundled.js';
import { perPaperDataset } from '../../data/datasets/table1.js';
import { reconstructionPaperRuns } from '../ae/paper-configs.js';
import { paperK } from '../dagmm-variants/paper-configs.js';
import type { PaperRunConfig } from '../register.js';

type Prf = { precision: number; recall: number; f1: number };

/** Table 2 (clean training data), DCN: precision, recall, F1. */
export const DCN_TABLE2: Record<PaperDatasetName, Prf> = {
  kddcup: { precision: 0.7696, recall: 0.7829, f1: 0.7762 },
  thyroid: { precision: 0.3319, recall: 0.3196, f1: 0.3251 },
  arrhythmia: { precision: 0.3758, recall: 0.3907, f1: 0.3815 },
  'kddcup-rev': { precision: 0.2875, recall: 0.2895, f1: 0.2885 },
};

export const DCN_PAPER_RUNS = perPaperDataset((k): PaperRunConfig => {
  const r = reconstructionPaperRuns('Zong et al. 2018, Appendix A (DCN): DAGMM\'s compression network and schedule, layer-wise pretraining then fine-tuning; K = DAGMM\'s GMM K (the paper does not give K or lambda)', { results: DCN_TABLE2 })[k];
  return { ...r, params: { ...r.params, clusters: paperK(k) } };
});
