/**
 * GMM-EN, the DAGMM paper's variant without reconstruction (Zong et al., ICLR 2018, Section 4.2 and Appendix A):
 * the reconstruction error term is removed from DAGMM's objective, so the estimation network works on the
 * encoder's code alone (Appendix A's networks have no decoder: e.g. on Thyroid
 * FC(6,12,tanh)-FC(12,4,tanh)-FC(4,1,none)-FC(1,10,tanh)-Drop(0.5)-FC(10,2,softmax)), with no reconstruction
 * features. Objective lambda1 * mean energy + lambda2 * covariance penalty; score = sample energy (eqs. 5, 6)
 * under the GMM over the whole training set. DagmmNetwork's encoderOnly mode.
 */
import * as z from '../../zod.js';
import { formatNetworkSpec, parseNetworkSpec, specInputSize, specOutputSize } from '../../nn/spec.js';
import { splitAutoencoder } from '../ae/paper-configs.js';
import { resolveDagmmConfig, type DagmmResolvedConfig } from '../dagmm/auto-config.js';
import { DagmmDetector, DagmmParamsSchema } from '../dagmm/detector.js';
import type { DagmmNetworkConfig } from '../dagmm/network.js';
import { UNTRAINED_CONTROL } from '../deep/detector.js';
import { parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { GMM_EN_PAPER_RUNS } from './paper-configs.js';

/** DAGMM's parameters without the compression network and the reconstruction features, plus the encoder. */
export const GmmEnParamsSchema = z.extend(z.omit(DagmmParamsSchema, { compression: true, reconstructionFeatures: true }), {
  hidden: z.optional(z.array(z.number().check(z.int(), z.minimum(1)))).check(z.describe('encoder hidden widths; default from the data shape (DAGMM\'s rules)')),
  encoder: z.optional(z.string()).check(z.describe('encoder in the paper\'s notation, its last layer the code z_c, e.g. FC(6,12,tanh)-FC(12,4,tanh)-FC(4,1,none); default: the encoder half of DAGMM\'s network for the data\'s shape')),
  estimation: z.optional(z.string()).check(z.describe('estimation network on z_c ending in softmax over K, e.g. FC(1,10,tanh)-Drop(0.5)-FC(10,2,softmax); default: FC(latent,10,tanh)-Drop(0.5)-FC(10,K,softmax)')),
});
export type GmmEnParams = z.infer<typeof GmmEnParamsSchema>;

export class GmmEnDetector extends DagmmDetector<GmmEnParams> {
  override readonly name: string = 'gmm-en';

  constructor(params: z.input<typeof GmmEnParamsSchema> = {}) {
    super({}, parseParams('gmm-en', GmmEnParamsSchema, params));
  }

  /** DAGMM's rules without reconstruction features; the compression network is the encoder alone. */
  protected override configure(d: number, rows: number): DagmmResolvedConfig {
    const enc = this.params.encoder;
    if (enc === undefined) {
      const c = resolveDagmmConfig({ features: d, rows }, { ...this.params, reconstructionFeatures: [] });
      return { ...c, compression: splitAutoencoder(c.compression).encoder };
    }
    const layers = parseNetworkSpec(enc);
    if (specInputSize(layers) !== d) throw new Error(`gmm-en: the encoder takes ${specInputSize(layers)} inputs, but the preprocessed data has ${d} features`);
    const c = resolveDagmmConfig({ features: d, rows }, { ...this.params, reconstructionFeatures: [], latentSize: specOutputSize(layers), hidden: [] });
    return { ...c, compression: formatNetworkSpec(layers), auto: c.auto.filter((a) => a !== 'compression' && a !== 'hidden' && a !== 'latentSize') };
  }

  protected override networkConfig(c: DagmmResolvedConfig): DagmmNetworkConfig {
    return { ...super.networkConfig(c), encoderOnly: true, reconstructionFeatures: [] };
  }
}

registerDetector({
  name: 'gmm-en',
  summary: 'The DAGMM paper\'s GMM-EN variant: DAGMM without the reconstruction term and features, the estimation network on the encoder\'s code alone, trained on energy and covariance penalty; score = sample energy',
  paper: 'Zong et al., ICLR 2018 (Section 4.2, Appendix A)',
  paramsSchema: GmmEnParamsSchema,
  quickParams: { epochs: 5, batchSize: 64 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: GMM_EN_PAPER_RUNS,
  create: (p) => new GmmEnDetector(p),
});
