/**
 * DAGMM as a detector: fit on rows, score rows by sample energy (higher = more anomalous), save and load.
 * The GMM parameters used for scoring are computed over the whole training set after training (in batches,
 * dropout off) and saved with the weights.
 */
import { Rng } from '../../engine/rng.js';
import { assertFiniteMatrix } from '../../engine/validate.js';
import { gmmParamsFromJSON, gmmParamsToJSON, type GmmParams } from '../../gmm/gmm.js';
import { DagmmNetwork, scoreEnergies, type DagmmNetworkConfig } from './network.js';
import { trainDagmm } from './train.js';

export interface DagmmOptions extends DagmmNetworkConfig {
  epochs: number;
  batchSize: number;
  learningRate?: number;
  seed: number;
}

export interface DagmmState {
  kind: 'dagmm';
  version: 1;
  options: DagmmOptions;
  /** Weights then bias of each dense layer, compression network first. */
  parameters: { shape: number[]; values: number[] }[];
  gmm: { k: number; d: number; phi: number[]; mu: number[]; cov: number[] };
  training: { steps: number; seconds: number; rows: number };
}

export class Dagmm {
  private net: DagmmNetwork | null = null;
  private gmm: GmmParams | null = null;
  private training = { steps: 0, seconds: 0, rows: 0 };

  constructor(readonly options: DagmmOptions) {}

  get network(): DagmmNetwork {
    if (!this.net) throw new Error('DAGMM: the model is not fitted yet (call fit or load a saved model)');
    return this.net;
  }

  get gmmParams(): GmmParams {
    if (!this.gmm) throw new Error('DAGMM: the model is not fitted yet (call fit or load a saved model)');
    return this.gmm;
  }

  fit(x: Float32Array, rows: number): this {
    const t = trainDagmm(this.options, x, rows, {
      epochs: this.options.epochs, batchSize: this.options.batchSize, learningRate: this.options.learningRate, seed: this.options.seed,
    });
    this.net = t.net; this.gmm = t.gmm;
    this.training = { steps: t.steps, seconds: t.seconds, rows };
    return this;
  }

  /** Sample energies, higher = more anomalous. */
  scoreSamples(x: Float32Array, rows: number): Float64Array {
    const net = this.network;
    assertFiniteMatrix(x, rows, net.inputSize, 'scoring data');
    return scoreEnergies(net, this.gmmParams, x, rows);
  }

  toJSON(): DagmmState {
    return {
      kind: 'dagmm', version: 1, options: this.options,
      parameters: this.network.parameters().map((p) => ({ shape: [...p.shape], values: Array.from(p.data) })),
      gmm: gmmParamsToJSON(this.gmmParams),
      training: this.training,
    };
  }

  static fromJSON(s: DagmmState): Dagmm {
    if (s.kind !== 'dagmm') throw new Error(`not a DAGMM model (kind "${String(s.kind)}")`);
    if (s.version !== 1) throw new Error(`DAGMM model version ${String(s.version)} is not supported (this library reads version 1)`);
    const m = new Dagmm(s.options);
    const net = new DagmmNetwork(s.options, new Rng(s.options.seed).fork('init'));
    const params = net.parameters();
    if (params.length !== s.parameters.length) throw new Error(`DAGMM model has ${s.parameters.length} parameter tensors, the configuration needs ${params.length}`);
    params.forEach((p, i) => {
      const saved = s.parameters[i];
      if (saved.values.length !== p.size || saved.shape.join(',') !== p.shape.join(',')) {
        throw new Error(`DAGMM model parameter ${i}: shape [${saved.shape.join(', ')}] does not match [${p.shape.join(', ')}]`);
      }
      p.data.set(saved.values);
    });
    m.net = net;
    m.gmm = gmmParamsFromJSON(s.gmm);
    m.training = s.training;
    return m;
  }
}
