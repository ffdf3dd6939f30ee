/**
 * Isolation forest: Liu, Ting & Zhou, "Isolation Forest", ICDM 2008. Anomalies are few and different, so
 * random axis-parallel splits isolate them in fewer steps: each tree is grown on a subsample of psi rows with
 * a random feature and a uniform random threshold per node, up to the height limit ceil(log2 psi); a row's
 * path length h(x) is the depth of the leaf it reaches plus c(leaf size) for the rows the leaf still holds.
 * Score = 2^(-E[h(x)] / c(psi)) as in the paper (in (0, 1], higher = more anomalous; scikit-learn's
 * score_samples is its negative).
 *
 * Defaults and conventions are scikit-learn's IsolationForest (1.2): 100 trees, max_samples 'auto' =
 * min(256, rows), max_features 1.0, no bootstrap, c(n) with H(i) ~ ln(i) + Euler's gamma (c(1) = 0, c(2) = 1),
 * features with a range <= 1e-7 in a node are not split on, x <= threshold goes left. Trees differ from
 * scikit-learn's (another random generator); scores agree in distribution (see the tests).
 */
import * as z from '../../zod.js';
import type { NamedTensor } from '../../io/model-file.js';
import type { DetectorModel, MatrixContext } from '../detector.js';
import { Detector } from '../detector.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { checkForest, growForest, heightLimit, isolationScores, leafPathLengths, type Forest } from './forest.js';

export const IforestParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  nEstimators: z._default(z.number().check(z.int(), z.minimum(1)), 100)
    .check(z.describe('trees in the forest (scikit-learn\'s n_estimators)')),
  maxSamples: z._default(z.union([z.literal('auto'), z.number().check(z.int(), z.minimum(2)), z.number().check(z.gt(0), z.lt(1))]), 'auto')
    .check(z.describe('rows per tree (psi): auto = min(256, training rows); an integer >= 2 = that many rows (at most the training rows); a fraction in (0, 1) = that share of the training rows (scikit-learn\'s max_samples)')),
  maxFeatures: z._default(z.number().check(z.gt(0), z.lte(1)), 1)
    .check(z.describe('share of the features each tree may split on, drawn per tree: max(1, floor(share x features)) (scikit-learn\'s max_features as a float)')),
  bootstrap: z._default(z.boolean(), false)
    .check(z.describe('draw each tree\'s rows with replacement (scikit-learn\'s bootstrap)')),
});
export type IforestParams = z.infer<typeof IforestParamsSchema>;

export interface IforestResolvedConfig {
  nEstimators: number;
  /** Rows per tree (psi). */
  maxSamples: number;
  /** Features per tree. */
  maxFeatures: number;
  /** Height limit ceil(log2 psi). */
  maxDepth: number;
  bootstrap: boolean;
  /** Nodes in all trees. */
  nodes: number;
}

/** psi from the parameter and the training rows, as scikit-learn resolves max_samples (but never below 2). */
export function resolveMaxSamples(p: IforestParams['maxSamples'], rows: number): number {
  if (p === 'auto') return Math.min(256, rows);
  // At least 2: a one-row tree has c(1) = 0 and no path to normalise by.
  if (p < 1) return Math.min(rows, Math.max(2, Math.floor(p * rows)));
  return Math.min(p, rows);
}

const NODE_TENSORS = ['feature', 'threshold', 'left', 'right', 'size'] as const;

export class IsolationForestDetector extends Detector<IforestParams> {
  readonly name = 'iforest';
  readonly scoreName = 'isolation score 2^(-E[h(x)]/c(psi))';
  private forest: Forest | null = null;
  private leafLength: Float64Array | null = null;
  private cfg: IforestResolvedConfig | null = null;

  constructor(params: z.input<typeof IforestParamsSchema> = {}) {
    super(parseParams('iforest', IforestParamsSchema, params));
  }

  /** The fitted trees as flat arrays. */
  get trees(): Forest | null { return this.forest; }

  resolvedConfig(): Record<string, unknown> { return this.cfg ? { ...this.cfg } : {}; }

  protected fitMatrix(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number } {
    const p = this.params;
    const psi = resolveMaxSamples(p.maxSamples, rows);
    const features = Math.max(1, Math.floor(p.maxFeatures * cols));
    const forest = growForest(x, rows, cols, { trees: p.nEstimators, samples: psi, features, bootstrap: p.bootstrap, rng: ctx.rng.fork('iforest') });
    this.setForest(forest);
    this.cfg = { nEstimators: p.nEstimators, maxSamples: psi, maxFeatures: features, maxDepth: heightLimit(psi), bootstrap: p.bootstrap, nodes: forest.feature.length };
    return { steps: p.nEstimators };
  }

  private setForest(f: Forest): void {
    this.forest = f;
    this.leafLength = leafPathLengths(f);
  }

  protected scoreMatrix(x: Float32Array, rows: number, cols: number): Float64Array {
    if (!this.forest || !this.leafLength) throw new Error('iforest: the detector is not fitted');
    return isolationScores(this.forest, this.leafLength, x, rows, cols);
  }

  protected exportModel(): DetectorModel {
    return { config: { ...this.cfg! } as unknown as Record<string, unknown>, ...forestToModel(this.forest!, this.preprocessing.featureNames.length) };
  }

  protected importModel(model: DetectorModel, features: number): void {
    this.setForest(forestFromModel(model, features, 'iforest model'));
    this.cfg = model.config as unknown as IforestResolvedConfig;
  }
}

/** A forest as model-file state and tensors: the node arrays, the roots, and a hyperplane forest's normals [inner, cols]. */
export function forestToModel(f: Forest, cols: number): Omit<DetectorModel, 'config'> {
  const n = f.feature.length;
  const tensors: NamedTensor[] = [
    ...NODE_TENSORS.map((name) => ({ name, shape: [n], data: Float32Array.from(f[name]) })),
    { name: 'roots', shape: [f.roots.length], data: Float32Array.from(f.roots) },
  ];
  if (f.normals) tensors.push({ name: 'normals', shape: [f.normals.length / cols, cols], data: f.normals });
  return { state: { samples: f.samples }, tensors };
}

/**
 * Reads and checks what forestToModel wrote (checkForest); a hyperplane forest (`hyperplanes`) also needs its
 * normals [splits, features].
 */
export function forestFromModel(model: DetectorModel, features: number, what: string, hyperplanes = false): Forest {
  const samples = (model.state as { samples?: unknown }).samples;
  if (typeof samples !== 'number') throw new Error(`${what}: state.samples must be a number`);
  const get = (name: string): Float32Array => {
    const t = model.tensors.find((x) => x.name === name);
    if (!t || t.shape.length !== 1) throw new Error(`${what}: expected a one-dimensional tensor "${name}"`);
    return t.data;
  };
  const names = [...NODE_TENSORS, 'roots', ...(hyperplanes ? ['normals'] : [])];
  if (model.tensors.length !== names.length) throw new Error(`${what}: expected exactly the tensors ${names.join(', ')}`);
  const ints = (name: string): Int32Array => {
    const d = get(name);
    const bad = d.findIndex((v) => !Number.isInteger(v));
    if (bad >= 0) throw new Error(`${what}: tensor "${name}" holds ${d[bad]} at ${bad}, not an integer`);
    return Int32Array.from(d);
  };
  const forest: Forest = {
    feature: ints('feature'), threshold: get('threshold').slice(), left: ints('left'), right: ints('right'),
    size: ints('size'), roots: ints('roots'), samples,
  };
  if (hyperplanes) {
    const t = model.tensors.find((x) => x.name === 'normals');
    if (!t || t.shape.length !== 2 || t.shape[1] !== features) throw new Error(`${what}: expected a tensor "normals" of shape [splits, ${features}]`);
    forest.normals = t.data;
  }
  checkForest(forest, features, what);
  return forest;
}

registerDetector({
  name: 'iforest',
  summary: 'Isolation forest: random axis-parallel splits on subsamples of 256 rows; score = 2^(-mean path length / c(psi)), short paths = anomalies',
  paper: 'Liu, Ting & Zhou, ICDM 2008',
  paramsSchema: IforestParamsSchema,
  quickParams: {},
  untrainedControl: null,
  paperConfigs: {},
  create: (p) => new IsolationForestDetector(p),
});
