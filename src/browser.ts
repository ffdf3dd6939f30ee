/** Browser entry: the engine and models on the TypeScript backend; no Node-only imports. */
export * from './engine/index.js';
export { Mlp } from './nn/mlp.js';
export { parseNetworkSpec, formatNetworkSpec, type LayerSpec } from './nn/spec.js';
export { initDense, type InitScheme } from './nn/init.js';
export * as gmm from './gmm/gmm.js';
export { DagmmNetwork, type DagmmNetworkConfig } from './detectors/dagmm/network.js';
export { Dagmm, type DagmmOptions, type DagmmState } from './detectors/dagmm/dagmm.js';
export { trainDagmm, type DagmmTrainOptions } from './detectors/dagmm/train.js';
export { scoreEnergies, fitGmmParams } from './detectors/dagmm/network.js';
export { PAPER_CONFIGS, PAPER_RESULTS, type PaperConfig } from './detectors/dagmm/paper-configs.js';
export { auroc, averagePrecision } from './metrics/ranking.js';
export { topKMetrics, flaggedCount } from './metrics/threshold.js';
export { parseNumericCsv } from './data/csv.js';
export { fitMinMax, applyMinMax } from './data/scaling.js';
