/** The engine's public surface: tensors, tape, ops, optimizers, RNG, backends. No Node-only imports. */
export { Tensor, Tape, tensor, zeros, fromRows, parameter, shapeSize, type Shape } from './tensor.js';
export * as ops from './ops/index.js';
export * from './ops/index.js';
export { Adam, Sgd, Rmsprop, clipGradNorm, type Optimizer, type OptimizerState, type AdamOptions, type SgdOptions, type RmspropOptions } from './optim.js';
export { BatchNorm, type BatchNormLayerOptions, type NamedBuffer } from './batchnorm.js';
export { Rng } from './rng.js';
export { kernels, setKernels, withKernels, TsKernels, type Kernels } from './backend/index.js';
export { Act, type ActName } from './backend/kernels.js';
export * as linalg64 from './linalg64.js';
