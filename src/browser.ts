/** Browser entry: the engine and models on the TypeScript backend; no Node-only imports. */
export * from './engine/index.js';
export { Mlp } from './nn/mlp.js';
export { parseNetworkSpec, formatNetworkSpec, type LayerSpec } from './nn/spec.js';
export { initDense, type InitScheme } from './nn/init.js';
export * as gmm from './gmm/gmm.js';
export { DagmmNetwork, type DagmmNetworkConfig } from './detectors/dagmm/network.js';
