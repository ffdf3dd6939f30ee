import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { formatNetworkSpec, parseNetworkSpec } from '../../src/nn/spec.js';
import { Mlp } from '../../src/nn/mlp.js';
import { Rng } from '../../src/engine/rng.js';
import { tensor } from '../../src/engine/tensor.js';
import { withKernels } from '../../src/engine/backend/index.js';
import { availableBackends } from '../support/backends.js';

describe('network spec notation', () => {
  it('parses every configuration of the DAGMM paper (shared reference)', () => {
    const path = new URL('../../../../shared/reference/dagmm-paper.json', import.meta.url);
    let ref: { dagmm_config: Record<string, { compression?: string; estimation?: string }> };
    try { ref = JSON.parse(readFileSync(path, 'utf8')); } catch { return; }
    for (const [name, cfg] of Object.entries(ref.dagmm_config)) {
      if (cfg.compression?.startsWith('FC')) assert.ok(parseNetworkSpec(cfg.compression).length > 1, name);
      if (cfg.estimation) assert.ok(parseNetworkSpec(cfg.estimation).length === 3, name);
    }
  });
  it('reads layers, activations and dropout', () => {
    const l = parseNetworkSpec('FC(3,10,tanh)-Drop(0.5)-FC(10,4,softmax)');
    assert.deepEqual(l, [
      { kind: 'dense', in: 3, out: 10, activation: 'tanh' },
      { kind: 'dropout', p: 0.5 },
      { kind: 'dense', in: 10, out: 4, activation: 'softmax' },
    ]);
    assert.deepEqual(parseNetworkSpec('FC(4,1,none)')[0], { kind: 'dense', in: 4, out: 1, activation: 'none' });
    assert.deepEqual(parseNetworkSpec('Drop(0.8)-FC(2,2)')[0], { kind: 'dropout', p: 1 - 0.8 });
    assert.deepEqual(parseNetworkSpec('Drop(0.2)-FC(2,2)', { dropMeans: 'drop' })[0], { kind: 'dropout', p: 0.2 });
  });
  it('round-trips through formatNetworkSpec', () => {
    const s = 'FC(120,60,tanh)-FC(60,30,tanh)-FC(30,10,tanh)-FC(10,1,none)-FC(1,10,tanh)-FC(10,30,tanh)-FC(30,60,tanh)-FC(60,120,none)';
    assert.equal(formatNetworkSpec(parseNetworkSpec(s)), s);
  });
  it('names the problem in malformed specs', () => {
    assert.throws(() => parseNetworkSpec(''), /empty/);
    assert.throws(() => parseNetworkSpec('FC(3,10,tanh)-FC(9,2)'), /takes 9 inputs but the previous layer gives 10/);
    assert.throws(() => parseNetworkSpec('FC(3,10,swish)'), /unknown activation "swish"/);
    assert.throws(() => parseNetworkSpec('FC(3,0)'), /non-positive/);
    assert.throws(() => parseNetworkSpec('FC(3,4)+FC(4,2)'), /expected "-"/);
    assert.throws(() => parseNetworkSpec('Conv(3,4)'), /cannot read a layer at "Conv/);
    assert.throws(() => parseNetworkSpec('Drop(1.5)'), /probability/);
    assert.throws(() => parseNetworkSpec('Drop(0.5)'), /no FC layer/);
  });
});

describe('Mlp', () => {
  it('computes the documented forward pass (tanh then softmax)', () => {
    const mlp = new Mlp('FC(2,2,tanh)-FC(2,2,softmax)', 'glorot-uniform', new Rng(1));
    mlp.weights[0].data.set([1, 0, 0, 1]); mlp.biases[0].data.set([0, 0]);
    mlp.weights[1].data.set([1, -1, 0, 0]); mlp.biases[1].data.set([0, 0]);
    const y = mlp.forward(tensor([0.5, 2], [1, 2]));
    const h = Math.tanh(0.5);
    const e0 = Math.exp(h), e1 = Math.exp(-h);
    assert.ok(Math.abs(y.data[0] - e0 / (e0 + e1)) < 1e-6);
  });
  it('initialises deterministically from the rng and in Glorot range', () => {
    const a = new Mlp('FC(10,20,tanh)', 'glorot-uniform', new Rng(3));
    const b = new Mlp('FC(10,20,tanh)', 'glorot-uniform', new Rng(3));
    assert.deepEqual(a.weights[0].data, b.weights[0].data);
    const lim = Math.sqrt(6 / 30);
    assert.ok(Array.from(a.weights[0].data).every((v) => Math.abs(v) <= lim));
  });
  it('refuses wrong input widths and dropout without an rng', () => {
    const m = new Mlp('FC(3,2,tanh)-Drop(0.5)-FC(2,1)', 'glorot-uniform', new Rng(1));
    assert.throws(() => m.forward(tensor([1, 2], [1, 2])), /expects 3 inputs, got 2/);
    assert.throws(() => m.forward(tensor([1, 2, 3], [1, 3]), { training: true }), /needs an rng/);
  });
});

describe('leaky ReLU slopes in the notation', () => {
  it('leaky_relu keeps slope 0.01, lrelu defaults to 0.2, and both take an explicit slope', () => {
    const l = parseNetworkSpec('FC(3,4,leaky_relu)-FC(4,4,lrelu)-FC(4,2,lrelu(0.1))-FC(2,2,LeakyReLU(0.05))-FC(2,1,tanh)');
    assert.deepEqual(l.map((x) => (x.kind === 'dense' ? x.slope : -1)), [0.01, 0.2, 0.1, 0.05, undefined]);
    assert.equal(formatNetworkSpec(l), 'FC(3,4,leaky_relu)-FC(4,4,leaky_relu(0.2))-FC(4,2,leaky_relu(0.1))-FC(2,2,leaky_relu(0.05))-FC(2,1,tanh)');
    assert.deepEqual(parseNetworkSpec(formatNetworkSpec(l)), l);
  });
  it('names a bad slope or an argument to an activation without one', () => {
    assert.throws(() => parseNetworkSpec('FC(3,4,lrelu(x))'), /slope "x" in FC\(3,4,lrelu\(x\)\) is not a number/);
    assert.throws(() => parseNetworkSpec('FC(3,4,lrelu())'), /slope "" .* is not a number/);
    assert.throws(() => parseNetworkSpec('FC(3,4,tanh(0.1))'), /"tanh" in FC\(3,4,tanh\(0.1\)\) takes no argument/);
  });
  for (const k of availableBackends()) {
    it(`Mlp applies each layer's slope on the ${k.name} backend (the same values on every backend)`, () => withKernels(k, () => {
      const mlp = new Mlp('FC(2,2,lrelu)-FC(2,2,lrelu)-FC(2,2,leaky_relu(0.5))', 'glorot-uniform', new Rng(1));
      for (const w of mlp.weights) w.data.set([1, 0, 0, 1]);
      for (const b of mlp.biases) b.data.fill(0);
      const y = mlp.forward(tensor([-1, 2, 3, -4], [2, 2]));
      // Negative inputs are scaled by 0.2 twice, then 0.5.
      // float32 slopes: agreement to float32 rounding, not bit for bit.
      const want = [-1 * 0.2 * 0.2 * 0.5, 2, 3, -4 * 0.2 * 0.2 * 0.5];
      want.forEach((v, i) => assert.ok(Math.abs(y.data[i] - v) <= 1e-7 * (1 + Math.abs(v)), `${i}: ${y.data[i]} vs ${v}`));
    }));
  }
});

describe('Mlp.contractivePenalty', () => {
  it('is the penalty of its dense layers with their shared leaky slope', () => {
    const mlp = new Mlp('FC(2,2,lrelu)-Drop(0.5)-FC(2,1,none)', 'glorot-uniform', new Rng(1));
    mlp.weights[0].data.set([1, 0, 0, 1]); mlp.weights[1].data.set([2, 3]);
    for (const b of mlp.biases) b.data.fill(0);
    // x = (1, -1): unit 0 active (slope 1), unit 1 leaky (0.2): d out / d x = (2, 3 * 0.2).
    const p = mlp.contractivePenalty(tensor([1, -1], [1, 2]));
    assert.ok(Math.abs(p.data[0] - (4 + 0.36)) < 1e-5, `${p.data[0]}`);
  });
  it('refuses softmax layers and mixed slopes', () => {
    const x = tensor([1, 2], [1, 2]);
    assert.throws(() => new Mlp('FC(2,2,softmax)', 'glorot-uniform', new Rng(1)).contractivePenalty(x), /softmax/);
    assert.throws(() => new Mlp('FC(2,2,lrelu)-FC(2,2,leaky_relu)', 'glorot-uniform', new Rng(1)).contractivePenalty(x), /different slopes/);
  });
});
