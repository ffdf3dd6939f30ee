/**
 * The DAGMM paper's per-data-set configurations (Zong et al., ICLR 2018, Section 4.3), as data.
 * Drop(0.5) is the paper's notation (keep probability 0.5).
 */
import type { PaperDatasetName } from '../../data/datasets/bundled.js';
import { PAPER_ANOMALY_RATIOS, perPaperDataset } from '../../data/datasets/table1.js';
import type { PaperRunConfig } from '../register.js';
import type { DagmmNetworkConfig } from './network.js';

export interface PaperConfig extends DagmmNetworkConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Fraction of test rows flagged as anomalous (Table 1). */
  anomalyRatio: number;
}

const common = { lambdaEnergy: 0.1, lambdaCov: 0.005, learningRate: 1e-4 } as const;
const KDD = 'FC(120,60,tanh)-FC(60,30,tanh)-FC(30,10,tanh)-FC(10,1,none)-FC(1,10,tanh)-FC(10,30,tanh)-FC(30,60,tanh)-FC(60,120,none)';

export const PAPER_CONFIGS: Record<'kddcup' | 'thyroid' | 'arrhythmia' | 'kddcup-rev', PaperConfig> = {
  kddcup: { ...common, compression: KDD, estimation: 'FC(3,10,tanh)-Drop(0.5)-FC(10,4,softmax)', epochs: 200, batchSize: 1024, anomalyRatio: PAPER_ANOMALY_RATIOS.kddcup },
  thyroid: {
    ...common,
    compression: 'FC(6,12,tanh)-FC(12,4,tanh)-FC(4,1,none)-FC(1,4,tanh)-FC(4,12,tanh)-FC(12,6,none)',
    estimation: 'FC(3,10,tanh)-Drop(0.5)-FC(10,2,softmax)', epochs: 20000, batchSize: 1024, anomalyRatio: PAPER_ANOMALY_RATIOS.thyroid,
  },
  arrhythmia: {
    ...common,
    compression: 'FC(274,10,tanh)-FC(10,2,none)-FC(2,10,tanh)-FC(10,274,none)',
    estimation: 'FC(4,10,tanh)-Drop(0.5)-FC(10,2,softmax)', epochs: 10000, batchSize: 128, anomalyRatio: PAPER_ANOMALY_RATIOS.arrhythmia,
  },
  'kddcup-rev': { ...common, compression: KDD, estimation: 'FC(3,10,tanh)-Drop(0.5)-FC(10,2,softmax)', epochs: 400, batchSize: 1024, anomalyRatio: PAPER_ANOMALY_RATIOS['kddcup-rev'] },
};

/** Table 2 of the paper (clean training data): DAGMM's precision, recall and F1 per data set. */
export const PAPER_RESULTS: Record<keyof typeof PAPER_CONFIGS, { precision: number; recall: number; f1: number }> = {
  kddcup: { precision: 0.9297, recall: 0.9442, f1: 0.9369 },
  thyroid: { precision: 0.4766, recall: 0.4834, f1: 0.4782 },
  arrhythmia: { precision: 0.4909, recall: 0.5078, f1: 0.4983 },
  'kddcup-rev': { precision: 0.937, recall: 0.939, f1: 0.938 },
};

/** The configurations as DagmmDetector parameters, for `bench paper` (see register.ts). */
export function dagmmPaperParams(c: PaperConfig): Record<string, unknown> {
  return {
    compression: c.compression, estimation: c.estimation, epochs: c.epochs, batchSize: c.batchSize, learningRate: c.learningRate,
    lambdaEnergy: c.lambdaEnergy, lambdaCov: c.lambdaCov,
  };
}

export const DAGMM_PAPER_RUNS: Record<PaperDatasetName, PaperRunConfig> = perPaperDataset((k) => ({
  params: dagmmPaperParams(PAPER_CONFIGS[k]), results: PAPER_RESULTS[k], source: 'Zong et al. 2018, Section 4.3',
}));
