/**
 * DAGMM's results must not change when its training moves between implementations: these scores were
 * captured from the detector before it moved onto the deep-detector template (TypeScript backend, fixed seed),
 * and the detector must still produce them bit for bit. They cover a trailing one-row batch (skipped), dropout,
 * the GMM fitted over the whole training set after training, and a hold-out threshold. They were captured with
 * torch's Adam, DAGMM's default then (tf1 since 2026-12-01), so the cases ask for it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TsKernels, withKernels } from '../../src/engine/backend/index.js';
import { Rng } from '../../src/engine/rng.js';
import { DagmmDetector } from '../../src/detectors/dagmm/detector.js';

function rows(): number[][] {
  const r = new Rng(11), out: number[][] = [];
  for (let i = 0; i < 90; i++) {
    const t = r.uniform(), anomaly = i >= 84;
    out.push(Array.from({ length: 4 }, (_, j) => (anomaly ? 2 * r.normal() : Math.cos(t * (j + 1)) + 0.05 * r.normal())));
  }
  return out;
}

const CONTAMINATION_CASE = {
  threshold: -1.0928827829878314,
  steps: 20,
  scores: [
    -3.0201495825212485, -3.264584480671131, -3.851148330311573, -3.1601599829330973,
    -2.7515850551487198, -3.966231254563856, 10.109911632511986, -3.2430321336816137,
    -3.5093152097171734, -3.4442159429016845, -3.4769573855815086, -1.6146611479322226,
    -3.371359476397914, -3.604108819954817, -3.1509112310581213, -3.515029344302757,
    -3.1481886421249747, -0.7054622180556445, -2.781628835579945, -3.930109407838255,
    -3.7636800036627203, -2.692678618414261, -3.402570697069901, -2.727360632631763,
    -3.2511190720615177, -1.2508596025609395, -3.6186363130564514, -3.329723095018556,
    -3.4175713857475065, 0.13222132794357888, -3.079255219869024, -2.487010732552331,
    -3.5078645566670463, -3.678862609610653, -3.56175822508591, -3.5845491696503107,
    -2.5171865456349467, -3.976852645364886, -3.0407590580554955, -3.379420714952561,
    -2.8446574479240825, 5.9055621863675105, -3.46428343189788, -0.9797739738120808,
    -2.552913560260066, 2.4183299747968854, -3.057666041431882, -2.42407730583363,
    -3.119681192904439, -2.7209874361564825, -1.0928827829878314, -3.6333045116786806,
    -3.155505842245695, -3.1860973633121943, -2.8841020870573875, -3.8062715574165753,
    -3.600400805430113, -3.639749246960576, -3.204042456091793, -1.1458016038851955,
    -3.4775560228751257, -3.610791635278189, -0.6126972233823083, -3.5275129570824104,
    -3.8038126751544583, -3.8523827582870247, -2.9585003662242375, -2.6179867601012767,
    -3.9722908133801225, -3.2728043759069343, 0.4338458128677668, -3.894348665065234,
    -2.821735342797501, -3.0384932308622177, -3.1880221178231523, -3.9806916551182185,
    -2.749810405532284, -3.543853301645575, -2.747143271355907, -3.124206924314893,
    -3.3945671407972386, -3.465272467741981, -2.698006140016524, -2.943762354208906,
    49.05377240562965, 305.02082332807083, -2.4602561198421284, 9.654400806881336,
    119.0701598294552, -0.1639210573374833,
  ],
};

const HOLDOUT_CASE = {
  threshold: -5.464449687567533,
  steps: 10,
  scores: [-6.4022164559802786, -6.476428453607355, -6.6964489235309435, -6.871581388946119, -6.890197957105221, -6.682656923621946],
};

describe('DAGMM scores are unchanged by the move onto the deep-detector template', () => {
  const data = rows();
  it('81 training rows in batches of 16 (trailing single row skipped), 4 epochs, contamination threshold', () => {
    withKernels(new TsKernels(), () => {
      const det = new DagmmDetector({ adamEpsilon: 'torch', seed: 7, epochs: 4, batchSize: 16, learningRate: 1e-3, threshold: { contamination: 0.1 } }).fit(data.slice(0, 81));
      assert.equal(det.training?.steps, CONTAMINATION_CASE.steps);
      assert.equal(det.threshold, CONTAMINATION_CASE.threshold);
      assert.deepEqual(Array.from(det.scoreSamples(data)), CONTAMINATION_CASE.scores);
    });
  });
  it('hold-out threshold: 20% of the rows held out of training, 2 epochs', () => {
    withKernels(new TsKernels(), () => {
      const det = new DagmmDetector({ adamEpsilon: 'torch', seed: 7, epochs: 2, batchSize: 16, threshold: { holdout: 0.2, quantile: 0.9 } }).fit(data);
      assert.equal(det.training?.steps, HOLDOUT_CASE.steps);
      assert.equal(det.threshold, HOLDOUT_CASE.threshold);
      assert.deepEqual(Array.from(det.scoreSamples(data.slice(0, 6))), HOLDOUT_CASE.scores);
    });
  });
});
