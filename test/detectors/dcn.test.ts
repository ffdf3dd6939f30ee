/**
 * DCN (src/detectors/dcn): the loss and its gradients on a tiny case by hand, the assignment and 1/count centre
 * steps by hand, k-means recovering planted centres, the order of the steps in fine-tuning, the untrained
 * control, a seeded quality floor on planted clusters, and the model file's state.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { parameter, Tape, Tensor } from '../../src/engine/tensor.js';
import { kmeans } from '../../src/gmm/kmeans.js';
import { PaeDetector } from '../../src/detectors/dagmm-variants/pae.js';
import { DcnDetector, dcnLoss, updateCentres } from '../../src/detectors/dcn/detector.js';
import { DCN_TABLE2 } from '../../src/detectors/dcn/paper-configs.js';
import { createDetector, detectorEntry, loadDetector } from '../../src/detectors/registry.js';
import type { Detector } from '../../src/detectors/detector.js';
import { auroc } from '../../src/metrics/ranking.js';

const close = (a: number, b: number, what: string, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

function weights(d: Detector): Map<string, number[]> {
  return new Map(d.toJSON().tensors.map((t) => [t.name, t.data]));
}

/**
 * Planted clusters: normal rows near 3 centres in a 2-d plane of 6-d space (spread 0.08 per in-plane
 * coordinate) plus noise of 0.25 in each of the 4 directions off the plane; anomalies in the plane, inside the
 * clusters' box, at least 0.8 from every centre (10 in-plane standard deviations), with the same off-plane
 * noise. A 2-d code that keeps the plane (the top-variance directions) and drops the off-plane noise puts
 * them between or beside three tight clusters of codes; a random projection mixes that noise in.
 */
function clusters(seed: number): { train: number[][]; test: number[][]; labels: number[] } {
  const r = new Rng(seed), d = 6;
  const e1 = [1, 1, 0, 1, 0, -1].map((v) => v / 2), e2 = [0, 1, -1, -1, 1, 0].map((v) => v / 2);
  const centres = [[-1, -0.8], [1, -0.8], [0, 1]];
  const at = (u: number, v: number, off: number) => Array.from({ length: d }, (_, j) => u * e1[j] + v * e2[j] + off * r.normal());
  const normal = () => { const c = centres[r.int(3)]; return at(c[0] + 0.08 * r.normal(), c[1] + 0.08 * r.normal(), 0.25); };
  const train = Array.from({ length: 450 }, normal);
  const test: number[][] = [], labels: number[] = [];
  for (let i = 0; i < 200; i++) { test.push(normal()); labels.push(0); }
  while (labels.length < 230) {
    const u = r.range(-1.5, 1.5), v = r.range(-1.3, 1.5);
    if (centres.every((c) => Math.hypot(u - c[0], v - c[1]) >= 0.8)) { test.push(at(u, v, 0.25)); labels.push(1); }
  }
  return { train, test, labels };
}

describe('DCN: the objective and its steps', () => {
  it('the loss of a batch matches a hand computation, and so do its gradients', () => {
    // 2 rows, 2 features, code width 2, K = 2 centres (0, 0) and (3, 1), lambda = 2.
    const x = new Tensor(Float32Array.from([1, 2, 0, 1]), [2, 2]);
    const xr = parameter(Float32Array.from([1.5, 2, 0, 0]), [2, 2]);
    const code = parameter(Float32Array.from([0.9, 0, 3.2, 1]), [2, 2]);
    const centres = Float64Array.from([0, 0, 3, 1]);
    const tape = new Tape();
    const r = tape.record(() => dcnLoss(x, xr, code, centres, 2, 2));
    // Row 1: nearest centre 1 (0.81 vs 4.41), row 2: centre 2 (0.04 vs 11.24).
    assert.deepEqual(Array.from(r.assignments), [0, 1]);
    // Reconstruction: mean of (0.25 + 0) and (0 + 1); k-means term: (lambda / 2) x mean of 0.81 and 0.04.
    close(r.reconstruction.item(), 0.625, 'reconstruction');
    close(r.clustering.item(), 0.425, 'k-means term');
    close(r.loss.item(), 1.05, 'loss');
    tape.backward(r.loss);
    // d/dcode = lambda (code - centre) / rows; d/dxr = 2 (xr - x) / rows.
    [0.9, 0, 0.2, 0].forEach((g, i) => close(code.grad![i], g, `dL/dcode[${i}]`));
    [0.5, 0, 0, -1].forEach((g, i) => close(xr.grad![i], g, `dL/dxr[${i}]`));
    tape.release();
    assert.throws(() => dcnLoss(x, xr, code, Float64Array.from([0, 0, 3]), 2, 2), /3 centre values for 2 centres of width 2/);
  });

  it('assignment = nearest centre, then each row moves its centre by 1/count (a running mean)', () => {
    const centres = Float64Array.from([0, 10]), counts = Float64Array.from([1, 3]);
    const s = updateCentres(Float32Array.from([1, 9, 2]), 3, 1, centres, counts, 2);
    assert.deepEqual(Array.from(s), [0, 1, 0]);
    // Centre 1: 0 -> 0 + (1 - 0) / 2 = 0.5 -> 0.5 + (2 - 0.5) / 3 = 1 (= mean of 0, 1, 2); centre 2: 10 + (9 - 10) / 4.
    assert.deepEqual(Array.from(centres), [1, 9.75]);
    assert.deepEqual(Array.from(counts), [3, 4]);
    // Assignments use the centres the batch starts with: 6 goes to centre 2 (10), even though centre 1 moves.
    const c2 = Float64Array.from([0, 10]), n2 = Float64Array.from([1, 1]);
    assert.deepEqual(Array.from(updateCentres(Float32Array.from([4.9, 5.1, 4]), 3, 1, c2, n2, 2)), [0, 1, 0]);
    assert.deepEqual(Array.from(n2), [3, 2]);
  });

  it('k-means recovers planted centres from well-separated clusters', () => {
    const r = new Rng(3), truth = [[0, 0], [5, 5], [-5, 5]], z: number[] = [], label: number[] = [];
    for (let i = 0; i < 300; i++) { const c = i % 3; z.push(truth[c][0] + 0.1 * r.normal(), truth[c][1] + 0.1 * r.normal()); label.push(c); }
    const km = kmeans(Float32Array.from(z), 300, 2, 3, new Rng(1));
    assert.ok(km.converged);
    // Each true centre is within 0.05 of a found one (the cluster means' standard error is 0.1 / sqrt(100) = 0.01).
    for (const t of truth) {
      const found = [0, 1, 2].map((j) => Math.hypot(km.centres[2 * j] - t[0], km.centres[2 * j + 1] - t[1]));
      assert.ok(Math.min(...found) < 0.05, `centre ${t}: nearest found at ${Math.min(...found)}`);
    }
    // One cluster per true cluster, 100 rows each.
    const map = new Map<number, number>();
    label.forEach((c, i) => { if (!map.has(c)) map.set(c, km.assignments[i]); assert.equal(km.assignments[i], map.get(c)); });
    assert.deepEqual(Array.from(km.sizes), [100, 100, 100]);
    assert.throws(() => kmeans(Float32Array.from([1, 2]), 2, 1, 3, new Rng(1)), /2 rows cannot seed 3 clusters/);
    assert.throws(() => kmeans(Float32Array.from([1, NaN]), 2, 1, 1, new Rng(1)), /value 0 of row 2 is not finite/);
  });
});

describe('DCN detector', () => {
  const data = clusters(11);
  const base = { seed: 2, batchSize: 32, learningRate: 1e-2, clusters: 3, preprocessing: { scaling: 'none' as const } };
  const x = Float32Array.from(data.train.flat()), n = data.train.length;

  it('fine-tuning: network step on a batch, then its assignment and centre steps with the updated network', () => {
    // One batch per epoch and one epoch: the centres end as the 1/count steps of the k-means centres with the
    // codes of the trained network (the result of those steps does not depend on the rows' order).
    const p = { ...base, batchSize: n, pretrainEpochs: 0 };
    const start = new DcnDetector({ ...p, epochs: 0 }).fit(data.train);
    const det = new DcnDetector({ ...p, epochs: 1 }).fit(data.train);
    const centres = start.clusterCentres, counts = start.clusterCounts;
    assert.deepEqual(Array.from(counts).reduce((a, b) => a + b, 0), n, 'counts start at the k-means cluster sizes');
    updateCentres(det.embed(x, n), n, 2, centres, counts, 3);
    Array.from(det.clusterCentres).forEach((c, i) => close(c, centres[i], `centre value ${i}`, 1e-9));
    assert.deepEqual(Array.from(det.clusterCounts), Array.from(counts));
    assert.notDeepEqual(Array.from(det.clusterCentres), Array.from(start.clusterCentres));
    assert.deepEqual(Object.keys(det.history[0].terms).sort(), ['clustering', 'reconstruction']);
  });

  it('0 epochs (the untrained control): no pretraining and no fine-tuning, as pae; k-means on the initial codes', () => {
    const det = new DcnDetector({ ...base, epochs: 0 }).fit(data.train);
    const pae = new PaeDetector({ seed: base.seed, batchSize: base.batchSize, learningRate: base.learningRate, preprocessing: base.preprocessing, epochs: 0 }).fit(data.train);
    assert.deepEqual(weights(det), weights(pae));
    assert.equal(det.history.length, 0);
    assert.ok(det.kmeansSummary!.converged);
    assert.equal(detectorEntry('dcn').untrainedControl!.params.epochs, 0);
    // The centres are the k-means of the initial codes: every row's score is its squared distance to the nearest.
    const codes = det.embed(x, n), km = det.clusterCentres;
    const s = det.scoreSamples(data.train);
    for (let i = 0; i < n; i += 37) {
      const d = [0, 1, 2].map((j) => (codes[2 * i] - km[2 * j]) ** 2 + (codes[2 * i + 1] - km[2 * j + 1]) ** 2);
      close(s[i], Math.min(...d), `score of row ${i}`, 1e-5);
    }
  });

  it('defaults: K from the rows (DAGMM\'s rule), lambda 1, pretraining epochs = epochs', () => {
    const c = new DcnDetector({ epochs: 3 }).planConfig(6, 500);
    assert.equal(c.clusters, 2);
    assert.equal(c.lambda, 1);
    assert.equal(c.pretrainEpochs, 3);
    assert.ok(c.auto.includes('clusters'));
    assert.equal(new DcnDetector({ epochs: 3 }).planConfig(6, 100000).clusters, 4);
    assert.throws(() => new DcnDetector({ lambda: -1 }), /lambda/);
    assert.throws(() => new DcnDetector({ clusters: 0 }), /clusters/);
    assert.throws(() => new DcnDetector({ clusters: 5, epochs: 0 }).fit([[0, 1], [1, 0], [2, 2]]), /dcn: 3 training rows cannot form 5 clusters/);
  });

  it('quality on planted clusters: anomalies between and beside the clusters rank above normal rows', () => {
    // With the plane as the code, the anomalies' distances to the nearest centre exceed every normal row's
    // but for noise, so AUROC is near 1; 0.9 leaves room for short training. The untrained networks (a random
    // projection of the off-plane noise into the code) rank them worse.
    const trained = auroc(new DcnDetector({ ...base, epochs: 30 }).fit(data.train).scoreSamples(data.test), data.labels);
    const untrained = auroc(new DcnDetector({ ...base, epochs: 0 }).fit(data.train).scoreSamples(data.test), data.labels);
    assert.ok(trained > 0.9, `AUROC ${trained}`);
    assert.ok(trained > untrained, `AUROC ${trained} trained, ${untrained} untrained`);
  });

  it('early stopping keeps the centres of the kept epoch', () => {
    const det = new DcnDetector({ ...base, epochs: 6, earlyStopping: { validation: 0.2, patience: 2 } }).fit(data.train);
    assert.ok(det.history.every((h) => h.validationLoss !== undefined));
    assert.ok(Array.from(det.clusterCentres).every(Number.isFinite));
  });

  it('model file: centres and counts round-trip (same scores); bad state is a clear error', () => {
    const det = new DcnDetector({ ...base, epochs: 3 }).fit(data.train);
    const s = Array.from(det.scoreSamples(data.test));
    const back = loadDetector(det.toBytes(), 'm.abr') as DcnDetector;
    assert.deepEqual(Array.from(back.scoreSamples(data.test)), s);
    assert.deepEqual(Array.from(back.clusterCentres), Array.from(det.clusterCentres));
    const j = det.toJSON();
    const state = j.manifest.state as { centres: number[]; counts: number[] };
    const forged = (f: (st: { centres: unknown[]; counts: unknown[] }) => void) => {
      const c = JSON.parse(JSON.stringify(j)) as typeof j;
      f(c.manifest.state as { centres: unknown[]; counts: unknown[] });
      return () => loadDetector(c, 'm.json');
    };
    assert.equal(state.centres.length, 6);
    assert.throws(forged((st) => { st.centres.pop(); }), /state\.centres has 5 values; 3 clusters of code width 2 need 6/);
    assert.throws(forged((st) => { st.centres[2] = 'x'; }), /state\.centres\[2\] = x is not a finite number/);
    assert.throws(forged((st) => { st.counts[1] = -1; }), /state\.counts\[1\] = -1 is not a finite number >= 0/);
    assert.throws(forged((st) => { delete (st as Partial<typeof st>).counts; }), /state\.counts is missing/);
  });

  it('registers the paper\'s configurations: DAGMM\'s networks and schedule, K, Table 2', () => {
    const e = detectorEntry('dcn');
    const t = e.paperConfigs.thyroid!;
    assert.deepEqual(t.results, DCN_TABLE2.thyroid);
    assert.deepEqual(t.results, { precision: 0.3319, recall: 0.3196, f1: 0.3251 });
    assert.equal(t.params.encoder, 'FC(6,12,tanh)-FC(12,4,tanh)-FC(4,1,none)');
    assert.equal(t.params.epochs, 20000);
    assert.equal(t.params.learningRate, 1e-4);
    assert.equal(t.params.clusters, 2);
    assert.equal(e.paperConfigs.kddcup!.params.clusters, 4);
    assert.equal(e.paperConfigs['kddcup-rev']!.params.clusters, 2);
    assert.equal(e.paperConfigs.arrhythmia!.params.batchSize, 128);
    assert.equal(createDetector('dcn').name, 'dcn');
  });
});
