/**
 * The one-class SVM on the DAGMM paper's data sets: the paper's OC-SVM baseline (Zong et al. 2018, Section 4.2:
 * RBF kernel, nu 0.1 on KDDCUP and KDDCUP-Rev, 0.02 on Thyroid, 0.04 on Arrhythmia;
 * reference/dagmm-paper.json baseline_config.ocsvm) with its Table 2 precision, recall and F1. The paper does
 * not give gamma: we use 'scale' (scikit-learn's default, 1 / (d var(X)) of the preprocessed training rows),
 * a rule fixed before seeing any result, not tuned.
 */
import type { PaperDatasetName } from '../../data/datasets/bundled.js';
import { perPaperDataset } from '../../data/datasets/table1.js';
import type { PaperRunConfig } from '../register.js';

const NU: Record<PaperDatasetName, number> = { kddcup: 0.1, thyroid: 0.02, arrhythmia: 0.04, 'kddcup-rev': 0.1 };

// Table 2, OC-SVM: precision, recall, F1.
const TABLE2: Record<PaperDatasetName, { precision: number; recall: number; f1: number }> = {
  kddcup: { precision: 0.7457, recall: 0.8523, f1: 0.7954 },
  thyroid: { precision: 0.3639, recall: 0.4239, f1: 0.3887 },
  arrhythmia: { precision: 0.5397, recall: 0.4082, f1: 0.4581 },
  'kddcup-rev': { precision: 0.7148, recall: 0.994, f1: 0.8316 },
};

export const OCSVM_PAPER_RUNS: Record<PaperDatasetName, PaperRunConfig> = perPaperDataset((k) => ({
  params: { nu: NU[k], gamma: 'scale' },
  results: TABLE2[k],
  source: 'Zong et al. 2018, OC-SVM baseline: RBF kernel, nu per data set; gamma not given by the paper, scikit-learn\'s default \'scale\'',
}));
