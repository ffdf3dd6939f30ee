/**
 * knn: scores against scikit-learn's neighbours (PyOD's KNN formulas) on a small set with duplicates, against a
 * naive float64 loop, training-row semantics, the subsample option, a quality floor, the model file, errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDetector } from '../../src/detectors/registry.js';
import { KnnDetector } from '../../src/detectors/knn/detector.js';
import { checkModelSize } from '../../src/detectors/knn/reference.js';
import { Rng } from '../../src/engine/rng.js';
import { auroc } from '../../src/metrics/ranking.js';
import { blob } from '../support/planted.js';
import { closeRel, Q, SK, X } from '../support/neighbors-reference.js';

const none = { preprocessing: { scaling: 'none' } } as const;

describe('knn: scores', () => {
  for (const k of [5, 4]) {
    for (const method of ['largest', 'mean', 'median'] as const) {
      it(`k = ${k}, ${method}: scikit-learn's neighbour distances, training rows without themselves`, () => {
        const det = new KnnDetector({ ...none, nNeighbors: k, method }).fit(X);
        const ref = SK as Record<string, number[]>;
        closeRel(det.trainingScores!, ref[`knn_${method}_${k}_train`], 1e-12, 'training rows');
        closeRel(det.scoreSamples(Q), ref[`knn_${method}_${k}_new`], 1e-12, 'new rows');
      });
    }
  }

  it('equal a naive float64 loop on random rows (mean of the k smallest distances)', () => {
    const r = new Rng(5), n = 300, d = 7, k = 6, x = Float32Array.from({ length: n * d }, () => r.normal());
    const q = Float32Array.from({ length: 50 * d }, () => 2 * r.normal());
    const det = new KnnDetector({ ...none, nNeighbors: k, method: 'mean' }).fit({ data: x, rows: n, cols: d });
    const naive = (row: Float32Array, self: number) => {
      const all: number[] = [];
      for (let j = 0; j < n; j++) {
        if (j === self) continue;
        let s = 0;
        for (let a = 0; a < d; a++) { const v = row[a] - x[j * d + a]; s += v * v; }
        all.push(Math.sqrt(s));
      }
      all.sort((u, v) => u - v);
      return all.slice(0, k).reduce((u, v) => u + v) / k;
    };
    const got = det.scoreSamples({ data: q, rows: 50, cols: d });
    for (let i = 0; i < 50; i++) assert.equal(got[i], naive(q.subarray(i * d, (i + 1) * d), -1), `new row ${i}`);
    for (let i = 0; i < n; i++) assert.equal(det.trainingScores![i], naive(x.subarray(i * d, (i + 1) * d), i), `training row ${i}`);
  });

  it('the fit\'s training scores exclude each row itself; scoring the rows again counts each as its own neighbour', () => {
    const det = new KnnDetector({ ...none, nNeighbors: 1 }).fit(X);
    // Row 5 = row 17 and rows 9 = 30 = 41: a duplicate at another index is a neighbour at distance 0.
    const t = det.trainingScores!;
    for (const i of [5, 17, 9, 30, 41]) assert.equal(t[i], 0, `duplicate row ${i}`);
    assert.ok(t.filter((v) => v === 0).length === 5);
    assert.ok(det.scoreSamples(X).every((v) => v === 0));
  });

  it('rows far from the training blob rank on top (AUROC >= 0.99)', () => {
    // Inliers N(0, I_5), planted rows at radius 6 to 8 where hardly any inlier lies (P(chi_5 > 6) ~ 1e-6): their
    // 5th neighbour is far, an inlier's is near.
    const { x, labels } = blob(500, 25, 5, 3);
    const data = { data: x, rows: 525, cols: 5 };
    const a = auroc(new KnnDetector().fit(data).scoreSamples(data), labels);
    assert.ok(a >= 0.99, `AUROC ${a}`);
  });
});

describe('knn: reference subsample (maxSamples)', () => {
  const { x } = blob(200, 0, 3, 9);
  const data = { data: x, rows: 200, cols: 3 };

  it('keeps a seeded subsample; kept rows skip themselves, the others are scored as new rows', () => {
    const det = new KnnDetector({ ...none, maxSamples: 50, seed: 4 }).fit(data);
    const ref = det.referenceRows!;
    assert.equal(ref.rows, 50);
    assert.deepEqual(Array.from(new KnnDetector({ ...none, maxSamples: 50, seed: 4 }).fit(data).referenceRows!.x), Array.from(ref.x));
    assert.notDeepEqual(Array.from(new KnnDetector({ ...none, maxSamples: 50, seed: 5 }).fit(data).referenceRows!.x), Array.from(ref.x));
    const plain = new KnnDetector({ ...none }).fit({ data: ref.x, rows: 50, cols: 3 });
    const asNew = det.scoreSamples(data), train = det.trainingScores!;
    let kept = 0;
    for (let i = 0; i < 200; i++) {
      const row = x.subarray(i * 3, (i + 1) * 3);
      let p = -1;
      for (let j = 0; j < 50 && p < 0; j++) if (ref.x.subarray(j * 3, j * 3 + 3).every((v, a) => v === row[a])) p = j;
      if (p >= 0) { kept++; assert.equal(train[i], plain.trainingScores![p], `kept row ${i}`); } else assert.equal(train[i], asNew[i], `row ${i}`);
    }
    assert.equal(kept, 50);
    assert.deepEqual(det.resolvedConfig(), { nNeighbors: 5, method: 'largest', referenceRows: 50 });
  });

  it('a reference set too large for a model file is refused before the search, naming maxSamples', () => {
    assert.throws(() => checkModelSize('knn', 6_000_000, 50, 0, undefined), /knn: the model keeps its reference rows, and 6000000 rows x 50 features would take 1\.12 GiB, more than a model file may hold \(1 GiB\); set maxSamples to at most 5284823 to keep a seeded subsample/);
    checkModelSize('knn', 5_284_823, 50, 0, undefined);
    assert.throws(() => checkModelSize('lof', 5_284_823, 50, 2, 6_000_000), /at most 5081560 \(it is 6000000\)/);
  });
});

describe('knn detector', () => {
  it('the model file holds the reference rows and restores the same scores; corrupt rows are refused', () => {
    const { x } = blob(60, 3, 3, 1);
    const data = { data: x, rows: 63, cols: 3 };
    const det = new KnnDetector({ method: 'median', nNeighbors: 4 }).fit(data);
    assert.deepEqual(Array.from(loadDetector(det.toBytes(), 'm.abr').scoreSamples(data)), Array.from(det.scoreSamples(data)));
    const j = det.toJSON();
    assert.deepEqual(j.tensors.map((t) => [t.name, t.shape]), [['reference', [63, 3]]]);
    const bad = JSON.parse(JSON.stringify(j));
    bad.tensors[0].shape = [3, 63];
    assert.throws(() => loadDetector(bad, 'b.json'), /b\.json: knn model: tensor "reference" has shape \[3, 63\], expected \[rows >= 5, 3\]/);
  });

  it('needs nNeighbors below the reference rows (as PyOD and scikit-learn); rejects bad parameters, naming them', () => {
    assert.throws(() => new KnnDetector({ nNeighbors: 5 }).fit(X.slice(0, 5)), /knn: nNeighbors \(5\) must be below the 5 reference rows/);
    assert.throws(() => new KnnDetector({ nNeighbors: 5, maxSamples: 4 }).fit(X), /knn: nNeighbors \(5\) must be below the 4 reference rows/);
    new KnnDetector({ nNeighbors: 5 }).fit(X.slice(0, 6));
    assert.throws(() => new KnnDetector({ nNeighbors: 0 }), /knn: invalid parameters\n {2}nNeighbors:/);
    assert.throws(() => new KnnDetector({ method: 'max' as 'mean' }), /method/);
    assert.throws(() => new KnnDetector({ maxSamples: 1 }), /maxSamples/);
    assert.throws(() => new KnnDetector({ nNeighbours: 3 } as never), /nNeighbours/);
  });
});
