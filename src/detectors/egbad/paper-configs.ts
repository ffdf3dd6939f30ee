/**
 * EGBAD on the DAGMM paper's data sets. The EGBAD paper (Zenati et al. 2018) has a tabular configuration for
 * KDD99 only (the authors' code, bigan/kdd_utilities.py): latent 32, E = FC(121,64,lrelu(0.1))-FC(64,32,none),
 * G = FC(32,64,relu)-FC(64,128,relu)-FC(128,121,none), D = x -> FC(121,128,lrelu(0.1))-Drop(0.8) and
 * z -> FC(32,128,lrelu(0.1))-Drop(0.8), concatenated, FC(256,128,lrelu(0.1))-Drop(0.8) (the features), FC(128,1)
 * (the logit); Adam(1e-5, beta1 0.5), batch 50; score weight 0.1 on the discriminator term (alpha 0.9),
 * feature matching with the L1 norm. Here: our KDDCUP loader gives 120 features (theirs 121), and D's two
 * 128-unit branches become one dense FC(152,256,lrelu(0.1)) layer on concat(x, z) (the branches are its
 * block-diagonal special case). The paper gives no epoch count: the default (~2,000 mini-batches, at least
 * 10 epochs) applies. The other data sets use the defaults from the input width.
 */
import type { PaperDatasetName } from '../../data/datasets/bundled.js';
import type { PaperRunConfig } from '../register.js';

export const EGBAD_PAPER_RUNS: Partial<Record<PaperDatasetName, PaperRunConfig>> = {
  kddcup: {
    params: {
      encoder: 'FC(120,64,lrelu(0.1))-FC(64,32,none)',
      generator: 'FC(32,64,relu)-FC(64,128,relu)-FC(128,120,none)',
      discriminatorFeatures: 'FC(152,256,lrelu(0.1))-Drop(0.8)-FC(256,128,lrelu(0.1))-Drop(0.8)',
      discriminatorHead: 'FC(128,1,none)',
      learningRate: 1e-5, batchSize: 50, alpha: 0.9, score: 'feature-matching', norm: 'l1',
    },
    source: 'Zenati et al. 2018 (EGBAD), the authors\' KDD99 networks and schedule (bigan/kdd_utilities.py) on 120 features; D\'s x and z branches as one dense layer on concat(x, z); epochs: our default (the paper gives none)',
  },
};
