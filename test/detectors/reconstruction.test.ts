/**
 * The reconstruction detectors beside ae: dae (denoising), sae (sparse), cae (contractive). Each loss is checked
 * on a tiny network with fixed weights against values worked out by hand, and each detector against a floor on
 * data whose anomalies are placed off the inliers' manifold.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { parameter, Tape, Tensor, tensor } from '../../src/engine/tensor.js';
import type { AeParams, ReconstructionDetector } from '../../src/detectors/ae/detector.js';
import { ContractiveAutoencoderDetector } from '../../src/detectors/cae/detector.js';
import { corrupt, DenoisingAutoencoderDetector } from '../../src/detectors/dae/detector.js';
import { SparseAutoencoderDetector, sparsityPenalty } from '../../src/detectors/sae/detector.js';
import type { LossOutput, StepContext } from '../../src/detectors/deep/detector.js';
import type { Mlp } from '../../src/nn/mlp.js';
import { detectorEntry } from '../../src/detectors/registry.js';
import { auroc } from '../../src/metrics/ranking.js';
import { planted } from '../support/planted.js';

/** The protected members the tests reach (through a cast: the detectors keep them protected). */
interface Opened { loss(x: Tensor, ctx: StepContext): LossOutput; mlp(name: string): Mlp }
type Recon = ReconstructionDetector<AeParams>;
function lossOf(det: Recon, x: Tensor, training = true, rng = new Rng(0)): LossOutput {
  return (det as unknown as Opened).loss(x, { training, rng, epoch: 1 });
}
/** Fits 0 epochs on rows of the networks' width, then sets the weights: [w0, b0, w1, b1, ...] per network. */
function withWeights<D extends Recon>(det: D, rows: number[][], weights: Record<'encoder' | 'decoder', number[][]>): D {
  det.fit(rows);
  for (const net of ['encoder', 'decoder'] as const) {
    (det as unknown as Opened).mlp(net).parameters().forEach((p, i) => p.data.set(weights[net][i]));
  }
  return det;
}
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
const twoRows = [[0, 0], [1, 1]];

describe('reconstruction detectors: networks', () => {
  it('default networks scale with the input width like ae; sae and cae get a sigmoid code layer', () => {
    assert.deepEqual(new DenoisingAutoencoderDetector().planConfig(120, 1000).encoder, 'FC(120,60,tanh)-FC(60,10,none)');
    for (const D of [SparseAutoencoderDetector, ContractiveAutoencoderDetector]) {
      const c = new D().planConfig(6, 1000);
      assert.equal(c.encoder, 'FC(6,3,tanh)-FC(3,2,sigmoid)');
      assert.equal(c.decoder, 'FC(2,3,tanh)-FC(3,6,none)');
    }
  });

  it('paper configurations: the E2E-AE networks and schedule, with the sigmoid code where the detector needs it', () => {
    const ae = detectorEntry('ae').paperConfigs.thyroid!.params;
    assert.deepEqual(detectorEntry('dae').paperConfigs.thyroid!.params, ae);
    for (const name of ['sae', 'cae']) {
      const p = detectorEntry(name).paperConfigs.arrhythmia!.params;
      assert.equal(p.encoder, 'FC(274,10,tanh)-FC(10,2,sigmoid)');
      assert.equal(p.decoder, detectorEntry('ae').paperConfigs.arrhythmia!.params.decoder);
      assert.equal(p.epochs, detectorEntry('ae').paperConfigs.arrhythmia!.params.epochs);
    }
  });
});

describe('dae', () => {
  it('masking zeroes a noiseLevel fraction of values from the given stream; gaussian adds noise of std noiseLevel', () => {
    const n = 20000, x = new Tensor(Float32Array.from({ length: n }, (_, i) => 1 + (i % 7)), [n / 4, 4]);
    const masked = corrupt(x, 'masking', 0.3, new Rng(5));
    const mask = new Float32Array(n); new Rng(5).fillKeepMask(mask, n, 0.7, 1);
    assert.deepEqual(Array.from(masked.data), Array.from(x.data, (v, i) => v * mask[i]));
    const zeros = masked.data.filter((v) => v === 0).length / n;
    assert.ok(Math.abs(zeros - 0.3) < 0.02, `masked fraction ${zeros}`);
    const noisy = corrupt(x, 'gaussian', 0.5, new Rng(5)).data;
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) { const e = noisy[i] - x.data[i]; s += e; s2 += e * e; }
    assert.ok(Math.abs(s / n) < 0.02 && Math.abs(Math.sqrt(s2 / n) - 0.5) < 0.02, `noise mean ${s / n}, std ${Math.sqrt(s2 / n)}`);
    assert.equal(x.data[0], 1, 'the input is not modified');
    assert.throws(() => new DenoisingAutoencoderDetector({ noiseLevel: 1 }), /masking fraction must be below 1/);
    assert.doesNotThrow(() => new DenoisingAutoencoderDetector({ noise: 'gaussian', noiseLevel: 1 }));
  });

  it('loss: the reconstruction of the masked rows against the clean rows (hand-computed); no corruption on held-out rows', () => {
    // encoder code = x1 + x2, decoder (code, code / 2): clean rows [1,2], [3,4] give codes 3 and 7.
    const det = withWeights(new DenoisingAutoencoderDetector({ encoder: 'FC(2,1,none)', decoder: 'FC(1,2,none)', noiseLevel: 0.5, epochs: 0 }), twoRows, { encoder: [[1, 1], [0]], decoder: [[1, 0.5], [0, 0]] });
    const x = tensor([1, 2, 3, 4], [2, 2]);
    // Held out: ((3-1)^2 + (1.5-2)^2 + (7-3)^2 + (3.5-4)^2) / 4 = 20.5 / 4.
    close(lossOf(det, x, false).loss.item(), 5.125, 1e-6, 'clean loss');
    // Seed 11 keeps [1, 0, 1, 0] at level 0.5 (checked): masked rows [1, 0] and [3, 0], codes 1 and 3.
    const mask = new Float32Array(4); new Rng(11).fillKeepMask(mask, 4, 0.5, 1);
    assert.deepEqual(Array.from(mask), [1, 0, 1, 0]);
    // ((1-1)^2 + (0.5-2)^2 + (3-3)^2 + (1.5-4)^2) / 4 = 8.5 / 4.
    close(lossOf(det, x, true, new Rng(11)).loss.item(), 2.125, 1e-6, 'masked loss');
  });

  it('training is deterministic for a seed, and the noise kind and level change it', () => {
    const data = planted(3).train.slice(0, 200);
    const fit = (p: Record<string, unknown>) => Array.from(new DenoisingAutoencoderDetector({ seed: 1, epochs: 3, ...p }).fit(data).scoreSamples(data));
    const masking = fit({});
    assert.deepEqual(fit({}), masking);
    assert.notDeepEqual(fit({ noise: 'gaussian' }), masking);
    assert.notDeepEqual(fit({ noiseLevel: 0.2 }), masking);
  });
});

describe('sae', () => {
  it('the sparsity penalty is sum_j KL(rho || mean activation of unit j), with its gradient (hand-computed)', () => {
    const code = parameter(Float32Array.from([0.1, 0.5, 0.3, 0.5]), [2, 2]);
    const kl = (rho: number, r: number) => rho * Math.log(rho / r) + (1 - rho) * Math.log((1 - rho) / (1 - r));
    const tape = new Tape();
    const p = tape.record(() => sparsityPenalty(code, 0.05));
    // Unit means 0.2 and 0.5: 0.093943 + 0.494628.
    close(p.item(), kl(0.05, 0.2) + kl(0.05, 0.5), 1e-5, 'penalty');
    close(p.item(), 0.588571, 1e-5, 'penalty by hand');
    tape.backward(p);
    // d/d code_ij = (1/m) (-rho / r_j + (1 - rho) / (1 - r_j)), m = 2 rows.
    const g = (r: number) => (-0.05 / r + 0.95 / (1 - r)) / 2;
    Array.from(code.grad!).forEach((v, i) => close(v, g(i % 2 === 0 ? 0.2 : 0.5), 1e-5, `gradient ${i}`));
    tape.release();
  });

  it('loss = mean squared error + beta * KL on a fixed network (hand-computed); the code layer must be sigmoid', () => {
    // code = sigmoid(x1 + x2): rows [0, 0] and [ln 3, 0] give 0.5 and 0.75 (mean 0.625); reconstruction (code, 0).
    const det = withWeights(new SparseAutoencoderDetector({ encoder: 'FC(2,1,sigmoid)', decoder: 'FC(1,2,none)', beta: 0.5, epochs: 0 }), twoRows, { encoder: [[1, 1], [0]], decoder: [[1, 0], [0, 0]] });
    const l = lossOf(det, tensor([0, 0, Math.log(3), 0], [2, 2]));
    const mse = (0.5 ** 2 + (0.75 - Math.log(3)) ** 2) / 4;
    const kl = 0.05 * Math.log(0.05 / 0.625) + 0.95 * Math.log(0.95 / 0.375);
    close(l.terms!.reconstruction.item(), mse, 1e-5, 'reconstruction');
    close(l.terms!.sparsity.item(), kl, 1e-5, 'sparsity');
    close(l.loss.item(), mse + 0.5 * kl, 1e-5, 'loss');
    close(sigmoid(Math.log(3)), 0.75, 1e-12, 'sigmoid(ln 3)');
    assert.throws(() => new SparseAutoencoderDetector({ encoder: 'FC(2,1,none)', decoder: 'FC(1,2,none)' }).fit(twoRows), /sae: the encoder's code layer must be sigmoid/);
  });

  it('a larger beta drives the mean code activations toward rho (a lower KL after training)', () => {
    const data = planted(3).train;
    const kl = (beta: number) => new SparseAutoencoderDetector({ seed: 2, beta, epochs: 30 }).fit(data).history.at(-1)!.terms.sparsity;
    const free = kl(0), sparse = kl(0.05);
    assert.ok(sparse < free / 4, `KL ${sparse} with beta 0.05 vs ${free} with beta 0`);
  });
});

describe('cae', () => {
  // encoder FC(3,2,tanh)-FC(2,1,sigmoid), decoder FC(1,3,none), fixed weights; W[i][j] = weight from input i to unit j.
  const W1 = [[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]], b1 = [0.1, -0.2], W2 = [1.2, -0.7], b2 = 0.05;
  const weights = { encoder: [W1.flat(), b1, W2, [b2]], decoder: [[0.4, -0.9, 0.3], [0, 0.1, 0]] };
  const code = (x: number[]) => {
    const h = [0, 1].map((j) => Math.tanh(x[0] * W1[0][j] + x[1] * W1[1][j] + x[2] * W1[2][j] + b1[j]));
    return sigmoid(h[0] * W2[0] + h[1] * W2[1] + b2);
  };
  const rows = [[0.3, -0.5, 0.9], [1.1, 0.4, -0.2]];

  it('the penalty is the squared Frobenius norm of the encoder Jacobian (against central differences)', () => {
    const det = withWeights(new ContractiveAutoencoderDetector({ encoder: 'FC(3,2,tanh)-FC(2,1,sigmoid)', decoder: 'FC(1,3,none)', lambda: 0.5, epochs: 0 }), [[0, 0, 0], [1, 1, 1]], weights);
    const fd = rows.map((x) => {
      let s = 0;
      for (let i = 0; i < 3; i++) {
        const up = x.map((v, k) => v + (k === i ? 1e-5 : 0)), down = x.map((v, k) => v - (k === i ? 1e-5 : 0));
        s += ((code(up) - code(down)) / 2e-5) ** 2;
      }
      return s;
    });
    const l = lossOf(det, tensor(rows.flat(), [2, 3]));
    close(l.terms!.contractive.item(), (fd[0] + fd[1]) / 2, 1e-4, 'penalty');
    close(l.loss.item(), l.terms!.reconstruction.item() + 0.5 * l.terms!.contractive.item(), 1e-6, 'loss');
  });

  it('the gradient of the loss reaches the encoder weights through the penalty (against central differences)', () => {
    const det = withWeights(new ContractiveAutoencoderDetector({ encoder: 'FC(3,2,tanh)-FC(2,1,sigmoid)', decoder: 'FC(1,3,none)', lambda: 5, epochs: 0 }), [[0, 0, 0], [1, 1, 1]], weights);
    const x = tensor(rows.flat(), [2, 3]), w = (det as unknown as Opened).mlp('encoder').weights[0];
    const tape = new Tape();
    tape.backward(tape.record(() => lossOf(det, x).loss));
    const analytic = Array.from(w.grad!);
    tape.release();
    // Float32 weights: a step of 1e-2 keeps the rounding error of the difference well under the tolerance.
    for (let i = 0; i < w.size; i++) {
      const orig = w.data[i];
      w.data[i] = orig + 1e-2; const up = lossOf(det, x).loss.item();
      w.data[i] = orig - 1e-2; const down = lossOf(det, x).loss.item();
      w.data[i] = orig;
      close(analytic[i], (up - down) / 2e-2, 2e-3, `d loss / d W1[${i}]`);
    }
  });

  it('a larger lambda makes the trained encoder more contractive', () => {
    const data = planted(3).train;
    const pen = (lambda: number) => new ContractiveAutoencoderDetector({ seed: 2, lambda, epochs: 30 }).fit(data).history.at(-1)!.terms.contractive;
    const free = pen(0), contracted = pen(1);
    assert.ok(contracted < free / 2, `||J||^2 ${contracted} with lambda 1 vs ${free} with lambda 0`);
  });
});

describe('reconstruction detectors: quality floor on planted anomalies', () => {
  // Why 0.95: an inlier's distance from the plane is the noise in the 6 orthogonal directions, 0.02 * chi_6:
  // ~0.05, above 0.1 with probability 3e-4. Every anomaly is 0.5 off the plane, 5 times that. A detector whose
  // 2-unit code has learned the plane reconstructs inliers to within the noise and cannot reconstruct an
  // anomaly closer than its distance to the plane, so it ranks all anomalies above (almost) all inliers:
  // AUROC ~1. The floor leaves 5% of the pairs for an imperfectly trained map.
  const { train, test, labels } = planted(7);
  it('the planted anomalies are not separable without the plane: distance from the centre ranks them poorly', () => {
    const a = auroc(test.map((r) => Math.hypot(...r)), labels);
    assert.ok(a < 0.8, `AUROC of the distance from the centre ${a}`);
  });
  for (const name of ['dae', 'sae', 'cae']) {
    it(`${name} (defaults, seed 1) ranks anomalies off the inliers' plane above the inliers: AUROC >= 0.95`, () => {
      const scores = detectorEntry(name).create({ seed: 1 }).fit(train).scoreSamples(test);
      const a = auroc(scores, labels);
      assert.ok(a >= 0.95, `${name}: AUROC ${a}`);
    });
  }
});

describe('reconstruction detectors: per-feature reconstruction errors', () => {
  it('are (x_j - x\'_j)^2 of the preprocessed rows: their row means are the ae score, and the report gets contributions', () => {
    const r = new Rng(3), rows = Array.from({ length: 64 }, () => [r.uniform(), r.uniform(), r.uniform()]);
    const det = detectorEntry('ae').create({ seed: 2, epochs: 3, batchSize: 16 }).fit(rows) as Recon;
    const m = det.transform(rows.slice(0, 5));
    const err = (det as unknown as { reconstructionErrors(x: Float32Array, n: number): Float32Array }).reconstructionErrors(m.x, m.rows);
    assert.equal(err.length, 5 * 3);
    const scores = det.scoreTransformed(m.x, m.rows);
    for (let i = 0; i < 5; i++) close((err[3 * i] + err[3 * i + 1] + err[3 * i + 2]) / 3, scores[i], 1e-5, `row ${i}`);
    assert.throws(() => (det as unknown as { reconstructionErrors(x: Float32Array, n: number): Float32Array }).reconstructionErrors(new Float32Array(4), 2), /4 values are not 2 rows of 3 features/);
  });
});
