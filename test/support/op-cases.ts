/** Every differentiable op with small seeded inputs: shared by the gradient checks and the backend agreement test. */
import * as op from '../../src/engine/ops/index.js';
import { Rng } from '../../src/engine/rng.js';
import { tensor, type Tensor } from '../../src/engine/tensor.js';
import { gmmEnergyLoss } from '../../src/gmm/gmm.js';
import { latentWithFeatures } from '../../src/detectors/dagmm/features.js';
import { randomData } from './gradcheck.js';

const M = (rows: number, cols: number, seed: number, lo = -1, hi = 1, avoid?: number) =>
  ({ data: randomData(rows * cols, seed, lo, hi, avoid), shape: [rows, cols] });
const V = (n: number, seed: number, lo = -1, hi = 1) => ({ data: randomData(n, seed, lo, hi), shape: [n] });

/** A symmetric positive-definite batch built from B: A = B B^T + 0.5 I, so the check perturbs B. */
function spd(b: Tensor, d: number): Tensor {
  const batch = b.size / (d * d);
  const mats: Tensor[] = [];
  const flat = op.reshape(b, [b.size]);
  for (let q = 0; q < batch; q++) {
    const bq = op.reshape(op.slice(flat, 0, q * d * d, (q + 1) * d * d), [d, d]);
    const eye = new Float32Array(d * d);
    for (let i = 0; i < d; i++) eye[i * d + i] = 0.5;
    mats.push(op.add(op.matmul(bq, bq, false, true), tensor(eye, [d, d])));
  }
  return op.reshape(op.concat(mats.map((m) => op.reshape(m, [1, d * d])), 0), [batch, d, d]);
}

function freshStats(n: number): op.BatchNormStats {
  return { runningMean: new Float32Array(n), runningVar: new Float32Array(n).fill(1) };
}

export type OpCase = [string, (xs: Tensor[]) => Tensor, { data: number[]; shape: number[] }[], object?];

export const opCases: OpCase[] = [
  ['add', ([a, b]) => op.add(a, b), [M(3, 4, 1), M(3, 4, 2)]],
  ['add row broadcast', ([a, b]) => op.add(a, b), [M(3, 4, 1), V(4, 2)]],
  ['sub column broadcast', ([a, b]) => op.sub(a, b), [M(3, 4, 1), M(3, 1, 2)]],
  ['mul broadcast both', ([a, b]) => op.mul(a, b), [M(3, 1, 1), M(1, 4, 2)]],
  ['div', ([a, b]) => op.div(a, b), [M(3, 4, 1), M(3, 4, 2, 0.5, 2)]],
  ['div by row', ([a, b]) => op.div(a, b), [M(3, 4, 1), V(4, 2, 0.5, 2)]],
  // The index-free paths for an operand repeated as a block (arithmetic.ts): each op with the block on either side.
  ['add row broadcast on the left', ([a, b]) => op.add(a, b), [V(4, 2), M(3, 4, 1)]],
  ['sub [1, d] row on the left', ([a, b]) => op.sub(a, b), [M(1, 4, 2), M(3, 4, 1)]],
  ['sub row broadcast', ([a, b]) => op.sub(a, b), [M(3, 4, 1), M(1, 4, 2)]],
  ['mul by row', ([a, b]) => op.mul(a, b), [M(3, 4, 1), V(4, 2)]],
  ['mul row on the left', ([a, b]) => op.mul(a, b), [V(4, 2), M(3, 4, 1)]],
  ['mul by [1, 1] block', ([a, b]) => op.mul(a, b), [M(3, 4, 1), M(1, 1, 2)]],
  ['div by a rank-3 block', ([a, b]) => op.div(a, b), [{ data: randomData(24, 1, -1, 1), shape: [2, 3, 4] }, M(3, 4, 2, 0.5, 2)]],
  ['mul by scalar number', ([a]) => op.mul(a, 2.5), [M(2, 3, 1)]],
  ['addBias', ([a, b]) => op.addBias(a, b), [M(5, 3, 1), V(3, 2)]],
  ['scale', ([a]) => op.scale(a, -1.7), [M(2, 3, 1)]],
  ['neg', ([a]) => op.neg(a), [M(2, 3, 1)]],
  ['exp', ([a]) => op.exp(a), [M(3, 3, 1)]],
  ['log', ([a]) => op.log(a), [M(3, 3, 1, 0.2, 3)]],
  ['sqrt', ([a]) => op.sqrt(a), [M(3, 3, 1, 0.2, 3)]],
  ['square', ([a]) => op.square(a), [M(3, 3, 1)]],
  ['abs', ([a]) => op.abs(a), [M(3, 3, 1, -1, 1, 0)]],
  ['reciprocal', ([a]) => op.reciprocal(a), [M(3, 3, 1, 0.5, 2)]],
  ['pow', ([a]) => op.pow(a, 1.5), [M(3, 3, 1, 0.2, 2)]],
  ['clampMin', ([a]) => op.clampMin(a, 0.1), [M(3, 3, 1, -1, 1, 0.1)]],
  ['tanh', ([a]) => op.tanh(a), [M(4, 5, 1, -3, 3)]],
  ['sigmoid', ([a]) => op.sigmoid(a), [M(4, 5, 1, -5, 5)]],
  ['relu', ([a]) => op.relu(a), [M(4, 5, 1, -1, 1, 0)]],
  ['leakyRelu', ([a]) => op.leakyRelu(a, 0.2), [M(4, 5, 1, -1, 1, 0)]],
  ['softplus', ([a]) => op.softplus(a), [M(4, 5, 1, -6, 6)]],
  ['softmax', ([a]) => op.softmax(a), [M(4, 5, 1, -2, 2)]],
  ['logSoftmax', ([a]) => op.logSoftmax(a), [M(4, 5, 1, -2, 2)]],
  ['logSumExp', ([a]) => op.logSumExp(a), [M(4, 5, 1, -2, 2)]],
  ['sum all', ([a]) => op.sum(a), [M(3, 4, 1)]],
  ['sum axis 0', ([a]) => op.sum(a, 0), [M(3, 4, 1)]],
  ['sum axis 1 keepDims', ([a]) => op.sum(a, 1, true), [M(3, 4, 1)]],
  ['mean axis 1', ([a]) => op.mean(a, 1), [M(3, 4, 1)]],
  ['mean all', ([a]) => op.mean(a), [M(3, 4, 1)]],
  ['max axis 1', ([a]) => op.max(a, 1), [M(3, 4, 1)]],
  ['norm axis 1', ([a]) => op.norm(a, 1), [M(3, 4, 1)]],
  ['norm all', ([a]) => op.norm(a), [M(3, 4, 1)]],
  ['unitNormalize axis 1', ([a]) => op.unitNormalize(a, 1), [M(3, 4, 2)]],
  ['unitNormalize middle axis of [2, 3, 4]', ([a]) => op.unitNormalize(op.reshape(a, [2, 3, 4]), 1), [M(6, 4, 3)]],
  ['unitNormalize axis 0', ([a]) => op.unitNormalize(a, 0), [M(3, 4, 4)]],
  ['matmul', ([a, b]) => op.matmul(a, b), [M(3, 4, 1), M(4, 5, 2)]],
  ['matmul transA', ([a, b]) => op.matmul(a, b, true, false), [M(4, 3, 1), M(4, 5, 2)]],
  ['matmul transB', ([a, b]) => op.matmul(a, b, false, true), [M(3, 4, 1), M(5, 4, 2)]],
  ['matmul transA transB', ([a, b]) => op.matmul(a, b, true, true), [M(4, 3, 1), M(5, 4, 2)]],
  ['dense none', ([x, w, b]) => op.dense(x, w, b, 'none'), [M(6, 4, 1), M(4, 3, 2), V(3, 3)]],
  ['dense tanh', ([x, w, b]) => op.dense(x, w, b, 'tanh'), [M(6, 4, 1), M(4, 3, 2), V(3, 3)]],
  ['dense sigmoid', ([x, w, b]) => op.dense(x, w, b, 'sigmoid'), [M(6, 4, 1), M(4, 3, 2), V(3, 3)]],
  ['dense softplus', ([x, w, b]) => op.dense(x, w, b, 'softplus'), [M(6, 4, 1), M(4, 3, 2), V(3, 3)]],
  ['dense relu', ([x, w]) => op.dense(x, w, null, 'relu'), [M(6, 4, 1), M(4, 3, 2)]],
  ['dense leakyRelu', ([x, w, b]) => op.dense(x, w, b, 'leakyRelu', 0.1), [M(6, 4, 1), M(4, 3, 2), V(3, 3)]],
  ['dense input reused', ([x, w, b]) => op.add(op.dense(x, w, b, 'tanh'), op.dense(x, w, b, 'none')), [M(5, 3, 1), M(3, 3, 2), V(3, 3)]],
  ['denseStack (all outputs used)', ([x, w1, b1, w2, w3, b3]) => {
    const outs = op.denseStack(x, [{ w: w1, b: b1, act: 'tanh' }, { w: w2, b: null, act: 'none' }, { w: w3, b: b3, act: 'sigmoid' }]);
    return op.concat([outs[0], op.square(outs[1]), outs[2]], 1);
  }, [M(7, 4, 1), M(4, 3, 2), V(3, 3), M(3, 2, 4), M(2, 5, 5), V(5, 6)]],
  ['denseStack (top output only)', ([x, w1, b1, w2, b2]) => op.denseStack(x, [{ w: w1, b: b1, act: 'softplus' }, { w: w2, b: b2, act: 'leakyRelu' }], 0.1)[1],
    [M(5, 3, 1), M(3, 4, 2), V(4, 3), M(4, 2, 4), V(2, 5)]],
  ['denseStack (bottleneck output only)', ([x, w1, b1, w2, b2]) => op.denseStack(x, [{ w: w1, b: b1, act: 'tanh' }, { w: w2, b: b2, act: 'tanh' }])[0],
    [M(5, 3, 1), M(3, 4, 2), V(4, 3), M(4, 2, 4), V(2, 5)]],
  ['denseStack (caller overwrites the returned array)', ([x, w1, w2]) => {
    const outs = op.denseStack(x, [{ w: w1, b: null, act: 'tanh' }, { w: w2, b: null, act: 'none' }]);
    outs[1] = op.softmax(outs[1]);
    return op.mul(outs[1], outs[0]);
  }, [M(5, 3, 1), M(3, 4, 2), M(4, 4, 3)]],
  ['reshape', ([a]) => op.mul(op.reshape(a, [4, 3]), op.reshape(a, [4, 3])), [M(3, 4, 1)]],
  ['concat axis 1', ([a, b]) => op.square(op.concat([a, b], 1)), [M(3, 2, 1), M(3, 4, 2)]],
  ['concat axis 0', ([a, b]) => op.square(op.concat([a, b], 0)), [M(2, 3, 1), M(4, 3, 2)]],
  ['slice columns', ([a]) => op.square(op.slice(a, 1, 1, 3)), [M(3, 4, 1)]],
  ['slice rows', ([a]) => op.square(op.slice(a, 0, 1, 3)), [M(4, 3, 1)]],
  ['transpose', ([a, b]) => op.mul(op.transpose(a), b), [M(3, 4, 1), M(4, 3, 2)]],
  ['dropout (fixed mask)', ([a]) => op.dropout(a, 0.5, new Rng(3)), [M(4, 5, 1)]],
  ['mse', ([a, b]) => op.mse(a, b), [M(3, 4, 1), M(3, 4, 2)]],
  ['bce', ([p, t]) => op.bce(op.sigmoid(p), t), [M(3, 4, 1), M(3, 4, 2, 0, 1)]],
  ['bceWithLogits', ([p, t]) => op.bceWithLogits(p, t), [M(3, 4, 1, -4, 4), M(3, 4, 2, 0, 1)]],
  ['rowPairStats', ([a, b]) => op.rowPairStats(a, b), [M(5, 7, 1), M(5, 7, 2)]],
  ['cholesky', ([b]) => op.cholesky(spd(b, 3)), [M(2, 9, 1)]],
  ['triangularSolve', ([b, y]) => op.triangularSolve(op.cholesky(spd(b, 3)), op.reshape(y, [2, 3, 2])), [M(2, 9, 1), M(2, 6, 2)]],
  ['logDetFromCholesky', ([b]) => op.logDetFromCholesky(op.cholesky(spd(b, 3))), [M(2, 9, 1)]],
  ['logDet', ([b]) => op.logDet(spd(b, 4)), [M(1, 16, 1)]],
  ['diagonal', ([a]) => op.square(op.diagonal(op.reshape(a, [2, 3, 3]))), [M(2, 9, 1)]],
  ['latentWithFeatures', ([zc, a, b]) => latentWithFeatures(zc, op.rowPairStats(a, b), ['relative-euclidean', 'cosine']), [M(6, 2, 3), M(6, 5, 1), M(6, 5, 2)]],
  ['latentWithFeatures (cosine only)', ([zc, a, b]) => latentWithFeatures(zc, op.rowPairStats(a, b), ['cosine']), [M(6, 1, 3), M(6, 5, 1), M(6, 5, 2)]],
  ['denseStack leakyRelu slope 0.2', ([x, w1, b1, w2]) => op.denseStack(x, [{ w: w1, b: b1, act: 'leakyRelu' }, { w: w2, b: null, act: 'leakyRelu' }], 0.2)[1],
    [M(5, 3, 1), M(3, 4, 2), V(4, 3), M(4, 2, 4)]],
  ['batchNorm train', ([x, g, b]) => op.batchNorm(x, g, b, freshStats(3), { training: true }), [M(6, 3, 1), V(3, 2, 0.5, 2), V(3, 3)]],
  ['batchNorm train, no affine, tiny variance', ([x]) => op.batchNorm(x, null, null, freshStats(4), { training: true, eps: 1e-3 }),
    [M(5, 4, 1, -0.2, 0.2)], { rtol: 3e-2 }],
  ['batchNorm eval', ([x, g, b]) => op.batchNorm(x, g, b, { runningMean: Float32Array.from([0.3, -0.2, 1]), runningVar: Float32Array.from([0.5, 2, 1.5]) },
    { training: false }), [M(4, 3, 1), V(3, 2, 0.5, 2), V(3, 3)]],
  ['gaussianKl against N(0, I)', ([mu, lv]) => op.gaussianKl(mu, lv), [M(4, 3, 1), M(4, 3, 2, -2, 1)]],
  ['gaussianKl between two Gaussians', ([mu, lv, mu2, lv2]) => op.gaussianKl(mu, lv, mu2, lv2),
    [M(4, 3, 1), M(4, 3, 2, -2, 1), M(4, 3, 3), M(4, 3, 4, -1, 1)]],
  ['reparameterize (fixed noise)', ([mu, lv]) => op.reparameterize(mu, lv, new Rng(11)), [M(4, 3, 1), M(4, 3, 2, -2, 1)]],
  ['activationSlope tanh', ([a]) => op.activationSlope(op.tanh(a), 'tanh'), [M(3, 4, 1, -2, 2)]],
  ['activationSlope sigmoid', ([a]) => op.activationSlope(op.sigmoid(a), 'sigmoid'), [M(3, 4, 1, -3, 3)]],
  ['activationSlope softplus', ([a]) => op.activationSlope(op.softplus(a), 'softplus'), [M(3, 4, 1, -3, 3)]],
  ['activationSlope leakyRelu (constant pieces)', ([a]) => op.mul(op.activationSlope(op.leakyRelu(a, 0.2), 'leakyRelu', 0.2), a),
    [M(3, 4, 1, -1, 1, 0)]],
  ['mlpJacobian (3 layers)', ([x, w1, b1, w2, b2, w3]) => op.mlpJacobian(x, [{ w: w1, b: b1, act: 'tanh' }, { w: w2, b: b2, act: 'softplus' },
    { w: w3, b: null, act: 'sigmoid' }]), [M(4, 3, 1), M(3, 5, 2), V(5, 3), M(5, 4, 4), V(4, 5), M(4, 2, 6)]],
  ['contractivePenalty reverse mode', ([x, w1, b1, w2, b2]) => op.contractivePenalty(x, [{ w: w1, b: b1, act: 'tanh' }, { w: w2, b: b2, act: 'sigmoid' }], 0.01, 'reverse'),
    [M(5, 4, 1), M(4, 3, 2), V(3, 3), M(3, 2, 4), V(2, 5)]],
  ['contractivePenalty forward mode', ([x, w1, b1, w2, b2]) => op.contractivePenalty(x, [{ w: w1, b: b1, act: 'tanh' }, { w: w2, b: b2, act: 'none' }], 0.01, 'forward'),
    [M(5, 2, 1), M(2, 4, 2), V(4, 3), M(4, 3, 4), V(3, 5)]],
  ['gradient penalty of a one-output critic: (||d D / d x|| - 1)^2', ([x, w1, b1, w2]) => op.square(op.sub(op.norm(op.reshape(
    op.mlpJacobian(x, [{ w: w1, b: b1, act: 'leakyRelu' }, { w: w2, b: null, act: 'none' }], 0.2), [4, 3]), 1), 1)),
  [M(4, 3, 1), M(3, 5, 2), V(5, 3), M(5, 1, 4)]],
  ['gmmEnergyLoss energy', ([z, l]) => gmmEnergyLoss(z, op.softmax(l)).energy, [M(12, 3, 1), M(12, 2, 2, -2, 2)], { rtol: 3e-2 }],
  ['gmmEnergyLoss penalty', ([z, l]) => gmmEnergyLoss(z, op.softmax(l)).covPenalty, [M(12, 3, 1), M(12, 2, 2, -2, 2)], { rtol: 3e-2 }],
  ['gmmEnergyLoss K=3 D=2', ([z, l]) => op.add(op.mean(gmmEnergyLoss(z, op.softmax(l)).energy), op.scale(gmmEnergyLoss(z, op.softmax(l)).covPenalty, 0.01)),
    [M(16, 2, 3), M(16, 3, 4, -2, 2)], { rtol: 3e-2 }],
];

