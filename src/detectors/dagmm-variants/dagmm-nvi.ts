/**
 * DAGMM-NVI (Zong et al., ICLR 2018, Sections 3.4 and 4.2): DAGMM whose objective replaces the sample energy
 * (eq. 6) by its variational upper bound (eqs. 8-10), the estimation network's output taken as the variational
 * posterior Q(k | z) of neural variational inference (Mnih and Gregor, ICML 2014):
 *   B(z_i) = sum_k Q(k | z_i) (log Q(k | z_i) - log phi_k - log N(z_i | mu_k, Sigma_k)) = E(z_i) + KL(Q(k | z_i) || p(k | z_i)),
 * with phi, mu, Sigma estimated from the batch memberships by eq. (5) exactly as in DAGMM (gmmVariationalBound in
 * src/gmm/gmm.ts). Networks, reconstruction term, covariance penalty, lambdas and training are DAGMM's.
 * Score: the sample energy under the GMM over the whole training set, as DAGMM (the paper names no other
 * criterion for this variant; the bound would need memberships, and equals the energy when Q is the posterior).
 */
import { DagmmDetector, DagmmParamsSchema, type DagmmParamsInput } from '../dagmm/detector.js';
import type { DagmmResolvedConfig } from '../dagmm/auto-config.js';
import type { DagmmNetworkConfig } from '../dagmm/network.js';
import { UNTRAINED_CONTROL } from '../deep/detector.js';
import { parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { DAGMM_NVI_PAPER_RUNS } from './paper-configs.js';

export class DagmmNviDetector extends DagmmDetector {
  override readonly name: string = 'dagmm-nvi';

  constructor(params: DagmmParamsInput = {}) {
    super({}, parseParams('dagmm-nvi', DagmmParamsSchema, params));
  }

  protected override networkConfig(c: DagmmResolvedConfig): DagmmNetworkConfig {
    return { ...super.networkConfig(c), objective: 'variational-bound' };
  }
}

registerDetector({
  name: 'dagmm-nvi',
  summary: 'The DAGMM paper\'s DAGMM-NVI variant: DAGMM trained with the variational upper bound of the sample energy (eq. 10; the estimation network as the variational posterior over components) in place of the energy; score = sample energy',
  paper: 'Zong et al., ICLR 2018 (Sections 3.4, 4.2); Mnih and Gregor, ICML 2014',
  paramsSchema: DagmmParamsSchema,
  quickParams: { epochs: 5, batchSize: 64 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: DAGMM_NVI_PAPER_RUNS,
  create: (p) => new DagmmNviDetector(p),
});
