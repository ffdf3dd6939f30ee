/**
 * DSEBM on the DAGMM paper's data sets (Zong et al. 2018, Appendix A): the energy networks the paper lists
 * (DAGMM's encoders with softplus layers), with DAGMM's epochs, batch sizes and learning rate
 * (../dagmm/paper-configs.ts), and the published precision, recall and F1 of Table 2 (clean training data):
 * DSEBM-e scores the energy, DSEBM-r the reconstruction error. sigma keeps the detector's default (the paper
 * gives none).
 */
import type { PaperDatasetName } from '../../data/datasets/bundled.js';
import { perPaperDataset } from '../../data/datasets/table1.js';
import { PAPER_CONFIGS } from '../dagmm/paper-configs.js';
import type { PaperRunConfig } from '../register.js';

const KDD = 'FC(120,60,softplus)-FC(60,30,softplus)-FC(30,10,softplus)-FC(10,1,softplus)';

/** Appendix A's DSEBM networks ("KDDCUP-Rev: same as KDDCUP"). */
export const DSEBM_NETWORKS: Record<PaperDatasetName, string> = {
  kddcup: KDD,
  thyroid: 'FC(6,12,softplus)-FC(12,4,softplus)-FC(4,1,softplus)',
  arrhythmia: 'FC(274,10,softplus)-FC(10,2,softplus)',
  'kddcup-rev': KDD,
};

type Prf = { precision: number; recall: number; f1: number };

/** Table 2 (clean training data), rows DSEBM-e and DSEBM-r. */
const TABLE2: Record<'dsebm-e' | 'dsebm-r', Record<PaperDatasetName, Prf>> = {
  'dsebm-e': {
    kddcup: { precision: 0.7369, recall: 0.7477, f1: 0.7423 },
    thyroid: { precision: 0.1319, recall: 0.1319, f1: 0.1319 },
    arrhythmia: { precision: 0.4667, recall: 0.4565, f1: 0.4601 },
    'kddcup-rev': { precision: 0.2212, recall: 0.2213, f1: 0.2213 },
  },
  'dsebm-r': {
    kddcup: { precision: 0.1972, recall: 0.2001, f1: 0.1987 },
    thyroid: { precision: 0.0404, recall: 0.0403, f1: 0.0403 },
    arrhythmia: { precision: 0.1515, recall: 0.1513, f1: 0.151 },
    'kddcup-rev': { precision: 0.2036, recall: 0.2036, f1: 0.2036 },
  },
};

export const DSEBM_PAPER_RUNS: Record<'dsebm-e' | 'dsebm-r', Record<PaperDatasetName, PaperRunConfig>> = {
  'dsebm-e': runs('dsebm-e'),
  'dsebm-r': runs('dsebm-r'),
};

function runs(name: 'dsebm-e' | 'dsebm-r'): Record<PaperDatasetName, PaperRunConfig> {
  return perPaperDataset((k) => {
    const c = PAPER_CONFIGS[k];
    return {
      params: { network: DSEBM_NETWORKS[k], epochs: c.epochs, batchSize: c.batchSize, learningRate: c.learningRate },
      results: TABLE2[name][k],
      source: 'Zong et al. 2018, Appendix A (DSEBM networks) with DAGMM\'s schedule (Section 4.3); results: Table 2',
    };
  });
}
