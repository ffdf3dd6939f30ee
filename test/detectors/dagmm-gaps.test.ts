/**
 * The options behind the DAGMM gaps study (issue 10): each does what it says on a small case, and leaving
 * them unset or setting them to their defaults gives bit-identical results.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Adam } from '../../src/engine/optim.js';
import { Rng } from '../../src/engine/rng.js';
import { parameter, Tensor } from '../../src/engine/tensor.js';
import { mul, sum } from '../../src/engine/ops/index.js';
import { trainLoop } from '../../src/detectors/deep/train-loop.js';
import { DagmmDetector, type DagmmParamsInput } from '../../src/detectors/dagmm/detector.js';
import { effectiveComponents, mixtureDiagnostics } from '../../src/detectors/dagmm/diagnostics.js';
import { RunningGmm } from '../../src/detectors/dagmm/running-gmm.js';
import { gmmParamsFromJSON } from '../../src/gmm/gmm.js';

/** 100 rows near a curve in 4-d, 6 off it. */
function rows(): number[][] {
  const r = new Rng(21), out: number[][] = [];
  for (let i = 0; i < 106; i++) {
    const t = r.uniform(), anomaly = i >= 100;
    out.push(Array.from({ length: 4 }, (_, j) => (anomaly ? 2 * r.normal() : Math.cos(t * (j + 1)) + 0.05 * r.normal())));
  }
  return out;
}
const DATA = rows();
const BASE: DagmmParamsInput = {
  compression: 'FC(4,6,tanh)-FC(6,1,none)-FC(1,6,tanh)-FC(6,4,none)', estimation: 'FC(3,8,tanh)-Drop(0.5)-FC(8,2,softmax)',
  epochs: 4, batchSize: 32, learningRate: 1e-2, seed: 3,
};
const fit = (p: DagmmParamsInput = {}): DagmmDetector => new DagmmDetector({ ...BASE, ...p }).fit(DATA);
const scores = (p: DagmmParamsInput = {}): Float64Array => fit(p).scoreSamples(DATA);

describe('DAGMM gaps options: defaults', () => {
  it('unset and explicitly default options give bit-identical scores', () => {
    const ref = scores();
    const explicit = scores({ init: 'glorot-uniform', adamEpsilon: 'tf1', epochMeaning: 'passes', covEps: 1e-6, gmmParams: 'whole-training-set' });
    assert.deepEqual([...explicit], [...ref]);
    // torch's placement (the default before 2026-12-01) trains differently.
    assert.notDeepEqual([...scores({ adamEpsilon: 'torch' })], [...ref]);
  });
  it('a default fit records only the Adam placement among the options (its default changed)', () => {
    const c = fit().resolvedConfig();
    for (const k of ['init', 'epochMeaning', 'covEps', 'gmmParams']) assert.ok(!(k in c), k);
    assert.equal(c.adamEpsilon, 'tf1');
    assert.equal(fit({ adamEpsilon: 'torch' }).resolvedConfig().adamEpsilon, 'torch');
  });
  it('rejects unknown values with the parameter named', () => {
    assert.throws(() => new DagmmDetector({ adamEpsilon: 'keras' as 'tf1' }), /adamEpsilon/);
    assert.throws(() => new DagmmDetector({ gmmParams: 'ema' as 'last-batch' }), /gmmParams/);
    assert.throws(() => new DagmmDetector({ covEps: 0 }), /covEps/);
  });
});

describe('Adam epsilon placement', () => {
  it('tf1: lr_t = lr sqrt(1-b2^t)/(1-b1^t), w -= lr_t m / (sqrt(v) + eps), against float64 over three steps', () => {
    const eps = 0.05, lr = 0.1, grads = [[0.5, -0.01, 2e-3], [0.1, 0.03, -4], [-0.2, 0.002, 0.05]];
    const p = parameter(Float32Array.from([1, -2, 0.5]), [3]), q = parameter(Float32Array.from([1, -2, 0.5]), [3]);
    const tf = new Adam([p], { lr, eps, epsilonPlacement: 'tf1' }), torch = new Adam([q], { lr, eps });
    const w = [1, -2, 0.5], m = [0, 0, 0], v = [0, 0, 0];
    grads.forEach((g, t) => {
      p.grad = Float32Array.from(g); q.grad = Float32Array.from(g);
      tf.step(); torch.step();
      const lrT = lr * Math.sqrt(1 - 0.999 ** (t + 1)) / (1 - 0.9 ** (t + 1));
      for (let i = 0; i < 3; i++) {
        m[i] = 0.9 * m[i] + 0.1 * g[i]; v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
        w[i] -= lrT * m[i] / (Math.sqrt(v[i]) + eps);
        assert.ok(Math.abs(p.data[i] - w[i]) < 1e-6, `step ${t + 1}, ${i}: ${p.data[i]} vs ${w[i]}`);
      }
    });
    // With a large eps the placements differ (tf1's effective eps is eps / sqrt(1 - b2^t), larger early on).
    assert.ok(Math.abs(p.data[1] - q.data[1]) > 1e-3);
  });
  it('rejects an unknown placement', () => {
    assert.throws(() => new Adam([parameter(new Float32Array(1), [1])], { epsilonPlacement: 'keras' as 'tf1' }), /epsilon placement/);
  });
  it('reaches the optimiser through a training phase (first step with a gradient far below eps)', () => {
    // One weight, loss = c w with c = 1e-7: first-step update lr c / (|c| + eps') with eps' = 1e-8 (torch)
    // or 1e-8 / sqrt(0.001) (tf1).
    const run = (placement?: 'tf1'): number => {
      const w = parameter(Float32Array.of(0), [1]);
      const c = new Tensor(Float32Array.of(1e-7), [1]);
      trainLoop({ parameters: () => [w], phases: [{ name: 'p', parameters: [w], adamEpsilonPlacement: placement, loss: () => ({ loss: sum(mul(w, c)) }) }] },
        new Float32Array(1), 1, 1, new Rng(0), { what: 'test', epochs: 1, batchSize: 1, learningRate: 1 });
      return w.data[0];
    };
    assert.ok(Math.abs(run() - -1e-7 / (1e-7 + 1e-8)) < 1e-5);
    assert.ok(Math.abs(run('tf1') - -1e-7 / (1e-7 + 1e-8 / Math.sqrt(0.001))) < 1e-5);
  });
  it('DAGMM with adamEpsilon torch and tf1 trains to different, finite scores', () => {
    const a = scores({ adamEpsilon: 'torch' }), b = scores({ adamEpsilon: 'tf1' });
    assert.ok(a.every(Number.isFinite));
    assert.ok(b.every(Number.isFinite));
    assert.notDeepEqual([...a], [...b]);
  });
});

describe('epochMeaning', () => {
  // 106 rows, batch 32: 32, 32, 32, 10 per pass.
  it('passes: 4 steps per epoch; full-batches: 3; steps: the count read as steps, rounded up to whole passes', () => {
    assert.equal(fit().training!.steps, 16);
    assert.equal(fit({ epochMeaning: 'full-batches' }).training!.steps, 12);
    const s = fit({ epochs: 10, epochMeaning: 'steps' });
    assert.equal(s.resolvedConfig().epochs, 3);
    assert.equal(s.training!.steps, 12);
  });
  it('full-batches with a batch larger than the data keeps the one whole batch', () => {
    assert.equal(fit({ batchSize: 200, epochMeaning: 'full-batches' }).training!.steps, 4);
  });
});

describe('init', () => {
  it('torch-default draws biases, the Glorot schemes leave them at zero; each changes the scores', () => {
    const biases = (p: DagmmParamsInput): number => {
      const d = new DagmmDetector({ ...BASE, epochs: 0, ...p }).fit(DATA);
      return d.network.compression.biases.reduce((a, b) => a + b.data.reduce((s, v) => s + Math.abs(v), 0), 0);
    };
    assert.equal(biases({}), 0);
    assert.equal(biases({ init: 'glorot-normal' }), 0);
    assert.ok(biases({ init: 'torch-default' }) > 0);
    assert.notDeepEqual([...scores({ init: 'glorot-normal' })], [...scores()]);
  });
});

describe('covEps', () => {
  it('is the network\'s covariance diagonal term, and it is in the scoring covariances', () => {
    const small = fit(), big = fit({ covEps: 0.5 });
    assert.equal(small.network.covEps, 1e-6);
    assert.equal(big.network.covEps, 0.5);
    const d = big.gmmParams.d;
    for (let c = 0; c < big.gmmParams.k; c++) for (let j = 0; j < d; j++) assert.ok(big.gmmParams.cov[c * d * d + j * d + j] >= 0.5);
  });
});

describe('gmmParams: estimates kept during training', () => {
  const p = (phi: number[], mu: number[], cov: number[]) => gmmParamsFromJSON({ k: 2, d: 1, phi, mu, cov });
  it('running-average: the first batch starts it, then x <- 0.99 x + 0.01 x_batch; last-batch keeps the last', () => {
    const a = p([0.5, 0.5], [0, 1], [1, 2]), b = p([0.9, 0.1], [2, 3], [3, 4]);
    const avg = new RunningGmm('running-average'), last = new RunningGmm('last-batch');
    for (const r of [avg, last]) { r.update(a); r.update(b); }
    const g = avg.params()!;
    const ema = (x: number, y: number): number => 0.99 * x + 0.01 * y;
    assert.ok(Math.abs(g.phi[0] - ema(0.5, 0.9)) < 1e-12 && Math.abs(g.mu[1] - ema(1, 3)) < 1e-12 && Math.abs(g.cov[1] - ema(2, 4)) < 1e-12);
    assert.deepEqual([...last.params()!.phi], [0.9, 0.1]);
    assert.equal(new RunningGmm('last-batch').params(), null);
    assert.throws(() => new RunningGmm('running-average', 1), /decay/);
  });
  it('equal the whole-training-set estimate when every batch is the whole set, dropout is off and the weights do not move', () => {
    const still = { batchSize: 200, learningRate: 1e-12, estimation: 'FC(3,8,tanh)-FC(8,2,softmax)', epochs: 3 };
    const whole = fit(still).gmmParams;
    for (const mode of ['running-average', 'last-batch'] as const) {
      const g = fit({ ...still, gmmParams: mode }).gmmParams;
      for (const [x, y] of [[g.phi, whole.phi], [g.mu, whole.mu], [g.cov, whole.cov]]) {
        x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-5 * (1 + Math.abs(y[i])), `${mode}: ${v} vs ${y[i]}`));
      }
    }
  });
  it('differ from it after real training, and still score every row finitely', () => {
    const whole = fit(), run = fit({ gmmParams: 'running-average' }), last = fit({ gmmParams: 'last-batch' });
    assert.notDeepEqual([...run.gmmParams.mu], [...whole.gmmParams.mu]);
    assert.notDeepEqual([...last.gmmParams.mu], [...run.gmmParams.mu]);
    for (const d of [run, last]) assert.ok(d.scoreSamples(DATA).every(Number.isFinite));
  });
  it('with no training step (0 epochs) fall back to the whole training set', () => {
    const a = new DagmmDetector({ ...BASE, epochs: 0 }).fit(DATA).gmmParams, b = new DagmmDetector({ ...BASE, epochs: 0, gmmParams: 'last-batch' }).fit(DATA).gmmParams;
    assert.deepEqual([...b.mu], [...a.mu]);
  });
});

describe('collapse diagnostics', () => {
  it('effective components: 1 for one weight, K for equal weights', () => {
    assert.equal(effectiveComponents([1, 0]), 1);
    assert.ok(Math.abs(effectiveComponents([0.25, 0.25, 0.25, 0.25]) - 4) < 1e-12);
    assert.ok(effectiveComponents([0.9, 0.1]) > 1 && effectiveComponents([0.9, 0.1]) < 2);
  });
  it('counts every row once; the share and the mean largest membership are in range', () => {
    const d = fit();
    const m = d.transform(DATA);
    const g = mixtureDiagnostics(d.network, d.gmmParams, m.x, m.rows);
    assert.equal(g.argmaxCounts.reduce((a, b) => a + b, 0), DATA.length);
    assert.equal(g.argmaxShareLargest, g.argmaxCounts[g.largest] / DATA.length);
    assert.ok(g.meanMaxMembership >= 0.5 && g.meanMaxMembership <= 1);
    assert.ok(Math.abs(g.phi.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.equal(g.phi[g.largest], Math.max(...g.phi));
  });
});
