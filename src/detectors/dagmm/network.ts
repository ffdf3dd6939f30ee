/**
 * The DAGMM network of Zong et al. (ICLR 2018), Section 3: a compression network (autoencoder plus
 * reconstruction features) feeding an estimation network whose softmax output are GMM memberships;
 * trained end to end on reconstruction error + lambda1 * mean energy + lambda2 * covariance penalty.
 */
import { mean, rowPairStats, scale, slice, add } from '../../engine/ops/index.js';
import type { Rng } from '../../engine/rng.js';
import { kernels } from '../../engine/backend/index.js';
import { Act, type ActName } from '../../engine/backend/kernels.js';
import { allocData, Tensor } from '../../engine/tensor.js';
import { gmmEnergies, gmmEnergyLoss, gmmParamsFromMemberships, gmmVariationalBound, type GmmParams } from '../../gmm/gmm.js';
import type { InitScheme } from '../../nn/init.js';
import { forEachBatchNoGrad } from '../../nn/batches.js';
import { Mlp } from '../../nn/mlp.js';
import { parseNetworkSpec, sharedLeakySlope, specInputSize, specOutputSize, type LayerSpec } from '../../nn/spec.js';
import { latentWithFeatures, NORM_FLOOR, RECONSTRUCTION_FEATURES, type ReconstructionFeature } from './features.js';

export interface DagmmNetworkConfig {
  /** Compression network in the paper's notation, e.g. FC(6,12,tanh)-FC(12,4,tanh)-FC(4,1,none)-... */
  compression: string;
  /** Estimation network, ending in a softmax over K components, e.g. FC(3,10,tanh)-Drop(0.5)-FC(10,2,softmax). */
  estimation: string;
  /** Dense layer index (0-based) whose output is z_c; default: the first narrowest layer. */
  latentLayer?: number;
  reconstructionFeatures?: readonly ReconstructionFeature[];
  lambdaEnergy?: number;
  lambdaCov?: number;
  /** Diagonal term added to each batch covariance. */
  covEps?: number;
  init?: InitScheme;
  /**
   * The estimation term of the objective: 'energy' (eq. 6, DAGMM) or 'variational-bound' (eq. 10, the paper's
   * DAGMM-NVI: the estimation network as the variational posterior Q(k | z)). Default 'energy'.
   */
  objective?: DagmmObjective;
  /**
   * GMM-EN (the paper's Section 4.2): the compression network is an encoder alone whose last layer is z_c, with no
   * reconstruction, no reconstruction features and no reconstruction term. Default false.
   */
  encoderOnly?: boolean;
}

export type DagmmObjective = 'energy' | 'variational-bound';

export interface DagmmLoss {
  loss: Tensor;
  /** Mean squared-error sum per row (0 for an encoder-only network). */
  recon: Tensor;
  /** The mean estimation term: sample energy, or its variational bound (objective 'variational-bound'). */
  energy: Tensor;
  covPenalty: Tensor;
  params: GmmParams;
}

export interface DagmmForward {
  /** [zc, reconstruction features], [N, D]. */
  z: Tensor;
  /** Reconstruction [N, input]. */
  xr: Tensor;
  /** Per-row [xx, yy, xy, dd] of x and its reconstruction. */
  stats: Tensor;
}

function defaultLatentLayer(layers: readonly LayerSpec[]): number {
  const dense = layers.filter((l) => l.kind === 'dense');
  let best = 0;
  for (let i = 1; i < dense.length - 1; i++) {
    const a = dense[i], b = dense[best];
    if (a.kind === 'dense' && b.kind === 'dense' && a.out < b.out) best = i;
  }
  return best;
}

export class DagmmNetwork {
  readonly compression: Mlp;
  readonly estimation: Mlp;
  readonly latentLayer: number;
  readonly features: readonly ReconstructionFeature[];
  readonly lambdaEnergy: number;
  readonly lambdaCov: number;
  readonly covEps: number;
  readonly inputSize: number;
  readonly latentSize: number;
  readonly k: number;
  readonly objective: DagmmObjective;
  readonly encoderOnly: boolean;

  /**
   * `source`: an Rng to initialise the two networks (forks 'compression' and 'estimation'), or the two
   * networks already built from config's specs (the deep-detector template builds them).
   */
  constructor(readonly config: DagmmNetworkConfig, source: Rng | { compression: Mlp; estimation: Mlp }) {
    const comp = parseNetworkSpec(config.compression);
    const est = parseNetworkSpec(config.estimation);
    this.inputSize = specInputSize(comp);
    this.encoderOnly = config.encoderOnly ?? false;
    const denseComp = comp.filter((l) => l.kind === 'dense');
    if (this.encoderOnly) {
      if (config.reconstructionFeatures && config.reconstructionFeatures.length > 0) throw new Error('DAGMM: an encoder-only network (GMM-EN) has no reconstruction features');
      if (config.latentLayer !== undefined && config.latentLayer !== denseComp.length - 1) throw new Error('DAGMM: the latent layer of an encoder-only network (GMM-EN) is its last layer');
    } else if (specOutputSize(comp) !== this.inputSize) {
      throw new Error(`DAGMM: the compression network maps ${this.inputSize} inputs to ${specOutputSize(comp)} outputs; it must reconstruct its input`);
    }
    this.latentLayer = this.encoderOnly ? denseComp.length - 1 : config.latentLayer ?? defaultLatentLayer(comp);
    const lat = denseComp[this.latentLayer];
    if (!lat || lat.kind !== 'dense') throw new Error(`DAGMM: latent layer ${this.latentLayer} does not exist`);
    this.latentSize = lat.out;
    this.features = this.encoderOnly ? [] : config.reconstructionFeatures ?? RECONSTRUCTION_FEATURES;
    this.objective = config.objective ?? 'energy';
    if (this.objective !== 'energy' && this.objective !== 'variational-bound') throw new Error(`DAGMM: unknown objective "${String(this.objective)}" (energy or variational-bound)`);
    const zDim = this.latentSize + this.features.length;
    if (specInputSize(est) !== zDim) {
      throw new Error(`DAGMM: the estimation network takes ${specInputSize(est)} inputs but z has ${zDim} (latent ${this.latentSize} + ${this.features.length} reconstruction features)`);
    }
    const last = [...est].reverse().find((l) => l.kind === 'dense');
    if (!last || last.kind !== 'dense' || last.activation !== 'softmax') {
      throw new Error('DAGMM: the estimation network must end in a softmax layer (the mixture memberships)');
    }
    this.k = last.out;
    if (this.k < 1) throw new Error('DAGMM: need at least one mixture component');
    this.lambdaEnergy = config.lambdaEnergy ?? 0.1;
    this.lambdaCov = config.lambdaCov ?? 0.005;
    this.covEps = config.covEps ?? 1e-6;
    const init = config.init ?? 'glorot-uniform';
    if ('fork' in source) {
      this.compression = new Mlp(comp, init, source.fork('compression'));
      this.estimation = new Mlp(est, init, source.fork('estimation'));
    } else {
      this.compression = source.compression;
      this.estimation = source.estimation;
    }
  }

  parameters(): Tensor[] {
    return [...this.compression.parameters(), ...this.estimation.parameters()];
  }

  /** z = [z_c, reconstruction features] and the reconstruction. */
  forward(x: Tensor): DagmmForward {
    if (this.encoderOnly) throw new Error('DAGMM: an encoder-only network (GMM-EN) has no reconstruction; use latent() for z');
    let zc: Tensor | null = null;
    const xr = this.compression.forward(x, { tap: (i, out) => { if (i === this.latentLayer) zc = out; } });
    const stats = rowPairStats(x, xr);
    return { z: latentWithFeatures(zc!, stats, this.features), xr, stats };
  }

  /**
   * z alone, for inference (no gradients, no reconstruction): one fused kernel call that runs the
   * compression network, the reconstruction statistics and the features without writing the hidden
   * layers or x' out. Equal, element for element, to forward(x).z (dropout is inactive outside training).
   */
  latent(x: Tensor): Tensor {
    if (this.encoderOnly) return this.compression.forward(x);
    if (x.rank !== 2 || x.cols !== this.inputSize) return this.forward(x).z;
    const dense = this.compression.layers.filter((l) => l.kind === 'dense');
    const slope = sharedLeakySlope(dense);
    if (slope === null || dense.some((l) => l.activation === 'softmax')) return this.forward(x).z;
    const sizes = new Int32Array(dense.length + 1);
    sizes[0] = this.inputSize;
    dense.forEach((l, i) => { sizes[i + 1] = l.out; });
    const acts = Int32Array.from(dense, (l) => Act[l.activation as ActName]);
    const nf = this.features.length, w = this.latentSize + nf;
    const z = allocData(x.rows * w, false);
    kernels().mlpLatentFeatures(x.rows, sizes, this.compression.weights.map((t) => t.data),
      this.compression.biases.map((t) => t.data), acts, slope, x.data, this.latentLayer, nf,
      this.features.indexOf('relative-euclidean'), this.features.indexOf('cosine'), NORM_FLOOR, z);
    return new Tensor(z, [x.rows, w]);
  }

  /** Soft mixture memberships gamma [N, K]. */
  memberships(z: Tensor, training: boolean, rng?: Rng): Tensor {
    return this.estimation.forward(z, { training, rng });
  }

  /** The training objective on one batch. */
  loss(x: Tensor, training: boolean, rng?: Rng): DagmmLoss {
    if (this.encoderOnly) {
      // GMM-EN: lambda1 E + lambda2 P on the code alone.
      const z = this.compression.forward(x);
      const g = this.estimationTerms(z, this.memberships(z, training, rng));
      const energy = mean(g.perSample);
      const loss = add(scale(energy, this.lambdaEnergy), scale(g.covPenalty, this.lambdaCov));
      return { loss, recon: new Tensor(new Float32Array(1), []), energy, covPenalty: g.covPenalty, params: g.params };
    }
    const { z, stats } = this.forward(x);
    const gamma = this.memberships(z, training, rng);
    const g = this.estimationTerms(z, gamma);
    const recon = mean(slice(stats, 1, 3, 4));
    const energy = mean(g.perSample);
    const loss = add(add(recon, scale(energy, this.lambdaEnergy)), scale(g.covPenalty, this.lambdaCov));
    return { loss, recon, energy, covPenalty: g.covPenalty, params: g.params };
  }

  /** Per-sample estimation terms (energies, or their variational bounds) and the covariance penalty of a batch. */
  private estimationTerms(z: Tensor, gamma: Tensor): { perSample: Tensor; covPenalty: Tensor; params: GmmParams } {
    if (this.objective === 'variational-bound') {
      const b = gmmVariationalBound(z, gamma, { covEps: this.covEps });
      return { perSample: b.bound, covPenalty: b.covPenalty, params: b.params };
    }
    const g = gmmEnergyLoss(z, gamma, { covEps: this.covEps });
    return { perSample: g.energy, covPenalty: g.covPenalty, params: g.params };
  }
}

/**
 * GMM parameters over a whole data set (in batches, dropout off): what DAGMM scores with after training.
 */
export function fitGmmParams(net: DagmmNetwork, x: Float32Array, rows: number, batch = 8192): GmmParams {
  const parts: { z: Float32Array; gamma: Float32Array; n: number }[] = [];
  forEachBatchNoGrad(x, rows, net.inputSize, batch, (t) => {
    const z = net.latent(t);
    const gamma = net.memberships(z, false);
    parts.push({ z: z.data.slice(), gamma: gamma.data.slice(), n: t.rows });
  });
  return gmmParamsFromMemberships(parts, net.k, net.latentSize + net.features.length, { covEps: net.covEps });
}

/** Sample energies of one batch of rows into out (no gradients). */
export function scoreEnergyBatch(net: DagmmNetwork, params: GmmParams, t: Tensor, out: Float64Array): void {
  gmmEnergies(net.latent(t).data, t.rows, params, out);
}

/** Sample energies (higher = more anomalous) of every row under fixed GMM parameters. */
export function scoreEnergies(net: DagmmNetwork, params: GmmParams, x: Float32Array, rows: number, batch = 8192,
  out = new Float64Array(rows)): Float64Array {
  forEachBatchNoGrad(x, rows, net.inputSize, batch, (t, start) => scoreEnergyBatch(net, params, t, out.subarray(start, start + t.rows)));
  return out;
}
