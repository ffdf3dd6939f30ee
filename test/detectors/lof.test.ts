/**
 * lof: scores against scikit-learn's LocalOutlierFactor(novelty=True) on a small set with duplicates (three k,
 * one clamped), the formula by hand, the duplicate guard, the subsample option, a quality floor, the model file,
 * and errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDetector } from '../../src/detectors/registry.js';
import { fitLof, LofDetector, LRD_GUARD } from '../../src/detectors/lof/detector.js';
import { auroc } from '../../src/metrics/ranking.js';
import { blob } from '../support/planted.js';
import { closeRel, Q, SK, X } from '../support/neighbors-reference.js';

const none = { preprocessing: { scaling: 'none' } } as const;

describe('lof: scores', () => {
  for (const k of [20, 6]) {
    it(`k = ${k}: scikit-learn's -negative_outlier_factor_ and -score_samples (1e-6 relative: lrds are float32)`, () => {
      const det = new LofDetector({ ...none, nNeighbors: k }).fit(X);
      const ref = SK as Record<string, number[]>;
      closeRel(det.trainingScores!, ref[`lof_${k}_train`], 1e-6, 'training rows');
      closeRel(det.scoreSamples(Q), ref[`lof_${k}_new`], 1e-6, 'new rows');
    });
  }

  it('k above the rows is clamped to rows - 1, as scikit-learn does (n_neighbors_ = 47)', () => {
    const det = new LofDetector({ ...none, nNeighbors: 100 }).fit(X);
    assert.deepEqual(det.resolvedConfig(), { nNeighbors: 47, referenceRows: 48 });
    closeRel(det.scoreSamples(Q), SK.lof_100_new, 1e-6, 'new rows');
  });

  it('by hand: four points on a line, k = 1', () => {
    // x = 0, 1, 3, 7. 1-distances: 1, 1, 2, 4; nearest: 1, 0, 1, 2. reach(0 -> 1) = max(1, 1) = 1, so lrd 1;
    // lrd(1) = 1/max(1, 1) = 1; lrd(3) = 1/max(2, 1) = 1/2; lrd(7) = 1/max(4, 2) = 1/4.
    // LOF = lrd(neighbour) / lrd: 1, 1, 2, 2. New row 5: nearest 3 (distance 2, ties with 7 go to the lower
    // index), reach = max(2, 2) = 2, lrd 1/2, LOF = (1/2) / (1/2) = 1.
    const { model, scores } = fitLof({ x: Float32Array.from([0, 1, 3, 7]), rows: 4, cols: 1 }, 1);
    const g = (v: number) => 1 / (v + LRD_GUARD);
    assert.deepEqual(Array.from(model.kDistance), [1, 1, 2, 4]);
    assert.deepEqual(Array.from(model.lrd), [g(1), g(1), g(2), g(4)].map(Math.fround));
    assert.deepEqual(Array.from(scores, (v) => Math.round(v * 1e6) / 1e6), [1, 1, 2, 2]);
    const det = new LofDetector({ ...none, nNeighbors: 1 }).fit([[0], [1], [3], [7]]);
    assert.ok(Math.abs(det.scoreSamples([[5]])[0] - 1) < 1e-6);
  });

  it('more than k duplicates: reach distances 0, lrd 1 / 1e-10, scores stay finite', () => {
    const rows = [...Array.from({ length: 6 }, () => [1, 1]), [2, 2], [4, 0], [0, 4]];
    const det = new LofDetector({ ...none, nNeighbors: 3 }).fit(rows);
    assert.equal(det.fittedModel!.lrd[0], Math.fround(1 / LRD_GUARD));
    const s = det.scoreSamples([[1, 1], [2, 2], [9, 9]]);
    assert.ok(s.every(Number.isFinite));
    assert.ok(Math.abs(s[0] - 1) < 1e-6, `a duplicate scores like its copies: ${s[0]}`);
    // [2, 2]'s neighbours are the training row [2, 2] (lrd 1/sqrt(2)) and two copies of [1, 1] (lrd 1e10), its reach
    // distances all sqrt(2): LOF ~ (2/3) 1e10 sqrt(2), LOF's artefact next to duplicates (scikit-learn's too).
    assert.ok(Math.abs(s[1] / ((2 / 3) * Math.SQRT2 / LRD_GUARD) - 1) < 1e-6, `${s[1]}`);
    assert.ok(s[2] > 1 && s[2] < 10, `${s[2]}`);
  });

  it('rows far from the training blob rank on top (AUROC >= 0.99)', () => {
    // Inliers N(0, I_5), planted rows at radius 6 to 8 where hardly any inlier lies: their neighbours are inliers
    // at the blob's edge, much denser than the planted row's surroundings, so LOF >> 1.
    const { x, labels } = blob(500, 25, 5, 3);
    const data = { data: x, rows: 525, cols: 5 };
    const a = auroc(new LofDetector().fit(data).scoreSamples(data), labels);
    assert.ok(a >= 0.99, `AUROC ${a}`);
  });
});

describe('lof detector', () => {
  const { x } = blob(120, 4, 3, 6);
  const data = { data: x, rows: 124, cols: 3 };

  it('maxSamples: LOF of the kept rows is the subsample\'s own; the other rows are scored as new rows', () => {
    const det = new LofDetector({ ...none, maxSamples: 40, nNeighbors: 10 }).fit(data);
    const ref = det.referenceRows!;
    const own = new LofDetector({ ...none, nNeighbors: 10 }).fit({ data: ref.x, rows: 40, cols: 3 }).trainingScores!;
    const asNew = det.scoreSamples(data), train = det.trainingScores!;
    let kept = 0;
    for (let i = 0; i < 124; i++) {
      const row = x.subarray(i * 3, (i + 1) * 3);
      let p = -1;
      for (let j = 0; j < 40 && p < 0; j++) if (ref.x.subarray(j * 3, j * 3 + 3).every((v, a) => v === row[a])) p = j;
      if (p >= 0) { kept++; assert.equal(train[i], own[p]); } else assert.equal(train[i], asNew[i]);
    }
    assert.equal(kept, 40);
  });

  it('the model file holds reference rows, k-distances and lrds, and restores the same scores; bad ones are refused', () => {
    const det = new LofDetector({ nNeighbors: 7 }).fit(data);
    const back = loadDetector(det.toBytes(), 'm.abr');
    assert.deepEqual(Array.from(back.scoreSamples(data)), Array.from(det.scoreSamples(data)));
    assert.deepEqual(back.resolvedConfig(), { nNeighbors: 7, referenceRows: 124 });
    const j = det.toJSON();
    assert.deepEqual(j.tensors.map((t) => [t.name, t.shape]), [['reference', [124, 3]], ['kDistance', [124]], ['lrd', [124]]]);
    const bad = JSON.parse(JSON.stringify(j));
    bad.tensors[2].data[3] = 0;
    assert.throws(() => loadDetector(bad, 'b.json'), /b\.json: lof model: tensor "lrd" holds 0 at 3; it must be finite and > 0/);
    const badK = JSON.parse(JSON.stringify(j));
    badK.manifest.state.k = 124;
    assert.throws(() => loadDetector(badK, 'k.json'), /k\.json: lof model: tensor "reference" has shape \[124, 3\], expected \[rows >= 125, 3\]/);
  });

  it('rejects bad parameters, naming them', () => {
    assert.throws(() => new LofDetector({ nNeighbors: 0 }), /lof: invalid parameters\n {2}nNeighbors:/);
    assert.throws(() => new LofDetector({ nNeighbors: 2.5 }), /nNeighbors/);
    assert.throws(() => new LofDetector({ maxSamples: 0 }), /maxSamples/);
    assert.throws(() => new LofDetector({ method: 'mean' } as never), /method/);
  });
});
