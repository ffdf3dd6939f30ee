/**
 * Extended isolation forest: Hariri, Carrasco Kind & Brunner, "Extended Isolation Forest", IEEE TKDE 33(4),
 * 2021. Isolation forest's axis-parallel cuts give its score map artefacts: bands of low scores along the
 * axes through dense regions ("ghost" clusters) and scores that depend on the direction from a cluster, not
 * only on the distance. EIF cuts each node by a random hyperplane instead: normal vector n ~ N(0, I) with all
 * but extensionLevel + 1 coordinates zeroed (chosen uniformly), through a point p drawn uniformly in the
 * bounding box of the node's rows; x goes left when (x - p) . n <= 0. Level 0 cuts along one axis (but, unlike
 * iforest, on any feature, constant ones included, and a cut may leave a side empty: the paper's Algorithm 2
 * does not redraw); the default, full extension (features - 1), gives the isotropic score maps of the paper.
 * Unlike iforest's, tilted cuts depend on the features' relative scales (the default minmax scaling puts every
 * feature on [0, 1]).
 *
 * Everything else is iforest's (src/detectors/iforest, one forest module): subsamples of psi = min(256, rows)
 * rows without replacement, 100 trees, height limit ceil(log2 psi), path length = depth + c(leaf rows), score
 * 2^(-E[h(x)] / c(psi)) (higher = more anomalous). An own name rather than an iforest option: its model holds
 * hyperplanes, its default differs from iforest's scikit-learn semantics, and benchmarks list it separately.
 */
import * as z from '../../zod.js';
import type { DetectorModel, MatrixContext } from '../detector.js';
import { Detector } from '../detector.js';
import { forestFromModel, forestToModel, IforestParamsSchema, resolveMaxSamples } from '../iforest/detector.js';
import { growForest, heightLimit, isolationScores, leafPathLengths, type Forest } from '../iforest/forest.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';

export const EifParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  nEstimators: IforestParamsSchema.shape.nEstimators,
  maxSamples: IforestParamsSchema.shape.maxSamples,
  extensionLevel: z._default(z.union([z.literal('full'), z.number().check(z.int(), z.minimum(0))]), 'full')
    .check(z.describe('non-zero coordinates of each cut\'s normal vector minus one: 0 = cuts along one feature, full = features - 1 (every coordinate; the paper\'s fully extended forest); at most features - 1')),
});
export type EifParams = z.infer<typeof EifParamsSchema>;

export interface EifResolvedConfig {
  nEstimators: number;
  /** Rows per tree (psi). */
  maxSamples: number;
  extensionLevel: number;
  /** Height limit ceil(log2 psi). */
  maxDepth: number;
  /** Nodes in all trees. */
  nodes: number;
}

export class ExtendedIsolationForestDetector extends Detector<EifParams> {
  readonly name = 'eif';
  readonly scoreName = 'isolation score 2^(-E[h(x)]/c(psi)) over hyperplane cuts';
  private forest: Forest | null = null;
  private leafLength: Float64Array | null = null;
  private cfg: EifResolvedConfig | null = null;

  constructor(params: z.input<typeof EifParamsSchema> = {}) {
    super(parseParams('eif', EifParamsSchema, params));
  }

  /** The fitted trees as flat arrays (normals: one row per inner node). */
  get trees(): Forest | null { return this.forest; }

  resolvedConfig(): Record<string, unknown> { return this.cfg ? { ...this.cfg } : {}; }

  protected fitMatrix(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number } {
    const p = this.params;
    const level = p.extensionLevel === 'full' ? cols - 1 : p.extensionLevel;
    if (level > cols - 1) throw new Error(`eif: extensionLevel ${level} needs at least ${level + 1} features; the data has ${cols} (use at most ${cols - 1}, or 'full')`);
    const psi = resolveMaxSamples(p.maxSamples, rows);
    const forest = growForest(x, rows, cols, { trees: p.nEstimators, samples: psi, features: cols, bootstrap: false, rng: ctx.rng.fork('eif'), extensionLevel: level });
    this.setForest(forest);
    this.cfg = { nEstimators: p.nEstimators, maxSamples: psi, extensionLevel: level, maxDepth: heightLimit(psi), nodes: forest.feature.length };
    return { steps: p.nEstimators };
  }

  private setForest(f: Forest): void {
    this.forest = f;
    this.leafLength = leafPathLengths(f);
  }

  protected scoreMatrix(x: Float32Array, rows: number, cols: number): Float64Array {
    if (!this.forest || !this.leafLength) throw new Error('eif: the detector is not fitted');
    return isolationScores(this.forest, this.leafLength, x, rows, cols);
  }

  protected exportModel(): DetectorModel {
    return { config: { ...this.cfg! } as unknown as Record<string, unknown>, ...forestToModel(this.forest!, this.preprocessing.featureNames.length) };
  }

  protected importModel(model: DetectorModel, features: number): void {
    this.setForest(forestFromModel(model, features, 'eif model', true));
    this.cfg = model.config as unknown as EifResolvedConfig;
  }
}

registerDetector({
  name: 'eif',
  summary: 'Extended isolation forest: isolation trees cut by random hyperplanes (normal ~ N(0, I), through a uniform point of the node\'s bounding box) instead of axis-parallel splits; same score as iforest, without its axis-aligned artefacts',
  paper: 'Hariri, Carrasco Kind & Brunner, IEEE TKDE 2021',
  paramsSchema: EifParamsSchema,
  quickParams: {},
  untrainedControl: null,
  paperConfigs: {},
  create: (p) => new ExtendedIsolationForestDetector(p),
});
