/** RDA: the proximal operators, one outer iteration by hand, scoring, defaults, and robustness to planted anomalies. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { RobustAutoencoderDetector } from '../../src/detectors/rda/detector.js';
import { shrinkL1, shrinkL21Rows } from '../../src/detectors/rda/prox.js';
import { loadDetector } from '../../src/detectors/registry.js';
import { auroc } from '../../src/metrics/ranking.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `[${i}] ${a[i]} vs ${b[i]}`);
};

describe('RDA proximal operators', () => {
  it('l1: elementwise shrinkage toward 0 by lambda, entries within lambda become 0', () => {
    close(shrinkL1([3, -0.5, -2, 1, 0], 1), [2, 0, -1, 0, 0]);
  });
  it('l2,1: each row scaled by max(0, 1 - lambda / ||row||); a row below the threshold (and a zero row) becomes 0', () => {
    // Row norms 5, 0.5, 0, 1: scaled by 0.8, 0 (0.5 < 1), 0 (no division by zero), 0 (exactly lambda).
    close(shrinkL21Rows([3, 4, 0.3, 0.4, 0, 0, 0.6, 0.8], 2, 1), [2.4, 3.2, 0, 0, 0, 0, 0, 0]);
  });
});

/** A linear autoencoder's reconstruction from the saved weights (encoder.0, encoder.1, decoder.0, decoder.1). */
function linearAe(det: RobustAutoencoderDetector, x: number[][]): number[][] {
  const t = Object.fromEntries(det.toJSON().tensors.map((e) => [e.name, e.data]));
  return x.map((r) => {
    const z = r[0] * t['encoder.0'][0] + r[1] * t['encoder.0'][1] + t['encoder.1'][0];
    return [z * t['decoder.0'][0] + t['decoder.1'][0], z * t['decoder.0'][1] + t['decoder.1'][1]];
  });
}

describe('RDA detector', () => {
  // Unscaled, so the scaled units are the raw ones and the algorithm can be followed by hand.
  const tiny = [[0, 0], [1, 1], [2, 2.1], [3, 2.9], [0.5, 4]];
  const base = { seed: 2, encoder: 'FC(2,1,none)', decoder: 'FC(1,2,none)', preprocessing: { scaling: 'none' as const }, batchSize: 5, learningRate: 0.05 };

  for (const norm of ['l1', 'l21'] as const) {
    it(`one outer iteration (${norm}): S = prox(X - AE(X)) with the trained autoencoder; c1 = c2 = ||X - L_D - S|| / ||X||`, () => {
      const det = new RobustAutoencoderDetector({ ...base, norm, lambda: 0.5, outerIterations: 1, innerEpochs: 3 }).fit(tiny);
      const rec = linearAe(det, tiny);
      const resid = tiny.flatMap((r, i) => [r[0] - rec[i][0], r[1] - rec[i][1]]);
      const s = norm === 'l1' ? shrinkL1(resid, 0.5) : shrinkL21Rows(resid, 2, 0.5);
      close(det.sparsePart!, s, 1e-5);
      const xNorm = Math.hypot(...tiny.flat());
      const c1 = Math.hypot(...resid.map((v, i) => v - s[i])) / xNorm;
      const [it] = det.outerHistory;
      assert.ok(Math.abs(it.c1 - c1) < 1e-5 && Math.abs(it.c2 - c1) < 1e-5, JSON.stringify(it));
      assert.equal(det.training?.steps, 3);
      // One alternation step from S = 0 on the training rows is the fit's S: the sparse score is its row norm.
      const sparse = new RobustAutoencoderDetector({ ...base, norm, lambda: 0.5, outerIterations: 1, innerEpochs: 3, score: 'sparse' }).fit(tiny);
      close(sparse.scoreSamples(tiny), det.sparseScores, 1e-5);
      close(det.sparseScores, tiny.map((_, i) => Math.hypot(s[2 * i], s[2 * i + 1])), 1e-5);
    });
  }

  it('the next outer iteration works on L_D = X - S; the loop stops at the first iteration below the tolerance', () => {
    // No training (innerEpochs 0) keeps the autoencoder fixed, so S2 = prox(X - AE(X - S1)) can be computed by hand.
    const det = new RobustAutoencoderDetector({ ...base, lambda: 0.5, outerIterations: 2, innerEpochs: 0 }).fit(tiny);
    const step = (s: ArrayLike<number>) => {
      const l = tiny.map((r, i) => [r[0] - s[2 * i], r[1] - s[2 * i + 1]]);
      const rec = linearAe(det, l);
      return shrinkL21Rows(tiny.flatMap((r, i) => [r[0] - rec[i][0], r[1] - rec[i][1]]), 2, 0.5);
    };
    close(det.sparsePart!, step(step(new Float32Array(10))), 1e-5);
    assert.equal(det.outerHistory.length, 2);
    const tol = 0.05;
    const h = new RobustAutoencoderDetector({ ...base, lambda: 0.5, outerIterations: 30, innerEpochs: 2, tolerance: tol }).fit(tiny).outerHistory;
    h.slice(0, -1).forEach((it) => assert.ok(it.c1 >= tol && it.c2 >= tol, JSON.stringify(it)));
    const last = h.at(-1)!;
    assert.ok(h.length === 30 || Math.min(last.c1, last.c2) < tol, JSON.stringify(last));
  });

  it('defaults: lambda 0.1 (l1) or 0.1 * sqrt(d) (l21); the epoch budget is split over the outer iterations; networks from the width', () => {
    const r = new Rng(1), data = Array.from({ length: 100 }, () => Array.from({ length: 9 }, () => r.uniform()));
    const c = new RobustAutoencoderDetector({ epochs: 25, outerIterations: 10 }).fit(data).resolvedConfig();
    assert.equal(c.lambda, 0.1 * 3);
    assert.deepEqual([c.innerEpochs, c.epochs, c.norm, c.score], [3, 30, 'l21', 'reconstruction']);
    assert.equal(c.encoder, 'FC(9,5,tanh)-FC(5,3,none)');
    assert.equal(new RobustAutoencoderDetector({ epochs: 2, norm: 'l1' }).fit(data).resolvedConfig().lambda, 0.1);
  });

  it('scores are reproducible for a seed and survive the model file, in both score modes', () => {
    const r = new Rng(3), data = Array.from({ length: 80 }, () => { const t = r.uniform(); return [t, t * t, 1 - t, 0.05 * r.normal()]; });
    for (const score of ['reconstruction', 'sparse'] as const) {
      const make = () => new RobustAutoencoderDetector({ seed: 5, epochs: 8, outerIterations: 4, learningRate: 1e-2, score }).fit(data);
      const a = make(), b = make();
      assert.deepEqual(Array.from(a.scoreSamples(data)), Array.from(b.scoreSamples(data)));
      const loaded = loadDetector(a.toBytes());
      assert.deepEqual(Array.from(loaded.scoreSamples(data)), Array.from(a.scoreSamples(data)));
    }
    assert.throws(() => new RobustAutoencoderDetector({ lambda: 0 }), /lambda/);
    assert.throws(() => new RobustAutoencoderDetector({ norm: 'l2' as 'l1' }), /norm/);
  });

  it('quality floor: fitted on rows that contain 5% planted anomalies, S holds them and new anomalies score high', () => {
    /*
     * Normal rows lie on a closed curve in 8-d, x_j = 0.5 + 0.4 sin(2 pi t + j), plus noise 0.01: after min-max
     * scaling (range ~0.8 -> 1) the residual of a normal row is the noise plus the fit error, far below the
     * default l2,1 threshold 0.1 * sqrt(8) = 0.28. Anomalies are uniform in the box [0.1, 0.9]^8: their
     * distance to a 1-d curve in 8-d is that of ~7 free coordinates of spread ~0.25 (scaled ~0.3), about
     * 0.3 * sqrt(7) ~ 0.8, three times the threshold. So S should hold nearly every planted row and few
     * normal ones, and held-out anomalies should rank far above held-out normal rows.
     */
    const r = new Rng(11), d = 8;
    const normal = () => { const t = r.uniform(); return Array.from({ length: d }, (_, j) => 0.5 + 0.4 * Math.sin(2 * Math.PI * t + j) + 0.01 * r.normal()); };
    const anomaly = () => Array.from({ length: d }, () => 0.1 + 0.8 * r.uniform());
    const train = Array.from({ length: 600 }, (_, i) => (i % 20 === 0 ? anomaly() : normal()));
    const planted: number[] = train.map((_, i) => (i % 20 === 0 ? 1 : 0));
    const test = [...Array.from({ length: 300 }, normal), ...Array.from({ length: 30 }, anomaly)];
    const testLabels = test.map((_, i) => (i >= 300 ? 1 : 0));
    const det = new RobustAutoencoderDetector({ seed: 1, learningRate: 1e-2 }).fit(train);
    const inS = det.sparseScores;
    const caught = planted.reduce((a, p, i) => a + (p && inS[i] > 0 ? 1 : 0), 0);
    const falseRows = planted.reduce((a, p, i) => a + (!p && inS[i] > 0 ? 1 : 0), 0);
    assert.ok(caught >= 27, `S holds ${caught} of 30 planted rows`);
    assert.ok(falseRows <= 30, `S holds ${falseRows} of 570 normal rows`);
    const a = auroc(det.scoreSamples(test), testLabels);
    assert.ok(a > 0.95, `AUROC ${a}`);
  });
});
