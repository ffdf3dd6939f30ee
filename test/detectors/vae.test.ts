/** The variational autoencoder: its objective by hand, the KL term, reproducible scoring, and a quality floor. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { Tensor } from '../../src/engine/tensor.js';
import { Mlp } from '../../src/nn/mlp.js';
import { detectorEntry, loadDetector } from '../../src/detectors/registry.js';
import { VaeDetector, vaeObjective } from '../../src/detectors/vae/detector.js';
import { variationalEncoder } from '../../src/detectors/vae/paper-configs.js';
import { auroc } from '../../src/metrics/ranking.js';

/** A dense network with the given weights ([in, out] row-major) and biases. */
function net(spec: string, w: number[][], b: number[][]): Mlp {
  const m = new Mlp(spec, 'glorot-uniform', new Rng(0));
  m.weights.forEach((t, i) => t.data.set(w[i]));
  m.biases.forEach((t, i) => t.data.set(b[i]));
  return m;
}

/** Curved 1-d inliers in 5-d (the conformance suite's shape), no outliers. */
function curve(n: number, seed: number): number[][] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => { const t = r.uniform(); return Array.from({ length: 5 }, (_, j) => Math.sin(t * (j + 1)) + 0.03 * r.normal()); });
}

describe('vae objective', () => {
  // Encoder FC(2,2,none): [mu, logvar] = x W + b; decoder FC(1,2,none): xhat = [2z, 0.5 - z].
  const enc = net('FC(2,2,none)', [[0.5, -0.2, 0.1, 0.4]], [[0.1, -0.3]]);
  const dec = net('FC(1,2,none)', [[2, -1]], [[0, 0.5]]);
  const x = new Tensor(Float32Array.from([1, 0, 0, 1]), [2, 2]);

  it('is the mean over rows of SSE + beta KL, with z = mu + exp(logvar / 2) eps, by hand', () => {
    // Row 1 (x = [1, 0]): mu = 0.5 + 0.1 = 0.6, logvar = -0.2 - 0.3 = -0.5.
    // Row 2 (x = [0, 1]): mu = 0.1 + 0.1 = 0.2, logvar = 0.4 - 0.3 = 0.1.
    const draw = new Rng(7), e1 = draw.normal(), e2 = draw.normal(); // reparameterize draws one per element, row-major
    const z1 = 0.6 + Math.exp(-0.25) * e1, z2 = 0.2 + Math.exp(0.05) * e2;
    const sse1 = (1 - 2 * z1) ** 2 + (0 - (0.5 - z1)) ** 2, sse2 = (0 - 2 * z2) ** 2 + (1 - (0.5 - z2)) ** 2;
    // KL(N(mu, e^lv) || N(0, 1)) = (e^lv + mu^2 - 1 - lv) / 2: (0.606531 + 0.36 - 0.5) / 2 and (1.105171 + 0.04 - 1.1) / 2.
    const kl = (0.2332653 + 0.0225855) / 2;
    for (const beta of [1, 0.25, 0]) {
      const o = vaeObjective(x, enc.forward(x), (z) => dec.forward(z), beta, new Rng(7));
      assert.ok(Math.abs(o.kl.item() - kl) < 1e-6, `KL ${o.kl.item()} vs ${kl}`);
      assert.ok(Math.abs(o.reconstruction.item() - (sse1 + sse2) / 2) < 1e-5, `reconstruction ${o.reconstruction.item()}`);
      assert.ok(Math.abs(o.loss.item() - ((sse1 + sse2) / 2 + beta * kl)) < 1e-5, `beta ${beta}: loss ${o.loss.item()}`);
    }
  });

  it('the KL term is zero exactly when q(z|x) is the prior N(0, I)', () => {
    const prior = net('FC(2,2,none)', [[0, 0, 0, 0]], [[0, 0]]);
    assert.equal(vaeObjective(x, prior.forward(x), (z) => dec.forward(z), 1, new Rng(1)).kl.item(), 0);
    const shifted = net('FC(2,2,none)', [[0, 0, 0, 0]], [[0.5, 0]]);
    assert.ok(Math.abs(vaeObjective(x, shifted.forward(x), (z) => dec.forward(z), 1, new Rng(1)).kl.item() - 0.125) < 1e-7);
  });

  it('the KL term holds the posterior to the prior: without it (beta 0) training drives the KL up', () => {
    const rows = curve(300, 4);
    const kl = (beta: number) => new VaeDetector({ seed: 2, epochs: 30, batchSize: 32, learningRate: 1e-2, beta }).fit(rows).history.at(-1)!.terms.kl;
    // Without the penalty nothing stops the encoder from shrinking its variances (log-variance down, KL up).
    assert.ok(kl(0) > 5 * kl(1), `KL beta 0 ${kl(0)}, beta 1 ${kl(1)}`);
  });
});

describe('vae detector', () => {
  const rows = curve(300, 5);
  const det = new VaeDetector({ seed: 3, epochs: 20, batchSize: 32, learningRate: 1e-2 }).fit(rows);

  it('default networks scale with the input width: the encoder gives a mean and a log-variance per latent unit', () => {
    assert.deepEqual(det.resolvedConfig(), {
      encoder: 'FC(5,3,tanh)-FC(3,4,none)', decoder: 'FC(2,3,tanh)-FC(3,5,none)', latent: 2,
      epochs: 20, batchSize: 32, learningRate: 0.01, auto: ['encoder', 'decoder'],
    });
    const wide = new VaeDetector({ epochs: 0 }).planConfig(120, 1000);
    assert.equal(wide.encoder, 'FC(120,60,tanh)-FC(60,20,none)');
    assert.equal(wide.decoder, 'FC(10,60,tanh)-FC(60,120,none)');
    assert.throws(() => new VaeDetector({ encoder: 'FC(5,3,tanh)-FC(3,3,none)', decoder: 'FC(2,3,tanh)-FC(3,5,none)' }).fit(rows), /encoder outputs 3 values; it must output 2 per decoder input/);
    assert.equal(variationalEncoder('FC(120,60,tanh)-FC(60,1,none)'), 'FC(120,60,tanh)-FC(60,2,none)');
    assert.ok(detectorEntry('vae').paperConfigs.kddcup!.params.encoder === 'FC(120,60,tanh)-FC(60,30,tanh)-FC(30,10,tanh)-FC(10,2,none)');
  });

  it('scores are reproducible: the same twice, the same in one batch or split, independent of row order and position', () => {
    const s = det.scoreSamples(rows);
    assert.deepEqual(Array.from(det.scoreSamples(rows)), Array.from(s));
    const split = [...det.scoreSamples(rows.slice(0, 7)), ...det.scoreSamples(rows.slice(7, 150)), ...det.scoreSamples(rows.slice(150))];
    assert.deepEqual(split, Array.from(s));
    assert.deepEqual(Array.from(det.scoreSamples([...rows].reverse())), Array.from(s).reverse());
    // Past the template's internal scoring batch (8,192 rows) too.
    const many = Array.from({ length: 8300 }, (_, i) => rows[i % rows.length]);
    const sm = det.scoreSamples(many);
    assert.ok(sm.every((v, i) => v === s[i % rows.length]));
    const back = loadDetector(det.toBytes('2026-01-01T00:00:00.000Z'));
    assert.deepEqual(Array.from(back.scoreSamples(rows)), Array.from(s));
  });

  it('the draws come from the seed: other samples give other scores; samples 0 decodes the mean', () => {
    const s = det.scoreSamples(rows);
    const other = (samples: number) => new VaeDetector({ seed: 3, epochs: 20, batchSize: 32, learningRate: 1e-2, samples }).fit(rows).scoreSamples(rows);
    const one = other(1), mean = other(0), mean2 = other(0);
    assert.notDeepEqual(Array.from(one), Array.from(s));
    assert.deepEqual(Array.from(mean), Array.from(mean2));
    assert.notDeepEqual(Array.from(mean), Array.from(s));
  });

  it("score 'elbo' is the expected squared error plus the KL: above d x the reconstruction score row by row", () => {
    const elbo = new VaeDetector({ seed: 3, epochs: 20, batchSize: 32, learningRate: 1e-2, score: 'elbo' }).fit(rows);
    assert.equal(elbo.scoreName, 'negative ELBO');
    const e = elbo.scoreSamples(rows), r = det.scoreSamples(rows);
    // The score option does not change training, so the two models are the same; their difference is the KL.
    e.forEach((v, i) => assert.ok(v - 5 * r[i] >= -1e-9, `row ${i}: ${v} vs ${5 * r[i]}`));
    assert.ok(e.some((v, i) => v - 5 * r[i] > 1e-6));
  });

  it('the quantile threshold is the contamination threshold said the other way round', () => {
    const byQ = new VaeDetector({ seed: 3, epochs: 5, threshold: { quantile: 0.99 } }).fit(rows);
    const byC = new VaeDetector({ seed: 3, epochs: 5, threshold: { contamination: 0.01 } }).fit(rows);
    assert.equal(byQ.threshold, byC.threshold);
    assert.equal(byQ.thresholdRule, 'quantile 0.99: the 0.99 quantile of training scores (the same as contamination 0.01)');
    const flagged = byQ.predict(rows).reduce((a, b) => a + b, 0);
    assert.ok(flagged >= 2 && flagged <= 4, `flagged ${flagged} of 300 training rows`);
  });

  it('quality floor on planted anomalies (seeded)', () => {
    // Normal rows lie on a 2-d linear subspace of 8-d (x = A z + 0.05 noise, z ~ N(0, I_2)); with standard
    // scaling every feature has variance 1, so explaining the subspace saves about 8 nats of squared error
    // against a KL cost of a few nats and the latent is used (a linear VAE recovers probabilistic PCA). A
    // planted anomaly is a normal row moved by 3 (about 2 standard deviations) on two random features:
    // mostly off the subspace (its tangent is 2 of 8 directions), so its expected squared error is several
    // units above the ~1-2 of normal rows. Hence most anomalies rank above nearly every normal row and clear
    // the 0.99 training quantile; the floors leave room for a network trained for only ~150 epochs.
    const r = new Rng(11), D = 8;
    const A = Array.from({ length: D }, () => [r.normal(), r.normal()]);
    const normal = () => { const a = r.normal(), b = r.normal(); return A.map(([p, q]) => p * a + q * b + 0.05 * r.normal()); };
    const train = Array.from({ length: 800 }, normal);
    const test: number[][] = [], labels: number[] = [];
    for (let i = 0; i < 300; i++) { test.push(normal()); labels.push(0); }
    for (let i = 0; i < 30; i++) {
      const row = normal(), j = r.int(D), k = (j + 1 + r.int(D - 1)) % D;
      row[j] += r.uniform() < 0.5 ? 3 : -3; row[k] += r.uniform() < 0.5 ? 3 : -3;
      test.push(row); labels.push(1);
    }
    const vae = new VaeDetector({ seed: 1, threshold: { quantile: 0.99 }, preprocessing: { scaling: 'standard' } }).fit(train);
    const s = vae.scoreSamples(test), pred = vae.predict(test);
    assert.ok(auroc(s, labels) > 0.95, `AUROC ${auroc(s, labels)}`);
    const recall = labels.filter((l, i) => l && pred[i]).length / 30;
    const fpr = labels.filter((l, i) => !l && pred[i]).length / 300;
    assert.ok(recall >= 0.6, `recall ${recall}`);
    assert.ok(fpr <= 0.05, `false-positive rate ${fpr}`);
  });
});
