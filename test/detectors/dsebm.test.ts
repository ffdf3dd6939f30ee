/**
 * DSEBM (dsebm-e, dsebm-r): the energy and its input gradient on tiny networks against hand formulas and
 * finite differences, the score-matching loss's parameter gradient against finite differences (both
 * backends), the two scores, the configurations, a quality floor on planted anomalies and the model file.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withKernels } from '../../src/engine/backend/index.js';
import { sum } from '../../src/engine/ops/index.js';
import { Rng } from '../../src/engine/rng.js';
import { parameter, Tape, Tensor } from '../../src/engine/tensor.js';
import type { LossOutput, StepContext } from '../../src/detectors/deep/detector.js';
import { splitAutoencoder } from '../../src/detectors/ae/paper-configs.js';
import { corrupt } from '../../src/detectors/dae/detector.js';
import { PAPER_CONFIGS } from '../../src/detectors/dagmm/paper-configs.js';
import { DsebmDetector, type DsebmName } from '../../src/detectors/dsebm/detector.js';
import { DSEBM_NETWORKS } from '../../src/detectors/dsebm/paper-configs.js';
import { detectorEntry, loadDetector } from '../../src/detectors/registry.js';
import { auroc } from '../../src/metrics/ranking.js';
import type { Mlp } from '../../src/nn/mlp.js';
import { formatNetworkSpec, parseNetworkSpec } from '../../src/nn/spec.js';
import { availableBackends } from '../support/backends.js';
import { planted } from '../support/planted.js';

/** The protected members the tests reach (through a cast: the detector keeps them protected). */
interface Opened { loss(x: Tensor, ctx: StepContext): LossOutput; mlp(name: string): Mlp }
const opened = (d: DsebmDetector) => d as unknown as Opened;

/**
 * A detector on raw values (no scaling) with the given energy network, fitted for 0 epochs on `rows`, then its
 * weights set: energy [w0, b0, w1, b1, ...] and b'.
 */
function withWeights(name: DsebmName, network: string, rows: number[][], energy: number[][], bPrime: number[]): DsebmDetector {
  const det = new DsebmDetector(name, { network, epochs: 0, preprocessing: { scaling: 'none', unseenCategory: 'ignore', missing: 'impute' } }).fit(rows);
  opened(det).mlp('energy').parameters().forEach((p, i) => p.data.set(energy[i]));
  opened(det).mlp('visible').weights[0].data.set(bPrime);
  return det;
}

const softplus = (v: number) => Math.log1p(Math.exp(v));
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

describe('dsebm: energy and reconstruction', () => {
  // One softplus unit: E(x) = 1/2 ||x - b'||^2 - softplus(w.x + c), dE/dx = x - b' - sigmoid(w.x + c) w.
  const w = [0.5, -1], c = 0.2, bp = [0.3, -0.4];
  const rows = [[1, 2], [-0.5, 0.25], [0.1, -0.7]];
  const hand = rows.map(([x1, x2]) => {
    const z = w[0] * x1 + w[1] * x2 + c;
    const grad = [x1 - bp[0] - sigmoid(z) * w[0], x2 - bp[1] - sigmoid(z) * w[1]];
    return { energy: 0.5 * ((x1 - bp[0]) ** 2 + (x2 - bp[1]) ** 2) - softplus(z), r: [x1 - grad[0], x2 - grad[1]], error: grad[0] ** 2 + grad[1] ** 2 };
  });

  it('one softplus unit: E, r(x) = x - dE/dx and both scores match the hand formulas', () => {
    const e = withWeights('dsebm-e', 'FC(2,1,softplus)', rows, [w, [c]], bp);
    const r = withWeights('dsebm-r', 'FC(2,1,softplus)', rows, [w, [c]], bp);
    const x = new Tensor(Float32Array.from(rows.flat()), [3, 2]);
    const energy = e.energy(x).data, rec = e.reconstruction(x).data;
    const se = e.scoreSamples(rows), sr = r.scoreSamples(rows);
    hand.forEach((h, i) => {
      close(energy[i], h.energy, 1e-6, `E(row ${i})`);
      close(rec[2 * i], h.r[0], 1e-6, `r(row ${i})_0`);
      close(rec[2 * i + 1], h.r[1], 1e-6, `r(row ${i})_1`);
      close(se[i], h.energy, 1e-6, `dsebm-e score of row ${i}`);
      close(sr[i], h.error, 1e-6, `dsebm-r score of row ${i}`);
    });
    assert.equal(e.scoreName, 'energy E(x)');
    assert.match(r.scoreName, /reconstruction error/);
  });

  it('the loss is the mean over rows of ||x - r(x + sigma eps)||^2, eps from the given stream', () => {
    const det = withWeights('dsebm-r', 'FC(2,1,softplus)', rows, [w, [c]], bp);
    const x = new Tensor(Float32Array.from(rows.flat()), [3, 2]);
    const noisy = corrupt(x, 'gaussian', 0.1, new Rng(5)).data;
    let want = 0;
    for (let i = 0; i < 3; i++) {
      const z = w[0] * noisy[2 * i] + w[1] * noisy[2 * i + 1] + c;
      want += (rows[i][0] - bp[0] - sigmoid(z) * w[0]) ** 2 + (rows[i][1] - bp[1] - sigmoid(z) * w[1]) ** 2;
    }
    close(opened(det).loss(x, { training: true, rng: new Rng(5), epoch: 1 }).loss.item(), want / 3, 1e-5, 'loss');
    // Held-out rows are corrupted too: the criterion is defined on corrupted rows.
    close(opened(det).loss(x, { training: false, rng: new Rng(5), epoch: 1 }).loss.item(), want / 3, 1e-5, 'held-out loss');
  });

  it('a deeper network: dE/dx = x - r(x) equals central differences of E and the autodiff gradient of E', () => {
    const rng = new Rng(3);
    const spec = 'FC(3,4,softplus)-FC(4,2,tanh)';
    const rand = (n: number) => Array.from({ length: n }, () => rng.range(-1, 1));
    const rows = [rand(3), rand(3)];
    const det = withWeights('dsebm-e', spec, rows, [rand(12), rand(4), rand(8), rand(2)], rand(3));
    const x = new Tensor(Float32Array.from(rows.flat()), [2, 3]);
    const rec = det.reconstruction(x).data;
    const energyAt = (xs: Float32Array) => det.energy(new Tensor(xs, [2, 3])).data;
    const xp = parameter(Float32Array.from(rows.flat()), [2, 3]);
    const tape = new Tape();
    tape.backward(tape.record(() => sum(det.energy(xp))));
    const auto = Float32Array.from(xp.grad!);
    tape.release();
    const h = 1e-2;
    for (let q = 0; q < 6; q++) {
      const up = x.data.slice(), down = x.data.slice();
      up[q] += h; down[q] -= h;
      const numeric = (energyAt(up)[Math.floor(q / 3)] - energyAt(down)[Math.floor(q / 3)]) / (2 * h);
      const dE = x.data[q] - rec[q];
      assert.ok(Math.abs(dE - numeric) < 2e-3, `dE/dx[${q}]: ${dE} vs central difference ${numeric}`);
      assert.ok(Math.abs(dE - auto[q]) < 1e-5, `dE/dx[${q}]: ${dE} vs autodiff ${auto[q]}`);
    }
  });
});

for (const k of availableBackends()) {
  describe(`dsebm: the score-matching loss on the ${k.name} backend`, () => {
    it('its gradient wrt every parameter equals central differences (noise fixed by the stream)', () => withKernels(k, () => {
      const rng = new Rng(8);
      const rows = Array.from({ length: 5 }, () => [rng.range(0, 1), rng.range(0, 1), rng.range(0, 1)]);
      const det = new DsebmDetector('dsebm-r', { network: 'FC(3,4,softplus)-FC(4,2,softplus)', epochs: 0, sigma: 0.3, seed: 2 }).fit(rows);
      const x = new Tensor(Float32Array.from(rows.flat()), [5, 3]);
      const lossAt = (): number => {
        const t = new Tape({ grad: false });
        const v = t.record(() => opened(det).loss(x, { training: true, rng: new Rng(5), epoch: 1 })).loss.item();
        t.release();
        return v;
      };
      const params = [...opened(det).mlp('energy').parameters(), ...opened(det).mlp('visible').parameters()];
      params.forEach((p) => p.zeroGrad());
      const tape = new Tape();
      tape.backward(tape.record(() => opened(det).loss(x, { training: true, rng: new Rng(5), epoch: 1 })).loss);
      const grads = params.map((p) => Float64Array.from(p.grad ?? new Float32Array(p.size)));
      tape.release();
      params.forEach((p, q) => {
        for (let i = 0; i < p.size; i++) {
          const orig = p.data[i], h = 1e-3 * Math.max(1, Math.abs(orig));
          p.data[i] = orig + h; const up = lossAt();
          p.data[i] = orig - h; const down = lossAt();
          p.data[i] = orig;
          const numeric = (up - down) / (Math.fround(orig + h) - Math.fround(orig - h));
          const a = grads[q][i];
          assert.ok(Math.abs(a - numeric) <= 2e-3 + 2e-2 * Math.max(Math.abs(a), Math.abs(numeric)), `parameter ${q}[${i}]: ${a} vs ${numeric}`);
        }
      });
      // The visible network's bias (last parameter) is not part of the energy: no gradient reaches it.
      assert.ok(grads[params.length - 1].every((g) => g === 0));
    }));
  });
}

describe('dsebm: configuration', () => {
  it('default network: the autoencoders\' encoder widths from the input width, softplus layers', () => {
    assert.equal(new DsebmDetector('dsebm-e').planConfig(120, 1000).network, 'FC(120,60,softplus)-FC(60,10,softplus)');
    const c = new DsebmDetector('dsebm-r').planConfig(6, 1000);
    assert.equal(c.network, 'FC(6,3,softplus)-FC(3,2,softplus)');
    assert.equal(c.sigma, 0.1);
    assert.deepEqual(c.auto, ['network', 'batchSize', 'epochs']);
  });

  it('paper configurations: Appendix A\'s networks (DAGMM\'s encoders, softplus), DAGMM\'s schedule, Table 2\'s results', () => {
    for (const [k, network] of Object.entries(DSEBM_NETWORKS) as [keyof typeof PAPER_CONFIGS, string][]) {
      const encoder = parseNetworkSpec(splitAutoencoder(PAPER_CONFIGS[k].compression).encoder).map((l) => ({ ...l, activation: 'softplus' as const }));
      assert.equal(network, formatNetworkSpec(encoder), k);
      for (const name of ['dsebm-e', 'dsebm-r']) {
        const run = detectorEntry(name).paperConfigs[k]!;
        assert.deepEqual(run.params, { network, epochs: PAPER_CONFIGS[k].epochs, batchSize: PAPER_CONFIGS[k].batchSize, learningRate: 1e-4 });
      }
    }
    assert.deepEqual(detectorEntry('dsebm-e').paperConfigs.kddcup!.results, { precision: 0.7369, recall: 0.7477, f1: 0.7423 });
    assert.deepEqual(detectorEntry('dsebm-r').paperConfigs.thyroid!.results, { precision: 0.0404, recall: 0.0403, f1: 0.0403 });
  });

  it('bad parameters give errors naming the problem', () => {
    assert.throws(() => new DsebmDetector('dsebm-e', { network: 'FC(6,4,softplus)-Drop(0.5)-FC(4,1,softplus)' }), /network:.*Drop layer/);
    assert.throws(() => new DsebmDetector('dsebm-e', { network: 'FC(6,4,softplus)-FC(4,2,softmax)' }), /network:.*softmax/);
    assert.throws(() => new DsebmDetector('dsebm-r', { sigma: 0 }), /dsebm-r: invalid parameters\n {2}sigma/);
    assert.throws(() => new DsebmDetector('dsebm-e', { network: 'FC(3,2,softplus)', epochs: 0 }).fit([[1, 2], [3, 4]]), /energy network takes 3 inputs, but the preprocessed data has 2 features/);
  });
});

describe('dsebm: quality floor on planted anomalies', () => {
  // The inliers lie within noise (0.02 per value) of a 2-d plane in 8-d; every anomaly is 0.5 off it (see
  // test/support/planted.ts: an inlier is more than 0.1 off with probability 3e-4). The score-matching optimum
  // is E = sigma^2 (-log q_sigma) with q_sigma the inliers' density smoothed by the corruption, which rises by
  // sigma^2 delta^2 / (2 (s^2 + sigma^2)) at distance delta from the plane (s its thickness) and is flat along
  // it, while ||dE/dx|| grows as sigma^2 delta / (s^2 + sigma^2): both rank anomalies above inliers (AUROC ~1)
  // once the energy has learned the plane. The untrained networks (0 epochs) rank them ~0.6, so the floor
  // tests the training; 0.95 leaves 5% of the pairs for an imperfect energy.
  const { train, test, labels } = planted(7);
  for (const name of ['dsebm-e', 'dsebm-r']) {
    it(`${name} (defaults, seed 1) ranks anomalies off the inliers' plane above the inliers: AUROC >= 0.95`, () => {
      const a = auroc(detectorEntry(name).create({ seed: 1 }).fit(train).scoreSamples(test), labels);
      assert.ok(a >= 0.95, `${name}: AUROC ${a}`);
    });
  }
  it('untrained (0 epochs) the same networks do not reach the floor', () => {
    const a = auroc(detectorEntry('dsebm-e').create({ seed: 1, epochs: 0 }).fit(train).scoreSamples(test), labels);
    assert.ok(a < 0.8, `AUROC ${a}`);
  });
});

describe('dsebm: model file', () => {
  it('a paper-shaped network round-trips to identical scores under both names', () => {
    const rng = new Rng(2);
    const rows = Array.from({ length: 120 }, () => Array.from({ length: 6 }, () => rng.normal()));
    for (const name of ['dsebm-e', 'dsebm-r']) {
      const det = detectorEntry(name).create({ network: DSEBM_NETWORKS.thyroid, epochs: 3, batchSize: 32, seed: 4 }).fit(rows);
      const back = loadDetector(det.toBytes('2026-01-01T00:00:00.000Z'), 'm.abr');
      assert.equal(back.name, name);
      assert.deepEqual(back.resolvedConfig(), det.resolvedConfig());
      assert.deepEqual(Array.from(back.scoreSamples(rows)), Array.from(det.scoreSamples(rows)));
    }
  });
});
