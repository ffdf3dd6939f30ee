/** Greedy layer-wise pretraining (src/detectors/deep/pretrain.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { Tensor } from '../../src/engine/tensor.js';
import { denseLayersOf, mirroredPairs, pretrainLayerwise } from '../../src/detectors/deep/pretrain.js';
import { Mlp } from '../../src/nn/mlp.js';

const SPEC = 'FC(6,8,tanh)-FC(8,2,tanh)-FC(2,8,tanh)-FC(8,6,none)';

/** 300 rows near a 1-d curve in 6-d: structure a 2-unit code can hold. */
function curve(n = 300, seed = 2): Float32Array {
  const r = new Rng(seed), x = new Float32Array(n * 6);
  for (let i = 0; i < n; i++) {
    const t = r.uniform();
    for (let j = 0; j < 6; j++) x[i * 6 + j] = Math.sin(t * (j + 1) * 1.5) + 0.03 * r.normal();
  }
  return x;
}

/** Mean squared reconstruction error of a network on rows x. */
function reconError(net: Mlp, x: Float32Array, rows: number): number {
  const y = net.forward(new Tensor(x, [rows, 6])).data;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (y[i] - x[i]) ** 2;
  return s / x.length;
}

/** The mean squared error of predicting every row by the column means (the data's total variance per entry). */
function varianceFloor(x: Float32Array, rows: number): number {
  let s = 0;
  for (let j = 0; j < 6; j++) {
    let m = 0;
    for (let i = 0; i < rows; i++) m += x[i * 6 + j] / rows;
    for (let i = 0; i < rows; i++) s += (x[i * 6 + j] - m) ** 2;
  }
  return s / (rows * 6);
}

const OPTS = { epochs: 40, batchSize: 32, learningRate: 1e-2 };

describe('layer-wise pretraining', () => {
  const n = 300, x = curve(n);
  const net = new Mlp(SPEC, 'glorot-uniform', new Rng(1));
  const initial = net.parameters().map((p) => p.data.slice());
  const before = reconError(net, x, n);
  const r = pretrainLayerwise(denseLayersOf(net), x, n, 6, new Rng(9), OPTS);

  it('lowers the stacked autoencoder\'s reconstruction error below its initial one and below the column-mean predictor\'s', () => {
    const after = reconError(net, x, n);
    assert.ok(after < before, `after ${after} vs initial ${before}`);
    assert.ok(after < varianceFloor(x, n), `after ${after} vs predicting the means ${varianceFloor(x, n)}`);
    for (const p of r.pairs) assert.ok(p.finalLoss < p.initialLoss, `pair ${p.layers}: ${p.finalLoss} vs ${p.initialLoss}`);
  });

  it('assembles the stack from exactly the weights each pair was trained to', () => {
    assert.deepEqual(r.pairs.map((p) => p.layers), [[0, 3], [1, 2]]);
    for (const p of r.pairs) {
      const [e, m] = p.layers;
      const now = [net.weights[e], net.biases[e], net.weights[m], net.biases[m]];
      now.forEach((t, q) => assert.deepEqual(Array.from(t.data), Array.from(p.weights[q]), `pair ${p.layers}, tensor ${q}`));
      // ... and each pair was trained (its weights moved from the initial ones).
      assert.notDeepEqual(Array.from(net.weights[e].data), Array.from(initial[2 * e]));
    }
  });

  it('trains the inner pair on the codes of the trained outer encoder layer', () => {
    // Pair 2's loss, recomputed on h = tanh(x W1 + b1) with the final layer-1 weights, is the one reported.
    const l1 = new Mlp('FC(6,8,tanh)', 'glorot-uniform', new Rng(0));
    l1.weights[0].data.set(net.weights[0].data); l1.biases[0].data.set(net.biases[0].data);
    const h = l1.forward(new Tensor(x, [n, 6])).data;
    const inner = new Mlp('FC(8,2,tanh)-FC(2,8,tanh)', 'glorot-uniform', new Rng(0));
    inner.weights[0].data.set(net.weights[1].data); inner.biases[0].data.set(net.biases[1].data);
    inner.weights[1].data.set(net.weights[2].data); inner.biases[1].data.set(net.biases[2].data);
    const y = inner.forward(new Tensor(h, [n, 8])).data;
    let s = 0;
    for (let i = 0; i < h.length; i++) s += (y[i] - h[i]) ** 2;
    assert.ok(Math.abs(s / h.length - r.pairs[1].finalLoss) < 1e-6, `${s / h.length} vs ${r.pairs[1].finalLoss}`);
  });

  it('is seeded, and the same whether the autoencoder is one network or an encoder and a decoder', () => {
    const again = new Mlp(SPEC, 'glorot-uniform', new Rng(1));
    pretrainLayerwise(denseLayersOf(again), x, n, 6, new Rng(9), OPTS);
    assert.deepEqual(again.parameters().map((p) => Array.from(p.data)), net.parameters().map((p) => Array.from(p.data)));
    const enc = new Mlp('FC(6,8,tanh)-FC(8,2,tanh)', 'glorot-uniform', new Rng(3));
    const dec = new Mlp('FC(2,8,tanh)-FC(8,6,none)', 'glorot-uniform', new Rng(4));
    [...enc.parameters(), ...dec.parameters()].forEach((p, i) => p.data.set(initial[i]));
    pretrainLayerwise(denseLayersOf(enc, dec), x, n, 6, new Rng(9), OPTS);
    assert.deepEqual([...enc.parameters(), ...dec.parameters()].map((p) => Array.from(p.data)), net.parameters().map((p) => Array.from(p.data)));
  });

  it('trains nothing with 0 epochs per layer', () => {
    const m = new Mlp(SPEC, 'glorot-uniform', new Rng(1));
    const res = pretrainLayerwise(denseLayersOf(m), x, n, 6, new Rng(9), { ...OPTS, epochs: 0 });
    assert.equal(res.steps, 0);
    assert.deepEqual(m.parameters().map((p) => Array.from(p.data)), initial.map((a) => Array.from(a)));
  });

  it('refuses networks that are not mirrored autoencoders, and data of another width', () => {
    const rng = new Rng(1);
    const layers = (s: string) => denseLayersOf(new Mlp(s, 'glorot-uniform', rng));
    assert.throws(() => mirroredPairs(layers('FC(6,3,tanh)-FC(3,2,none)-FC(2,6,none)')), /even number of dense layers/);
    assert.throws(() => mirroredPairs(layers('FC(6,4,tanh)-FC(4,2,none)-FC(2,3,tanh)-FC(3,6,none)')), /encoder layer 1 maps 6 -> 4 but its mirror, layer 4, maps 3 -> 6; it must map 4 -> 6/);
    assert.throws(() => mirroredPairs(layers('FC(6,3,softmax)-FC(3,6,none)')), /layer 1 has a softmax/);
    assert.throws(() => pretrainLayerwise(layers(SPEC), x.subarray(0, 50), 10, 5, rng, OPTS), /takes 6 inputs, the data has 5/);
  });
});
