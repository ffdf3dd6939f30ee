/**
 * The DAGMM paper's baselines and variants (src/detectors/dagmm-variants): their objectives on tiny cases
 * against direct computations, what each training stage may change, and a seeded quality floor.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withKernels } from '../../src/engine/backend/index.js';
import { softmax } from '../../src/engine/ops/index.js';
import { Rng } from '../../src/engine/rng.js';
import { Tape, Tensor } from '../../src/engine/tensor.js';
import { gmmVariationalBound } from '../../src/gmm/gmm.js';
import { DagmmNetwork } from '../../src/detectors/dagmm/network.js';
import { DagmmDetector } from '../../src/detectors/dagmm/detector.js';
import { PAPER_CONFIGS } from '../../src/detectors/dagmm/paper-configs.js';
import { AutoencoderDetector } from '../../src/detectors/ae/detector.js';
import { DagmmPDetector } from '../../src/detectors/dagmm-variants/dagmm-p.js';
import { GmmEnDetector } from '../../src/detectors/dagmm-variants/gmm-en.js';
import { PaeDetector } from '../../src/detectors/dagmm-variants/pae.js';
import { PaeGmmDetector } from '../../src/detectors/dagmm-variants/pae-gmm.js';
import { PaeGmmEmDetector } from '../../src/detectors/dagmm-variants/pae-gmm-em.js';
import { TABLE2 } from '../../src/detectors/dagmm-variants/paper-configs.js';
import { createDetector, detectorEntry } from '../../src/detectors/registry.js';
import type { Detector } from '../../src/detectors/detector.js';
import { auroc } from '../../src/metrics/ranking.js';
import { availableBackends } from '../support/backends.js';
import { gradCheck } from '../support/gradcheck.js';

/** eq. (5) for 1-d z and K components, directly: weights, means, variances (+ eps). */
function batchGmm1d(z: number[], gamma: number[][], eps: number): { phi: number[]; mu: number[]; v: number[] } {
  const k = gamma[0].length, n = z.length, phi: number[] = [], mu: number[] = [], v: number[] = [];
  for (let c = 0; c < k; c++) {
    const s = gamma.reduce((a, g) => a + g[c], 0);
    const m = z.reduce((a, zi, i) => a + gamma[i][c] * zi, 0) / s;
    phi.push(s / n); mu.push(m);
    v.push(z.reduce((a, zi, i) => a + gamma[i][c] * (zi - m) ** 2, 0) / s + eps);
  }
  return { phi, mu, v };
}

const logNormal = (z: number, m: number, v: number): number => -0.5 * Math.log(2 * Math.PI * v) - (z - m) ** 2 / (2 * v);

/** Table-like rows: a 1-d curve in 6-d (normal). */
const curveValue = (t: number, j: number): number => Math.sin(t * (j + 1) * 1.5);
function curveRow(r: Rng): number[] { const t = r.uniform(); return Array.from({ length: 6 }, (_, j) => curveValue(t, j) + 0.03 * r.normal()); }
function distanceToCurve(x: number[]): number {
  let best = Infinity;
  for (let q = 0; q <= 2000; q++) {
    let s = 0;
    for (let j = 0; j < 6; j++) s += (x[j] - curveValue(q / 2000, j)) ** 2;
    best = Math.min(best, s);
  }
  return Math.sqrt(best);
}

/** The named weight tensors of a fitted detector. */
function weights(d: Detector): Map<string, number[]> {
  return new Map(d.toJSON().tensors.map((t) => [t.name, t.data]));
}
function networkWeights(d: Detector, net: string): number[][] {
  return [...weights(d)].filter(([k]) => k.startsWith(`${net}.`)).map(([, v]) => v);
}

describe('DAGMM-NVI: the variational bound of eq. (10)', () => {
  const z = [0, 0.2, 1.0, 1.3, 0.6];
  const gamma = [[0.9, 0.1], [0.7, 0.3], [0.2, 0.8], [0.1, 0.9], [0.5, 0.5]];

  it('equals sum_k Q(k|z) (log Q(k|z) - log phi_k - log N(z | mu_k, Sigma_k)) computed directly, and E(z) + KL(Q || posterior)', () => {
    const r = gmmVariationalBound(new Tensor(Float32Array.from(z), [5, 1]), new Tensor(Float32Array.from(gamma.flat()), [5, 2]), { covEps: 0 });
    const g = batchGmm1d(z, gamma.map((row) => row.map(Math.fround)), 0);
    z.forEach((zi, i) => {
      const logp = [0, 1].map((c) => Math.log(g.phi[c]) + logNormal(zi, g.mu[c], g.v[c]));
      const q = gamma[i];
      const bound = q.reduce((a, qc, c) => a + qc * (Math.log(qc) - logp[c]), 0);
      const energy = -Math.log(Math.exp(logp[0]) + Math.exp(logp[1]));
      const post = logp.map((l) => Math.exp(l + energy));
      const kl = q.reduce((a, qc, c) => a + qc * Math.log(qc / post[c]), 0);
      assert.ok(Math.abs(r.bound.data[i] - bound) < 1e-5 * (1 + Math.abs(bound)), `row ${i}: ${r.bound.data[i]} vs ${bound}`);
      assert.ok(Math.abs(r.energy.data[i] - energy) < 1e-5 * (1 + Math.abs(energy)), `row ${i} energy`);
      assert.ok(Math.abs(bound - energy - kl) < 1e-9 && kl >= 0, `row ${i}: bound - energy = KL`);
      assert.ok(r.bound.data[i] >= r.energy.data[i] - 1e-6, 'the bound is an upper bound of the energy');
    });
    const penalty = 1 / g.v[0] + 1 / g.v[1];
    assert.ok(Math.abs(r.covPenalty.item() - penalty) < 1e-5 * penalty);
  });

  for (const k of availableBackends()) {
    it(`has the gradient of finite differences in z and the memberships (${k.name} backend)`, () => withKernels(k, () => {
      const rng = new Rng(3);
      const zs = Array.from({ length: 12 * 2 }, () => rng.normal());
      const logits = Array.from({ length: 12 * 3 }, () => rng.range(-1.5, 1.5));
      gradCheck('gmmVariationalBound', ([zt, l]) => gmmVariationalBound(zt, softmax(l)).bound, [{ data: zs, shape: [12, 2] }, { data: logits, shape: [12, 3] }], { rtol: 3e-2 });
    }));
  }

  it('is DAGMM-NVI\'s estimation term: loss = reconstruction + lambda1 mean bound + lambda2 penalty', () => {
    const net = new DagmmNetwork({ ...PAPER_CONFIGS.thyroid, objective: 'variational-bound' }, new Rng(1));
    const r = new Rng(2);
    const x = new Tensor(Float32Array.from({ length: 32 * 6 }, () => r.uniform()), [32, 6]);
    // Values are read before the next recording (a tape recycles the previous recording's buffers).
    const l = new Tape().record(() => net.loss(x, false));
    const [loss, recon, term] = [l.loss.item(), l.recon.item(), l.energy.item()];
    const direct = new Tape().record(() => {
      const { z } = net.forward(x);
      return gmmVariationalBound(z, net.memberships(z, false), { covEps: net.covEps });
    });
    const meanBound = direct.bound.data.reduce((a, b) => a + b, 0) / 32;
    assert.ok(Math.abs(term - meanBound) < 1e-5 * Math.abs(meanBound));
    const expected = recon + 0.1 * meanBound + 0.005 * direct.covPenalty.item();
    assert.ok(Math.abs(loss - expected) < 1e-4 * Math.abs(expected), `${loss} vs ${expected}`);
    // The same weights under DAGMM's objective have a lower estimation term (bound >= energy).
    const plain = new DagmmNetwork(PAPER_CONFIGS.thyroid, new Rng(1));
    assert.ok(new Tape().record(() => plain.loss(x, false)).energy.item() <= term + 1e-6);
  });
});

describe('GMM-EN: DAGMM without reconstruction', () => {
  it('loss = lambda1 mean energy + lambda2 penalty of the GMM on the encoder\'s code alone, by hand', () => {
    const net = new DagmmNetwork({ compression: 'FC(3,4,tanh)-FC(4,1,none)', estimation: 'FC(1,5,tanh)-FC(5,2,softmax)', encoderOnly: true, reconstructionFeatures: [] }, new Rng(4));
    const r = new Rng(5);
    const x = new Tensor(Float32Array.from({ length: 10 * 3 }, () => r.range(-1, 1)), [10, 3]);
    const l = new Tape().record(() => net.loss(x, false));
    const [loss, recon] = [l.loss.item(), l.recon.item()];
    const zc = Array.from(new Tape().record(() => net.compression.forward(x)).data);
    const gamma = Array.from(new Tape().record(() => net.estimation.forward(new Tensor(Float32Array.from(zc), [10, 1]))).data);
    const g = batchGmm1d(zc, zc.map((_, i) => [gamma[2 * i], gamma[2 * i + 1]]), 1e-6);
    const energy = zc.map((zi) => -Math.log(g.phi[0] * Math.exp(logNormal(zi, g.mu[0], g.v[0])) + g.phi[1] * Math.exp(logNormal(zi, g.mu[1], g.v[1]))));
    const expected = 0.1 * energy.reduce((a, b) => a + b, 0) / 10 + 0.005 * (1 / g.v[0] + 1 / g.v[1]);
    assert.ok(Math.abs(loss - expected) < 1e-4 * Math.abs(expected), `${loss} vs ${expected}`);
    assert.equal(recon, 0);
    assert.deepEqual(Array.from(new Tape().record(() => net.latent(x)).data), zc);
    assert.throws(() => net.forward(x), /encoder-only network \(GMM-EN\) has no reconstruction/);
    assert.throws(() => new DagmmNetwork({ compression: 'FC(3,1,none)', estimation: 'FC(2,2,softmax)', encoderOnly: true, reconstructionFeatures: ['cosine'] }, new Rng(1)), /no reconstruction features/);
  });

  it('has no decoder: Appendix A\'s networks, and a model of the encoder and the estimation network only', () => {
    const thyroid = detectorEntry('gmm-en').paperConfigs.thyroid!.params;
    assert.equal(thyroid.encoder, 'FC(6,12,tanh)-FC(12,4,tanh)-FC(4,1,none)');
    assert.equal(thyroid.estimation, 'FC(1,10,tanh)-Drop(0.5)-FC(10,2,softmax)');
    assert.equal(detectorEntry('gmm-en').paperConfigs.arrhythmia!.params.estimation, 'FC(2,10,tanh)-Drop(0.5)-FC(10,2,softmax)');
    const r = new Rng(6), rows = Array.from({ length: 120 }, () => curveRow(r));
    const det = new GmmEnDetector({ seed: 1, epochs: 3, batchSize: 32 }).fit(rows);
    assert.equal(det.resolvedConfig().compression, 'FC(6,12,tanh)-FC(12,4,tanh)-FC(4,1,none)');
    assert.equal(networkWeights(det, 'compression').length, 6);
    assert.deepEqual(det.embed(Float32Array.from(rows.flat()), 120).names, ['z_c']);
    assert.throws(() => det.reconstructionErrors(new Float32Array(6), 1), /no reconstruction/);
    const given = new GmmEnDetector({ seed: 1, epochs: 1, batchSize: 32, encoder: 'FC(6,3,tanh)-FC(3,2,none)' }).fit(rows);
    assert.equal(given.resolvedConfig().estimation, 'FC(2,10,tanh)-Drop(0.5)-FC(10,2,softmax)');
    assert.throws(() => new GmmEnDetector({ encoder: 'FC(5,2,none)' }).fit(rows), /encoder takes 5 inputs.*6 features/);
    assert.throws(() => createDetector('gmm-en', { reconstructionFeatures: [] }), /reconstructionFeatures/);
  });

  it('training lowers the objective lambda1 energy + lambda2 penalty, with no reconstruction term', () => {
    const r = new Rng(7), rows = Array.from({ length: 200 }, () => curveRow(r));
    const h = new GmmEnDetector({ seed: 2, epochs: 30, batchSize: 32, learningRate: 1e-3 }).fit(rows).history;
    assert.ok(h[h.length - 1].loss < h[0].loss, `${h[0].loss} -> ${h[h.length - 1].loss}`);
    for (const e of h) {
      assert.equal(e.terms.recon, 0);
      assert.ok(Math.abs(e.loss - (0.1 * e.terms.energy + 0.005 * e.terms.covPenalty)) < 1e-4 * (1 + Math.abs(e.loss)));
    }
  });
});

describe('the pretrained variants', () => {
  const r = new Rng(8), rows = Array.from({ length: 150 }, () => curveRow(r));
  const x = Float32Array.from(rows.flat());

  it('pae: with no pretraining it is the end-to-end autoencoder (ae); pretraining changes the start', () => {
    const p = { seed: 4, epochs: 5, batchSize: 32, learningRate: 1e-2, preprocessing: { scaling: 'none' as const } };
    const ae = new AutoencoderDetector(p).fit(rows).scoreSamples(rows);
    assert.deepEqual(Array.from(new PaeDetector({ ...p, pretrainEpochs: 0 }).fit(rows).scoreSamples(rows)), Array.from(ae));
    assert.notDeepEqual(Array.from(new PaeDetector({ ...p, pretrainEpochs: 5 }).fit(rows).scoreSamples(rows)), Array.from(ae));
    assert.equal(new PaeDetector({ ...p, epochs: 7 }).fit(rows).resolvedConfig().pretrainEpochs, 7, 'pretrainEpochs defaults to epochs');
  });

  it('dagmm-p: with no pretraining it is DAGMM; its end-to-end training starts from the pretrained compression network', () => {
    const p = { seed: 4, epochs: 3, batchSize: 32, learningRate: 1e-3 };
    const dagmm = new DagmmDetector(p).fit(rows).scoreSamples(rows);
    assert.deepEqual(Array.from(new DagmmPDetector({ ...p, pretrainEpochs: 0 }).fit(rows).scoreSamples(rows)), Array.from(dagmm));
    // The weights DAGMM's first epoch starts from are those of pretraining alone (epochs 0).
    class Probe extends DagmmPDetector {
      start: number[][] | null = null;
      protected override beforeEpoch(epoch: number): void {
        if (epoch === 1 && !this.start) this.start = this.network.compression.parameters().map((t) => Array.from(t.data));
      }
    }
    const probe = new Probe({ ...p, pretrainEpochs: 4 });
    probe.fit(rows);
    const pretrained = new DagmmPDetector({ ...p, epochs: 0, pretrainEpochs: 4 }).fit(rows);
    assert.deepEqual(probe.start, networkWeights(pretrained, 'compression'));
    const untrained = new DagmmPDetector({ ...p, epochs: 0, pretrainEpochs: 0 }).fit(rows);
    assert.notDeepEqual(networkWeights(pretrained, 'compression'), networkWeights(untrained, 'compression'));
    assert.notDeepEqual(networkWeights(probe, 'compression'), networkWeights(pretrained, 'compression'), 'fine-tuning moves the compression network');
  });

  it('pae-gmm: training the estimation network leaves the pretrained compression network unchanged', () => {
    const p = { seed: 5, batchSize: 32, learningRate: 1e-3, pretrainEpochs: 3, fineTuneEpochs: 3 };
    const stage1 = new PaeGmmDetector({ ...p, epochs: 0 }).fit(rows);
    const both = new PaeGmmDetector({ ...p, epochs: 6 }).fit(rows);
    assert.deepEqual(networkWeights(both, 'compression'), networkWeights(stage1, 'compression'));
    assert.notDeepEqual(networkWeights(both, 'estimation'), networkWeights(stage1, 'estimation'));
    const bare = new PaeGmmDetector({ ...p, epochs: 0, pretrainEpochs: 0, fineTuneEpochs: 0 }).fit(rows);
    assert.notDeepEqual(networkWeights(stage1, 'compression'), networkWeights(bare, 'compression'), 'step 1 trains the compression network');
    assert.deepEqual(networkWeights(stage1, 'estimation'), networkWeights(bare, 'estimation'), 'step 1 leaves the estimation network alone');
    assert.equal(both.history.length, 3 + 6);
  });

  it('pae-gmm-em: EM on DAGMM\'s z of the pretrained autoencoder, converged; energies under that GMM', () => {
    const det = new PaeGmmEmDetector({ seed: 6, epochs: 10, batchSize: 32, learningRate: 1e-2, gmmK: 2, preprocessing: { scaling: 'none' } }).fit(rows);
    const c = det.resolvedConfig() as { encoder: string; decoder: string };
    // z is what a DagmmNetwork of the same weights computes: [z_c, relative Euclidean distance, cosine similarity].
    const net = new DagmmNetwork({ compression: `${c.encoder}-${c.decoder}`, estimation: 'FC(4,2,softmax)' }, new Rng(0));
    const w = weights(det);
    net.compression.parameters().forEach((t, i) => {
      const src = i < 4 ? w.get(`encoder.${i}`) : w.get(`decoder.${i - 4}`);
      t.data.set(src!);
    });
    const tape = new Tape({ grad: false });
    const expected = tape.record(() => net.latent(new Tensor(x, [150, 6])));
    assert.deepEqual(Array.from(det.embed(x, 150)), Array.from(expected.data));
    tape.release();
    assert.ok(det.emSummary!.converged && det.emSummary!.lastChange < 1e-6);
    assert.equal(det.gmmParams.k, 2);
    assert.equal(det.gmmParams.d, 4);
  });

  it('register the paper\'s configurations and Table 2 results', () => {
    for (const name of ['gmm-en', 'pae', 'pae-gmm-em', 'pae-gmm', 'dagmm-p', 'dagmm-nvi'] as const) {
      const e = detectorEntry(name);
      assert.deepEqual(e.paperConfigs.thyroid!.results, TABLE2[name].thyroid);
      assert.equal(e.paperConfigs.thyroid!.params.epochs, 20000);
      assert.equal(e.paperConfigs.arrhythmia!.params.batchSize, 128);
    }
    assert.deepEqual(TABLE2['dagmm-nvi'].kddcup, { precision: 0.929, recall: 0.9447, f1: 0.9368 });
    assert.equal(detectorEntry('pae-gmm-em').paperConfigs.kddcup!.params.gmmK, 4);
    assert.deepEqual(detectorEntry('e2e-ae').paperConfigs, detectorEntry('ae').paperConfigs);
    assert.equal(createDetector('e2e-ae').name, 'ae');
  });
});

describe('quality on planted anomalies (seeded, short training)', () => {
  // Normal rows lie within ~0.1 of a curve (noise 0.03); the planted anomalies are at least 0.5 away from it,
  // inside the same box. A compression network that has learned the curve reconstructs them worse than any
  // normal row, so reconstruction errors rank them nearly perfectly and the energies, which see them
  // through the reconstruction features, rank them well. GMM-EN is not here: it sees the code alone, and the
  // paper reports it failing (Table 2: F1 0.02 on Thyroid).
  const r = new Rng(21);
  const train = Array.from({ length: 400 }, () => curveRow(r));
  const test: number[][] = [], labels: number[] = [];
  for (let i = 0; i < 200; i++) { test.push(curveRow(r)); labels.push(0); }
  while (labels.length < 230) {
    const a = Array.from({ length: 6 }, () => r.range(-1, 1));
    if (distanceToCurve(a) >= 0.5) { test.push(a); labels.push(1); }
  }
  const cases: [string, Record<string, unknown>, number][] = [
    ['pae', { epochs: 30, learningRate: 1e-2 }, 0.95],
    ['pae-gmm-em', { epochs: 30, learningRate: 1e-2 }, 0.95],
    ['pae-gmm', { epochs: 60, learningRate: 1e-2 }, 0.9],
    ['dagmm-p', { epochs: 60, learningRate: 1e-2 }, 0.9],
    ['dagmm-nvi', { epochs: 60, learningRate: 1e-2 }, 0.9],
  ];
  for (const [name, p, floor] of cases) {
    it(`${name}: AUROC above ${floor}`, () => {
      const s = createDetector(name, { seed: 1, batchSize: 32, ...p }).fit(train).scoreSamples(test);
      const a = auroc(s, labels);
      assert.ok(a > floor, `AUROC ${a}`);
    });
  }
});
