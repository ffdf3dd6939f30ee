/** Degenerate inputs: singular / indefinite covariances, zero rows, non-finite data. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cholesky } from '../../src/engine/ops/linalg.js';
import { choleskyJitter } from '../../src/engine/linalg64.js';
import { parameter, Tape, tensor } from '../../src/engine/tensor.js';
import { gmmEnergyLoss } from '../../src/gmm/gmm.js';
import { logSoftmax, logSumExp, softmax, sum } from '../../src/engine/ops/index.js';
import { DagmmNetwork } from '../../src/detectors/dagmm/network.js';
import { Rng } from '../../src/engine/rng.js';
import { assertFiniteMatrix } from '../../src/engine/validate.js';

describe('Cholesky with jitter', () => {
  it('factorises a positive-definite matrix without jitter', () => {
    const a = new Float64Array([4, 2, 2, 3]), l = new Float64Array(4);
    assert.equal(choleskyJitter(a, 0, 2, l, 0), 0);
    assert.deepEqual(Array.from(l), [2, 0, 1, Math.sqrt(2)]);
  });
  it('retries a singular matrix with growing diagonal jitter', () => {
    const a = new Float64Array([1, 1, 1, 1]), l = new Float64Array(4);
    const jitter = choleskyJitter(a, 0, 2, l, 0);
    assert.ok(jitter > 0 && jitter < 1e-3, `jitter ${jitter}`);
    // L L^T reproduces A + jitter I.
    assert.ok(Math.abs(l[0] * l[0] - (1 + jitter)) < 1e-12);
    assert.ok(Math.abs(l[2] * l[0] - 1) < 1e-12);
  });
  it('gives up on a clearly indefinite matrix with a clear error', () => {
    const a = new Float64Array([1, 0, 0, -5]), l = new Float64Array(4);
    assert.throws(() => choleskyJitter(a, 0, 2, l, 0), /not positive-definite/);
  });
  it('rejects NaN entries by name instead of returning NaN', () => {
    assert.throws(() => cholesky(tensor([1, NaN, NaN, 1], [2, 2])), /non-finite/);
  });
});

describe('GMM loss on degenerate batches', () => {
  it('identical latent rows (zero covariance) stay finite thanks to the diagonal term and jitter', () => {
    const z = parameter(new Float32Array(30).fill(0.5), [10, 3]);
    const logits = parameter(new Float32Array(20).map((_, i) => (i % 2) * 0.3), [10, 2]);
    const tape = new Tape();
    const r = tape.record(() => gmmEnergyLoss(z, softmax(logits), { covEps: 0 }));
    assert.ok(r.params.jitter.every((j) => j > 0), 'jitter was needed and applied');
    tape.backward(r.covPenalty);
    assert.ok(Array.from(r.energy.data).every(Number.isFinite));
    assert.ok(Array.from(z.grad!).every(Number.isFinite) && Array.from(logits.grad!).every(Number.isFinite));
  });
  it('NaN latent codes raise an error naming the row, never a silent NaN', () => {
    const zd = new Float32Array(30).map((_, i) => i / 30);
    zd[7] = NaN;
    const z = tensor(zd, [10, 3]);
    const gamma = tensor(new Float32Array(20).fill(0.5), [10, 2]);
    assert.throws(() => gmmEnergyLoss(z, gamma), /non-finite|not positive-definite/);
  });
});

describe('DAGMM network on all-zero rows', () => {
  it('loss and gradients stay finite when an input row is all zeros', () => {
    const net = new DagmmNetwork({
      compression: 'FC(4,3,tanh)-FC(3,1,none)-FC(1,3,tanh)-FC(3,4,none)',
      estimation: 'FC(3,5,tanh)-Drop(0.5)-FC(5,2,softmax)',
    }, new Rng(1));
    const x = new Float32Array(40).map((_, i) => ((i * 7) % 11) / 11);
    x.fill(0, 8, 12); // row 2
    const tape = new Tape();
    const l = tape.record(() => net.loss(tensor(x, [10, 4]), true, new Rng(2)));
    tape.backward(l.loss);
    assert.ok(Number.isFinite(l.loss.item()));
    for (const p of net.parameters()) assert.ok(Array.from(p.grad!).every(Number.isFinite));
  });
});

describe('input validation', () => {
  it('names the row and column of a non-finite value', () => {
    const x = new Float32Array(12);
    x[7] = Infinity;
    assert.throws(() => assertFiniteMatrix(x, 3, 4, 'training data'), /training data has a non-finite value \(Infinity\) at row 1, column 3/);
    x[7] = NaN;
    assert.throws(() => assertFiniteMatrix(x, 3, 4, 'training data'), /\(NaN\) at row 1, column 3/);
  });
  it('accepts finite data', () => {
    assert.doesNotThrow(() => assertFiniteMatrix(new Float32Array(12), 3, 4, 'x'));
  });
});

describe('reductions over an empty last axis', () => {
  it('keep their rows: logSumExp of no values is -Infinity, a sum 0, softmax and log-softmax empty', () => {
    const x = tensor(new Float32Array(0), [3, 0]);
    assert.deepEqual(Array.from(logSumExp(x).data), [-Infinity, -Infinity, -Infinity]);
    assert.deepEqual(Array.from(sum(x, 1).data), [0, 0, 0]);
    assert.deepEqual(logSoftmax(x).shape, [3, 0]);
    assert.deepEqual(softmax(x).shape, [3, 0]);
  });
});
