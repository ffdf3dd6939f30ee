/**
 * REPEN (src/detectors/repen): LeSiNN, the pseudo-labels, the triplet weights and the triplet ranking loss on
 * tiny cases by hand, the score as LeSiNN in the learned space with the pseudo-labels' subsamples, a seeded
 * quality floor on planted data with anomalies among the training rows (REPEN's setting), the model file's
 * member representations, and parameter errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { Tape, Tensor } from '../../src/engine/tensor.js';
import { takeRows } from '../../src/data/datasets/types.js';
import { lesinnScores, lesinnSubsamples } from '../../src/detectors/repen/lesinn.js';
import { pseudoLabels, RepenDetector, tripletRankingLoss, tripletWeights } from '../../src/detectors/repen/detector.js';
import { detectorEntry, loadDetector } from '../../src/detectors/registry.js';
import { auroc } from '../../src/metrics/ranking.js';
import { gradCheck } from '../support/gradcheck.js';
import { planted } from '../support/planted.js';

const close = (a: number, b: number, what: string, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
const t = (rows: number[][]) => new Tensor(Float32Array.from(rows.flat()), [rows.length, rows[0].length]);

describe('REPEN: LeSiNN, pseudo-labels, triplets, loss', () => {
  it('LeSiNN: mean over subsamples of the distance to the nearest member', () => {
    // Rows 0, 1, 3, 10 (1-d); subsamples {0, 1} and {3, 10}. Row 0: (0 + 3) / 2; row 1: (0 + 2) / 2;
    // row 3: (2 + 0) / 2; row 10: (9 + 0) / 2. In 2-d the distance is Euclidean: (3, 4) to (0, 0) is 5.
    const out = new Float64Array(4);
    lesinnScores([0, 1, 3, 10], 4, 1, [0, 1, 3, 10], 2, out);
    assert.deepEqual(Array.from(out), [1.5, 1, 1, 4.5]);
    const o2 = new Float64Array(1);
    lesinnScores([3, 4], 1, 2, [0, 0, 30, 40], 1, o2);
    assert.equal(o2[0], 5);
    assert.throws(() => lesinnScores([0], 1, 1, [0, 1, 2], 2, out), /3 members do not form 2 subsamples/);
  });

  it('subsamples: distinct rows within each, from the stream; all rows when fewer than S', () => {
    const a = lesinnSubsamples(100, 50, 8, new Rng(4)), b = lesinnSubsamples(100, 50, 8, new Rng(4));
    assert.deepEqual(a, b);
    assert.equal(a.length, 400);
    for (let e = 0; e < 50; e++) assert.equal(new Set(a.subarray(e * 8, e * 8 + 8)).size, 8, `subsample ${e} has repeated rows`);
    assert.notDeepEqual(a, lesinnSubsamples(100, 50, 8, new Rng(5)));
    const small = lesinnSubsamples(3, 2, 8, new Rng(1));
    assert.equal(small.length, 6);
    assert.deepEqual([...small.subarray(0, 3)].sort(), [0, 1, 2]);
  });

  it('pseudo-labels: above mean + cutoff sd; else the 10 highest', () => {
    // [1, 1, 1, 1, 10]: mean 2.8, sd 3.6, threshold 2.8 + 1.7321 x 3.6 = 9.04: row 4 only.
    const a = pseudoLabels([1, 1, 1, 1, 10], 1.7321);
    assert.deepEqual(Array.from(a.outliers), [4]);
    assert.deepEqual(Array.from(a.inliers), [0, 1, 2, 3]);
    // 1..12: mean 6.5, sd 3.452, threshold 12.48 >= the maximum, so the 10 highest (3..12) are outliers.
    const b = pseudoLabels(Array.from({ length: 12 }, (_, i) => i + 1), 1.7321);
    assert.deepEqual(Array.from(b.outliers), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // Equal scores: the first rows by index, leaving two inliers.
    const c = pseudoLabels([2, 2, 2, 2], 1.7321);
    assert.deepEqual(Array.from(c.outliers), [0, 1]);
    assert.deepEqual(Array.from(c.inliers), [2, 3]);
  });

  it('triplet weights: examples by (sum of inlier scores - score), negatives by score', () => {
    // Inlier scores 1, 2, 3 (sum 6): weights 5, 4, 3 over 12; outlier scores 4, 6: 0.4, 0.6.
    const w = tripletWeights([1, 4, 2, 6, 3], Int32Array.from([0, 2, 4]), Int32Array.from([1, 3]));
    [5 / 12, 4 / 12, 3 / 12].forEach((v, i) => close(w.example[i], v, `example ${i}`));
    [0.4, 0.6].forEach((v, i) => close(w.negative[i], v, `negative ${i}`));
    const zero = tripletWeights([0, 0, 0], Int32Array.from([0]), Int32Array.from([1, 2]));
    assert.deepEqual(Array.from(zero.example), [1]);
    assert.deepEqual(Array.from(zero.negative), [0.5, 0.5]);
  });

  it('triplet ranking loss: mean max(0, margin - (||e - n||^2 - ||e - p||^2))', () => {
    // Triplet 1: ||e - p||^2 = 1, ||e - n||^2 = 4: 10 - 3 = 7. Triplet 2: 1 and 25: 10 - 24 < 0 -> 0. Mean 3.5.
    const e = t([[0, 0], [0, 0]]), p = t([[1, 0], [0, 1]]), n = t([[2, 0], [5, 0]]);
    close(tripletRankingLoss(e, p, n, 10).item(), 3.5, 'loss');
    // Gradient of triplet 1 only: d/dn = -2 (n - e) / 2 = [-2, 0]; d/dp = 2 (p - e) / 2 = [1, 0].
    const tape = new Tape(), nn = new Tensor(Float32Array.from([2, 0, 5, 0]), [2, 2], true), pp = new Tensor(Float32Array.from([1, 0, 0, 1]), [2, 2], true);
    tape.backward(tape.record(() => tripletRankingLoss(e, pp, nn, 10)));
    assert.deepEqual(Array.from(nn.grad!), [-2, 0, 0, 0]);
    assert.deepEqual(Array.from(pp.grad!), [1, 0, 0, 0]);
    tape.release();
    gradCheck('triplet ranking loss', ([a, b, c]) => tripletRankingLoss(a, b, c, 3), [
      { data: [0, 0.5, 1, 1], shape: [2, 2] }, { data: [0.2, 0.4, 1.1, 1.3], shape: [2, 2] }, { data: [1, 1.5, 0.1, 0.2], shape: [2, 2] },
    ]);
  });
});

describe('REPEN detector', () => {
  const data = planted(5);
  // REPEN's setting: unlabelled training rows with anomalies among them, scored themselves (the paper's).
  const anomalies = data.test.filter((_, i) => data.labels[i] === 1).slice(0, 25);
  const rows = [...data.train, ...anomalies], truth = rows.map((_, i) => (i >= data.train.length ? 1 : 0));
  const base = { seed: 1 };

  it('defaults: the paper\'s one ReLU layer of 20, margin 1000, LeSiNN 50 x 8, batch 256, 30 epochs', () => {
    const c = new RepenDetector().planConfig(8, 1000);
    assert.equal(c.network, 'FC(8,20,relu)');
    assert.equal(c.representationSize, 20);
    assert.deepEqual([c.margin, c.ensembleSize, c.subsampleSize, c.batchSize, c.epochs, c.learningRate], [1000, 50, 8, 256, 30, 1e-3]);
    assert.equal(new RepenDetector().planConfig(8, 100).batchSize, 100);
  });

  it('score = LeSiNN in the learned space over the pseudo-labels\' subsamples of training rows', () => {
    const det = new RepenDetector({ ...base, epochs: 2 }).fit(rows);
    const x = det.transform(rows).x, n = rows.length;
    const members = lesinnSubsamples(n, 50, 8, new Rng(1).fork('lesinn'));
    const codes = det.represent(takeRows(x, 8, members), members.length);
    const want = new Float64Array(5);
    lesinnScores(det.represent(x.subarray(0, 40), 5), 5, 20, codes, 50, want);
    Array.from(det.scoreSamples(rows.slice(0, 5))).forEach((s, i) => close(s, want[i], `score ${i}`, 1e-6));
    const counts = det.pseudoLabelCounts!;
    assert.equal(counts.inliers + counts.outliers, n);
    assert.ok(counts.outliers >= 10);
  });

  it('quality with anomalies among the training rows: they rank above the normal rows', () => {
    // The anomalies sit 0.5 off the plane of the normal rows (noise 0.02): whatever the nearest of 8 random
    // training rows, their distance to it has that off-plane part, so LeSiNN ranks them high (they become
    // pseudo-outliers) and the representation keeps them apart. 0.9 leaves room for the ReLU layer.
    const det = new RepenDetector(base).fit(rows);
    const a = auroc(det.scoreSamples(rows), truth);
    assert.ok(a > 0.9, `AUROC ${a}`);
    // The pseudo-outliers are indices into the training rows and (as the comment above argues) take in the
    // planted anomalies: at least 90% of them, at ten times their 2.4% share of the rows (the cutoff also
    // passes the normal rows farthest from their subsample neighbours).
    const out = det.pseudoOutlierRows!;
    assert.equal(out.length, det.pseudoLabelCounts!.outliers);
    const hits = Array.from(out).filter((i) => truth[i] === 1).length;
    assert.ok(hits >= 0.9 * anomalies.length, `${hits} of the ${anomalies.length} anomalies are pseudo-outliers`);
    assert.ok(hits / out.length > 10 * (anomalies.length / rows.length), `${hits} of ${out.length} pseudo-outliers are anomalies`);
  });

  it('model file: same scores after loading; bad member state is a clear error', () => {
    const det = new RepenDetector({ ...base, epochs: 1, ensembleSize: 3, subsampleSize: 2 }).fit(rows);
    const s = Array.from(det.scoreSamples(data.test));
    assert.deepEqual(Array.from(loadDetector(det.toBytes(), 'm.abr').scoreSamples(data.test)), s);
    const j = det.toJSON();
    const forged = (f: (st: { members: unknown[] }) => void) => {
      const c = JSON.parse(JSON.stringify(j)) as typeof j;
      f(c.manifest.state as { members: unknown[] });
      return () => loadDetector(c, 'm.json');
    };
    assert.equal((j.manifest.state as { members: unknown[] }).members.length, 3 * 2 * 20);
    assert.throws(forged((st) => { st.members.pop(); }), /state\.members has 119 values; 3 subsamples of representations of width 20 need a positive multiple of 60/);
    assert.throws(forged((st) => { st.members[7] = 'x'; }), /state\.members\[7\] = x is not a finite number/);
    assert.throws(forged((st) => { delete (st as Partial<typeof st>).members; }), /state\.members is missing/);
  });

  it('rejects bad parameters by name', () => {
    assert.throws(() => new RepenDetector({ margin: 0 }), /margin/);
    assert.throws(() => new RepenDetector({ ensembleSize: 0 }), /ensembleSize/);
    assert.throws(() => new RepenDetector({ earlyStopping: { validation: 0.2, patience: 2 } } as Record<string, unknown>), /earlyStopping/);
    assert.throws(() => new RepenDetector({ network: 'FC(6,20,relu)' }).planConfig(8, 100), /network takes 6 inputs, the data has 8 features/);
    assert.throws(() => new RepenDetector({ network: 'FC(8,20,relu)', representationSize: 10 }).planConfig(8, 100), /network outputs 20 values, but representationSize is 10/);
    assert.equal(detectorEntry('repen').untrainedControl!.params.epochs, 0);
  });
});
