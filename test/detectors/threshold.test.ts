import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { calibrate, describeThreshold, quantileSorted, scoreRank, ThresholdSpecSchema } from '../../src/detectors/threshold.js';
import { Rng } from '../../src/engine/rng.js';
import { autoBatchSize, autoEpochs, autoHidden, autoK, autoLatentSize, resolveDagmmConfig } from '../../src/detectors/dagmm/auto-config.js';
import { LIBRARY_VERSION } from '../../src/version.js';

describe('thresholds', () => {
  it('quantiles interpolate linearly (numpy default)', () => {
    const s = Float64Array.from([1, 2, 3, 4, 5]);
    assert.equal(quantileSorted(s, 0), 1);
    assert.equal(quantileSorted(s, 1), 5);
    assert.equal(quantileSorted(s, 0.9), 4.6);
    assert.throws(() => quantileSorted(new Float64Array(0), 0.5), /empty/);
  });
  it('contamination: the (1 - c) quantile of training scores; value: as given; holdout: quantile of held-out scores', () => {
    const train = Array.from({ length: 101 }, (_, i) => i);
    assert.equal(calibrate({ contamination: 0.1 }, train, null).threshold, 90);
    assert.equal(calibrate({ value: 3.5 }, train, null).threshold, 3.5);
    const c = calibrate({ holdout: 0.2, quantile: 0.5 }, train, [10, 20, 30]);
    assert.equal(c.threshold, 20);
    assert.equal(c.reference, 'holdout');
    assert.throws(() => calibrate({ holdout: 0.2, quantile: 0.5 }, train, []), /no held-out rows/);
  });
  it('rank-probability: fraction of reference scores below, clamped to [0, 1]', () => {
    const c = calibrate({ contamination: 0.1 }, Array.from({ length: 101 }, (_, i) => i), null);
    assert.equal(scoreRank(c, -5), 0);
    assert.equal(scoreRank(c, 500), 1);
    assert.equal(scoreRank(c, 50), 0.5);
    assert.ok(Math.abs(scoreRank(c, 25.5) - 0.255) < 1e-12);
  });
  it('the spec schema rejects impossible rules', () => {
    assert.ok(!ThresholdSpecSchema.safeParse({ contamination: 0.5 }).success);
    assert.ok(!ThresholdSpecSchema.safeParse({ contamination: 0.1, value: 2 }).success);
    assert.ok(!ThresholdSpecSchema.safeParse({ holdout: 0.1 }).success);
    assert.ok(ThresholdSpecSchema.safeParse({ holdout: 0.1, quantile: 0.99 }).success);
  });
});

describe('DAGMM auto-configuration', () => {
  it("reproduces the paper's choices for the paper's data shapes", () => {
    // KDDCUP: 120 features, ~198k training rows
    const kdd = resolveDagmmConfig({ features: 120, rows: 198_000 }, { learningRate: 1e-4, lambdaEnergy: 0.1, lambdaCov: 0.005, dropoutKeep: 0.5, estimationHidden: 10, reconstructionFeatures: ['relative-euclidean', 'cosine'] });
    assert.equal(kdd.compression, 'FC(120,60,tanh)-FC(60,30,tanh)-FC(30,10,tanh)-FC(10,1,none)-FC(1,10,tanh)-FC(10,30,tanh)-FC(30,60,tanh)-FC(60,120,none)');
    assert.equal(kdd.estimation, 'FC(3,10,tanh)-Drop(0.5)-FC(10,4,softmax)');
    assert.equal(kdd.batchSize, 1024);
    // Thyroid: 6 features, ~1,840 rows
    assert.deepEqual(autoHidden(6, 1840, autoLatentSize(6)), [12, 4]);
    assert.equal(autoK(1840), 2);
    assert.equal(autoBatchSize(1840), 1024);
    // Arrhythmia: 274 features, ~193 rows
    assert.equal(autoLatentSize(274), 2);
    assert.deepEqual(autoHidden(274, 193, 2), [10]);
    assert.equal(autoBatchSize(193), 128);
  });
  it('epochs aim at ~20,000 steps within bounds; overrides win and are not marked auto', () => {
    assert.equal(autoEpochs(1840, 1024), 10_000);
    assert.equal(autoEpochs(10, 32), 20_000);
    assert.equal(autoEpochs(5_000_000, 1024), 10);
    const base = { learningRate: 1e-4, lambdaEnergy: 0.1, lambdaCov: 0.005, dropoutKeep: 0.5, estimationHidden: 10, reconstructionFeatures: ['relative-euclidean' as const] };
    const r = resolveDagmmConfig({ features: 8, rows: 500 }, { ...base, gmmK: 3, epochs: 7, hidden: [5] });
    assert.equal(r.compression, 'FC(8,5,tanh)-FC(5,1,none)-FC(1,5,tanh)-FC(5,8,none)');
    assert.equal(r.estimation, 'FC(2,10,tanh)-Drop(0.5)-FC(10,3,softmax)');
    assert.deepEqual(r.auto.sort(), ['batchSize', 'compression', 'estimation', 'latentSize']);
    assert.throws(() => resolveDagmmConfig({ features: 8, rows: 500 }, { ...base, compression: 'FC(6,1,none)-FC(1,6,none)' }), /takes 6 inputs, but the preprocessed data has 8 features/);
  });
});

describe('library version', () => {
  it('matches package.json (it is written into model files)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(LIBRARY_VERSION, pkg.version);
  });
});

describe('generated docs', () => {
  it('docs/detectors.md is what the parameter schemas generate (run node dist/bench/detector-docs.js > docs/detectors.md)', async () => {
    const { detectorDocs } = await import('../../bench/detector-docs.js');
    assert.equal(readFileSync(new URL('../../../docs/detectors.md', import.meta.url), 'utf8'), detectorDocs());
  });
});

describe('threshold quantile rule (the 99th percentile of training scores)', () => {
  it('{quantile: q} is the q quantile of training scores, the same threshold as {contamination: 1 - q}', () => {
    const r = new Rng(3), train = Array.from({ length: 1000 }, () => r.normal() ** 2);
    for (const q of [0.99, 0.95, 0.9, 0.975]) {
      const byQ = calibrate({ quantile: q }, train, null), byC = calibrate({ contamination: Number((1 - q).toFixed(3)) }, train, null);
      assert.equal(byQ.threshold, byC.threshold, `q ${q}`);
      assert.equal(byQ.reference, 'training');
    }
    assert.equal(calibrate({ quantile: 0.9 }, Array.from({ length: 101 }, (_, i) => i), null).threshold, 90);
    assert.equal(describeThreshold({ quantile: 0.99 }), 'quantile 0.99: the 0.99 quantile of training scores (the same as contamination 0.01)');
  });
  it('the schema keeps {quantile} and {holdout, quantile} apart and bounds q like contamination', () => {
    assert.ok(ThresholdSpecSchema.safeParse({ quantile: 0.99 }).success);
    assert.ok(!ThresholdSpecSchema.safeParse({ quantile: 0.4 }).success, 'below 0.5 would flag most training rows');
    assert.ok(!ThresholdSpecSchema.safeParse({ quantile: 1 }).success);
    assert.ok(!ThresholdSpecSchema.safeParse({ quantile: 0.99, contamination: 0.01 }).success);
    assert.deepEqual(ThresholdSpecSchema.parse({ holdout: 0.2, quantile: 0.5 }), { holdout: 0.2, quantile: 0.5 });
  });
});
