/**
 * The DAGMM paper's baselines and variants on its data sets (Zong et al., ICLR 2018, Section 4.2, Appendix A),
 * as data: each uses DAGMM's networks, epochs, batch sizes and learning rate ("the same for every training
 * stage": pretraining epochs per layer = fine-tuning epochs = DAGMM's epochs, so `pretrainEpochs` and
 * `fineTuneEpochs` are left to default to `epochs`, and --epochs scales every stage), and Table 2's
 * precision, recall and F1 (clean training data, 20 runs).
 */
import type { PaperDatasetName } from '../../data/datasets/bundled.js';
import { perPaperDataset } from '../../data/datasets/table1.js';
import { formatNetworkSpec, parseNetworkSpec } from '../../nn/spec.js';
import { reconstructionPaperRuns, splitAutoencoder } from '../ae/paper-configs.js';
import { dagmmPaperParams, PAPER_CONFIGS } from '../dagmm/paper-configs.js';
import type { PaperRunConfig } from '../register.js';

type Prf = { precision: number; recall: number; f1: number };
const prf = (precision: number, recall: number, f1: number): Prf => ({ precision, recall, f1 });

/** Table 2 (clean training data): precision, recall, F1. */
export const TABLE2: Record<'gmm-en' | 'pae' | 'pae-gmm-em' | 'pae-gmm' | 'dagmm-p' | 'dagmm-nvi', Record<PaperDatasetName, Prf>> = {
  'gmm-en': {
    kddcup: prf(0.1932, 0.1967, 0.1949), thyroid: prf(0.0213, 0.0227, 0.0220),
    arrhythmia: prf(0.3000, 0.2792, 0.2886), 'kddcup-rev': prf(0.1846, 0.1746, 0.1795),
  },
  pae: {
    kddcup: prf(0.7276, 0.7397, 0.7336), thyroid: prf(0.1894, 0.2062, 0.1971),
    arrhythmia: prf(0.4393, 0.4437, 0.4403), 'kddcup-rev': prf(0.7835, 0.7817, 0.7826),
  },
  'pae-gmm-em': {
    kddcup: prf(0.7183, 0.7311, 0.7246), thyroid: prf(0.4745, 0.4538, 0.4635),
    arrhythmia: prf(0.3970, 0.4168, 0.4056), 'kddcup-rev': prf(0.2822, 0.2847, 0.2835),
  },
  'pae-gmm': {
    kddcup: prf(0.7251, 0.7384, 0.7317), thyroid: prf(0.4532, 0.4881, 0.4688),
    arrhythmia: prf(0.4575, 0.4823, 0.4684), 'kddcup-rev': prf(0.6307, 0.6278, 0.6292),
  },
  'dagmm-p': {
    kddcup: prf(0.7579, 0.7710, 0.7644), thyroid: prf(0.4723, 0.4725, 0.4713),
    arrhythmia: prf(0.4909, 0.4679, 0.4787), 'kddcup-rev': prf(0.2750, 0.2810, 0.2780),
  },
  'dagmm-nvi': {
    kddcup: prf(0.9290, 0.9447, 0.9368), thyroid: prf(0.4383, 0.4587, 0.4470),
    arrhythmia: prf(0.5091, 0.4892, 0.4981), 'kddcup-rev': prf(0.9211, 0.9211, 0.9211),
  },
};

/** K of DAGMM's estimation network on a paper data set (the last layer's width). */
export function paperK(k: PaperDatasetName): number {
  const dense = parseNetworkSpec(PAPER_CONFIGS[k].estimation).filter((l) => l.kind === 'dense');
  const last = dense[dense.length - 1];
  return last.kind === 'dense' ? last.out : 0;
}

/** DAGMM's configuration with another variant's Table 2 results (pae-gmm, dagmm-p, dagmm-nvi). */
export function dagmmVariantPaperRuns(source: string, results: Record<PaperDatasetName, Prf>): Record<PaperDatasetName, PaperRunConfig> {
  return perPaperDataset((k) => ({ params: dagmmPaperParams(PAPER_CONFIGS[k]), results: results[k], source }));
}

/**
 * GMM-EN (Appendix A): DAGMM's encoder straight into the estimation network, e.g. on Thyroid
 * FC(6,12,tanh)-FC(12,4,tanh)-FC(4,1,none)-FC(1,10,tanh)-Drop(0.5)-FC(10,2,softmax).
 */
export const GMM_EN_PAPER_RUNS = perPaperDataset((k): PaperRunConfig => {
  const c = PAPER_CONFIGS[k], { encoder } = splitAutoencoder(c.compression);
  const latent = parseNetworkSpec(encoder).filter((l) => l.kind === 'dense').at(-1);
  const estimation = formatNetworkSpec(parseNetworkSpec(c.estimation).map((l, i) => (i === 0 && l.kind === 'dense' && latent?.kind === 'dense' ? { ...l, in: latent.out } : l)));
  const params: Record<string, unknown> = { ...dagmmPaperParams(c), encoder, estimation };
  delete params.compression;
  return { params, results: TABLE2['gmm-en'][k], source: 'Zong et al. 2018, Appendix A (GMM-EN)' };
});

export const PAE_PAPER_RUNS = reconstructionPaperRuns('Zong et al. 2018, Appendix A (PAE): DAGMM\'s compression network and schedule, layer-wise pretraining then fine-tuning', { results: TABLE2.pae });

export const PAE_GMM_EM_PAPER_RUNS = perPaperDataset((k): PaperRunConfig => {
  const r = reconstructionPaperRuns('Zong et al. 2018, Appendix A (PAE-GMM-EM): PAE\'s networks and schedule, DAGMM\'s K, EM until the largest parameter change < 1e-6', { results: TABLE2['pae-gmm-em'] })[k];
  return { ...r, params: { ...r.params, gmmK: paperK(k) } };
});

export const PAE_GMM_PAPER_RUNS = dagmmVariantPaperRuns('Zong et al. 2018, Appendix A (PAE-GMM): DAGMM\'s networks and schedule for every stage', TABLE2['pae-gmm']);
export const DAGMM_P_PAPER_RUNS = dagmmVariantPaperRuns('Zong et al. 2018, Appendix A (DAGMM-p): DAGMM\'s networks and schedule for pretraining and fine-tuning', TABLE2['dagmm-p']);
export const DAGMM_NVI_PAPER_RUNS = dagmmVariantPaperRuns('Zong et al. 2018, Appendix A (DAGMM-NVI): DAGMM\'s networks and training', TABLE2['dagmm-nvi']);
