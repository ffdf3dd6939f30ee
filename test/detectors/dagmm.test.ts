import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Adam } from '../../src/engine/optim.js';
import { Rng } from '../../src/engine/rng.js';
import { Tape, Tensor } from '../../src/engine/tensor.js';
import { DagmmNetwork } from '../../src/detectors/dagmm/network.js';
import { PAPER_CONFIGS } from '../../src/detectors/dagmm/paper-configs.js';
import { trainDagmm } from '../../src/detectors/dagmm/train.js';

describe('DAGMM network', () => {
  it('one step: every parameter receives a non-zero gradient and changes (the loss is not detached)', () => {
    const net = new DagmmNetwork(PAPER_CONFIGS.thyroid, new Rng(1));
    const r = new Rng(2);
    const x = new Tensor(Float32Array.from({ length: 64 * 6 }, () => r.uniform()), [64, 6]);
    const before = net.parameters().map((p) => p.data.slice());
    const opt = new Adam(net.parameters(), { lr: 1e-4 });
    const tape = new Tape();
    const l = tape.record(() => net.loss(x, true, new Rng(3)));
    tape.backward(l.loss);
    net.parameters().forEach((p, i) => {
      assert.ok(p.grad && p.grad.some((g) => g !== 0), `parameter ${i} (shape [${p.shape.join(', ')}]) got no gradient`);
    });
    opt.step();
    net.parameters().forEach((p, i) => assert.notDeepEqual(p.data, before[i], `parameter ${i} did not change`));
  });
  it('loss = reconstruction + 0.1 energy + 0.005 penalty, as the paper', () => {
    const net = new DagmmNetwork(PAPER_CONFIGS.thyroid, new Rng(1));
    const r = new Rng(2);
    const x = new Tensor(Float32Array.from({ length: 32 * 6 }, () => r.uniform()), [32, 6]);
    const l = new Tape().record(() => net.loss(x, false));
    const expected = l.recon.item() + 0.1 * l.energy.item() + 0.005 * l.covPenalty.item();
    assert.ok(Math.abs(l.loss.item() - expected) < 1e-4 * Math.abs(expected));
  });
  it('rejects inconsistent configurations with clear messages', () => {
    const rng = new Rng(1);
    assert.throws(() => new DagmmNetwork({ compression: 'FC(6,3,tanh)-FC(3,5,none)', estimation: 'FC(5,2,softmax)' }, rng), /must reconstruct its input/);
    assert.throws(() => new DagmmNetwork({ compression: 'FC(6,3,tanh)-FC(3,1,none)-FC(1,6,none)', estimation: 'FC(4,2,softmax)' }, rng), /takes 4 inputs but z has 3/);
    assert.throws(() => new DagmmNetwork({ compression: 'FC(6,1,none)-FC(1,6,none)', estimation: 'FC(3,2,tanh)' }, rng), /must end in a softmax/);
  });
  it('training rejects non-finite data, naming the row and column', () => {
    const x = new Float32Array(20 * 6).fill(0.5);
    x[3 * 6 + 2] = NaN;
    assert.throws(() => trainDagmm(PAPER_CONFIGS.thyroid, x, 20, { epochs: 1, batchSize: 8, seed: 1 }), /row 3, column 2/);
  });
  it('training is deterministic for a seed', () => {
    const r = new Rng(4);
    const x = Float32Array.from({ length: 100 * 6 }, () => r.uniform());
    const a = trainDagmm(PAPER_CONFIGS.thyroid, x, 100, { epochs: 5, batchSize: 32, seed: 9 });
    const b = trainDagmm(PAPER_CONFIGS.thyroid, x, 100, { epochs: 5, batchSize: 32, seed: 9 });
    a.net.parameters().forEach((p, i) => assert.deepEqual(p.data, b.net.parameters()[i].data));
    assert.deepEqual(a.gmm.mu, b.gmm.mu);
  });
});
