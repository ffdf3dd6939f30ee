/**
 * ALAD on the DAGMM paper's data sets. The ALAD paper (Zenati et al. 2018) has tabular configurations for KDD99
 * and Arrhythmia (the authors' code, alad/kdd_utilities.py and alad/arrhythmia_utilities.py): Adam(1e-5,
 * beta1 0.5); leaky ReLU slope 0.2; D_xz = x -> FC(d,128) with batch norm, z -> FC(c,128,lrelu)-Drop(0.5),
 * concatenated, then dense layer(s) with dropout 0.5 (the features) and FC(.,1); D_xx and D_zz dense on the
 * concatenated pair with dropout 0.2; score: feature matching in D_xx, L1.
 * - KDD99: latent 32, batch 50; E FC(121,64,lrelu)-FC(64,32), G FC(32,64,relu)-FC(64,128,relu)-FC(128,121),
 *   D_xz joint FC(256,128), D_xx FC(242,128), D_zz FC(64,32);
 * - Arrhythmia: latent 64, batch 32; E FC(274,256,lrelu)-FC(256,128,lrelu)-FC(128,64),
 *   G FC(64,128,relu)-FC(128,256,relu)-FC(256,274), D_xz joint FC(256,256), D_xx FC(548,256)-FC(256,128),
 *   D_zz FC(128,64)-FC(64,32).
 * Here: our KDDCUP loader gives 120 features (theirs 121); D_xz's two 128-unit branches become one dense
 * FC(d+c,256,lrelu) layer on concat(x, z) with dropout 0.5 (the branches are its block-diagonal special case;
 * no batch norm: the network notation has none). The paper gives no epoch count: the default (~2,000
 * mini-batches, at least 10 epochs) applies. kddcup-rev and thyroid use the defaults from the input width.
 */
import type { PaperDatasetName } from '../../data/datasets/bundled.js';
import type { PaperRunConfig } from '../register.js';

const common = { learningRate: 1e-5, dzz: true, score: 'feature-matching', norm: 'l1' } as const;
const source = 'Zenati et al. 2018 (ALAD), the authors\' networks and schedule (alad/*_utilities.py); D_xz\'s x and z branches as one dense layer on concat(x, z), no batch norm; epochs: our default (the paper gives none)';

export const ALAD_PAPER_RUNS: Partial<Record<PaperDatasetName, PaperRunConfig>> = {
  kddcup: {
    params: {
      ...common, batchSize: 50,
      encoder: 'FC(120,64,lrelu)-FC(64,32,none)',
      generator: 'FC(32,64,relu)-FC(64,128,relu)-FC(128,120,none)',
      dxzFeatures: 'FC(152,256,lrelu)-Drop(0.5)-FC(256,128,lrelu)-Drop(0.5)', dxzHead: 'FC(128,1,none)',
      dxxFeatures: 'FC(240,128,lrelu)-Drop(0.8)', dxxHead: 'FC(128,1,none)',
      dzzFeatures: 'FC(64,32,lrelu)-Drop(0.8)', dzzHead: 'FC(32,1,none)',
    },
    source: `${source}; 120 features (theirs 121)`,
  },
  arrhythmia: {
    params: {
      ...common, batchSize: 32,
      encoder: 'FC(274,256,lrelu)-FC(256,128,lrelu)-FC(128,64,none)',
      generator: 'FC(64,128,relu)-FC(128,256,relu)-FC(256,274,none)',
      dxzFeatures: 'FC(338,256,lrelu)-Drop(0.5)-FC(256,256,lrelu)-Drop(0.5)', dxzHead: 'FC(256,1,none)',
      dxxFeatures: 'FC(548,256,lrelu)-Drop(0.8)-FC(256,128,lrelu)-Drop(0.8)', dxxHead: 'FC(128,1,none)',
      dzzFeatures: 'FC(128,64,lrelu)-Drop(0.8)-FC(64,32,lrelu)-Drop(0.8)', dzzHead: 'FC(32,1,none)',
    },
    source,
  },
};
