/**
 * NeuTraL AD (src/detectors/neutralad): the deterministic contrastive loss on a hand case and against a float64
 * reference loop, its gradient by finite differences, the three transformation types, the defaults' scaling
 * with the input width, a seeded quality floor on planted data, the model file and the paper configurations.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { Tensor } from '../../src/engine/tensor.js';
import { dclLoss, NeutralAdDetector } from '../../src/detectors/neutralad/detector.js';
import { createDetector, detectorEntry, loadDetector } from '../../src/detectors/registry.js';
import { auroc } from '../../src/metrics/ranking.js';
import { gradCheck } from '../support/gradcheck.js';
import { planted } from '../support/planted.js';

const close = (a: number, b: number, what: string, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** The DCL of each row in float64, straight from the paper's formula. */
function dclReference(z: number[][], n: number, tau: number): number[] {
  const m = z.length / n, cos = (a: number[], b: number[]) => {
    const dot = a.reduce((s, v, i) => s + v * b[i], 0);
    return dot / (Math.hypot(...a) * Math.hypot(...b));
  };
  return Array.from({ length: n }, (_, i) => {
    const v = z.slice(i * m, (i + 1) * m), h = (a: number, b: number) => Math.exp(cos(v[a], v[b]) / tau);
    let s = 0;
    for (let k = 1; k < m; k++) {
      let den = 0;
      for (let l = 0; l < m; l++) if (l !== k) den += h(k, l);
      s -= Math.log(h(k, 0) / den);
    }
    return s;
  });
}

describe('NeuTraL AD: the deterministic contrastive loss', () => {
  it('K = 2 transformations, 2-d encodings, by hand', () => {
    // Views x -> (1, 0), T1 x -> (0, 1), T2 x -> (3, 3): cos(1,0) = 0, cos(1,2) = cos(2,0) = 1/sqrt(2).
    // k = 1: -log(e^0 / (e^0 + e^(c/tau))); k = 2: -log(e^(c/tau) / (e^(c/tau) + e^(c/tau))) = log 2.
    const z = new Tensor(Float32Array.from([1, 0, 0, 1, 3, 3]), [3, 2]), c = Math.SQRT1_2;
    close(dclLoss(z, 1, 1).item(), Math.log(1 + Math.exp(c)) + Math.LN2, 'tau 1');
    close(dclLoss(z, 1, 0.1).item(), Math.log(1 + Math.exp(c / 0.1)) + Math.LN2, 'tau 0.1');
    // Each row on its own: a second row with every view at the row's own direction gives 2 log 2 (all cosines 1).
    const two = new Tensor(Float32Array.from([1, 0, 0, 1, 3, 3, 2, 2, 1, 1, 5, 5]), [6, 2]);
    const s = dclLoss(two, 2, 1).data;
    close(s[0], Math.log(1 + Math.exp(c)) + Math.LN2, 'row 0');
    close(s[1], 2 * Math.LN2, 'row 1');
  });

  it('agrees with a float64 reference loop; gradients by finite differences', () => {
    const rng = new Rng(3), n = 3, m = 4, d = 5;
    const rows = Array.from({ length: n * m }, () => Array.from({ length: d }, () => rng.range(-1, 1)));
    const got = dclLoss(new Tensor(Float32Array.from(rows.flat()), [n * m, d]), n, 0.5).data;
    dclReference(rows, n, 0.5).forEach((want, i) => close(got[i], want, `row ${i}`, 1e-5));
    gradCheck('DCL', ([t]) => dclLoss(t, n, 0.5), [{ data: rows.flat(), shape: [n * m, d] }]);
    assert.throws(() => dclLoss(new Tensor(new Float32Array(10), [5, 2]), 2, 1), /not 2 rows of at least 3 views/);
  });
});

describe('NeuTraL AD detector', () => {
  const data = planted(5);
  const base = { seed: 1, transformations: 4, batchSize: 64, learningRate: 1e-2 };

  it('defaults scale with the input width, as the authors\' fallback rule', () => {
    const small = new NeutralAdDetector().planConfig(6, 1839);
    assert.equal(small.latentSize, 12);
    assert.equal(small.encoder, 'FC(6,12,relu)-FC(12,12,relu)-FC(12,12,relu)-FC(12,12,relu)-FC(12,12,none)');
    assert.equal(small.transformNetwork, 'FC(6,6,relu)-FC(6,6,none)');
    assert.equal(small.transformations, 11);
    assert.equal(small.epochs, 200, '15 batches of 128: 3,000 steps in 200 epochs');
    const mid = new NeutralAdDetector().planConfig(120, 100000);
    assert.equal(mid.latentSize, 32);
    assert.match(mid.encoder, /^FC\(120,64,relu\)-.*-FC\(64,32,none\)$/);
    assert.equal(mid.transformNetwork, 'FC(120,120,relu)-FC(120,120,none)');
    assert.equal(mid.epochs, 3, 'a large training set gets fewer epochs (~3,000 steps)');
    const wide = new NeutralAdDetector().planConfig(400, 1000);
    assert.equal(wide.latentSize, 64);
    assert.match(wide.encoder, /^FC\(400,256,relu\)/);
    assert.equal(new NeutralAdDetector({ transformType: 'multiplicative' }).planConfig(6, 100).transformNetwork, 'FC(6,6,relu)-FC(6,6,sigmoid)');
  });

  it('transformation types: residual x + M(x), multiplicative sigmoid(M(x)) * x, feedforward M(x)', () => {
    // Same seed, same layer shapes: the same M_k weights, so the views differ only by how M_k(x) is used.
    const fit = (transformType: string) => new NeutralAdDetector({ ...base, transformType, epochs: 0 } as never).fit(data.train.slice(0, 50));
    const ff = fit('feedforward'), res = fit('residual'), mul = fit('multiplicative');
    const x = new Tensor(ff.transform(data.test.slice(0, 3)).x, [3, 8]);
    const vf = ff.views(x).data, vr = res.views(x).data, vm = mul.views(x).data;
    for (let i = 0; i < 3; i++) {
      for (let k = 0; k <= 4; k++) {
        for (let j = 0; j < 8; j++) {
          const o = (i * 5 + k) * 8 + j, xv = x.data[i * 8 + j];
          if (k === 0) { assert.equal(vf[o], xv); assert.equal(vr[o], xv); assert.equal(vm[o], xv); continue; }
          close(vr[o], xv + vf[o], `residual view ${k}`);
          close(vm[o], xv / (1 + Math.exp(-vf[o])), `multiplicative view ${k}`);
        }
      }
    }
  });

  it('quality on planted data: rows off the normal rows\' plane rank above them', () => {
    // Anomalies sit 0.5 off the plane (25 noise standard deviations). Views of in-plane rows are trained to keep
    // their row's direction in the encoder's space while differing from each other; off-plane rows move the
    // residual views along directions no training row varied in, so their DCL rises above the normal rows'.
    const trained = new NeutralAdDetector({ ...base, epochs: 15 }).fit(data.train);
    const a = auroc(trained.scoreSamples(data.test), data.labels);
    const untrained = auroc(new NeutralAdDetector({ ...base, epochs: 0 }).fit(data.train).scoreSamples(data.test), data.labels);
    assert.ok(a > 0.9, `AUROC ${a}`);
    assert.ok(a > untrained, `AUROC ${a} trained, ${untrained} untrained`);
    assert.ok(trained.history[trained.history.length - 1].loss < trained.history[0].loss, 'the loss falls');
  });

  it('seeded: same seed, same scores; the model file gives them back', () => {
    const a = new NeutralAdDetector({ ...base, epochs: 2 }).fit(data.train), b = new NeutralAdDetector({ ...base, epochs: 2 }).fit(data.train);
    const s = Array.from(a.scoreSamples(data.test));
    assert.deepEqual(Array.from(b.scoreSamples(data.test)), s);
    assert.deepEqual(Array.from(loadDetector(a.toBytes(), 'm.abr').scoreSamples(data.test)), s);
    assert.ok(s.every(Number.isFinite));
  });

  it('as the authors: no biases (held at zero), the loss scaled by 1 / (K ln K), the lowest-training-loss epoch after the fifth kept', () => {
    const o = { ...base, epochs: 14 };
    const sel = new NeutralAdDetector(o).fit(data.train);
    const c = sel.resolvedConfig() as { lossScale: number; bias: boolean; selection: string };
    close(c.lossScale, 1 / (4 * Math.log(4)), 'lossScale');
    assert.equal(c.bias, false);
    // The kept epoch: the lowest mean training loss from epoch 6 on, the later of equals.
    const h = sel.history.map((s) => s.loss);
    let best = 5;
    for (let e = 5; e < h.length; e++) if (h[e] <= h[best]) best = e;
    assert.equal(h.length, 14);
    // Training is the same stream whatever the epoch count, so the kept weights are those of a run stopped there.
    const stopped = new NeutralAdDetector({ ...o, epochs: best + 1, selection: 'last' }).fit(data.train);
    assert.deepEqual(Array.from(sel.scoreSamples(data.test)), Array.from(stopped.scoreSamples(data.test)));
    const last = new NeutralAdDetector({ ...o, selection: 'last' }).fit(data.train);
    if (best !== 13) assert.notDeepEqual(Array.from(last.scoreSamples(data.test)), Array.from(sel.scoreSamples(data.test)));
    // Biases: zero after training without them, trained with bias: true.
    const biasOf = (d: NeutralAdDetector) => (d as unknown as { mlp(n: string): { biases: Tensor[] } }).mlp('encoder').biases.flatMap((b) => Array.from(b.data));
    assert.ok(biasOf(sel).every((v) => v === 0));
    assert.ok(biasOf(new NeutralAdDetector({ ...o, bias: true }).fit(data.train)).some((v) => v !== 0));
    assert.throws(() => new NeutralAdDetector({ ...o, earlyStopping: { validation: 0.2, patience: 2 } }).fit(data.train), /earlyStopping .* needs selection 'last'/);
  });

  it('encoderBatchNorm: batch statistics in training, running ones when scoring; kept with the selected epoch and in the model file', () => {
    const o = { ...base, epochs: 8, encoderBatchNorm: true };
    const d = new NeutralAdDetector(o).fit(data.train);
    const norms = (d as unknown as { norms: { runningMean: Float32Array; runningVar: Float32Array; features: number }[] }).norms;
    assert.equal(norms.length, 4, 'one per hidden encoder layer (5 layers)');
    assert.ok(norms.every((b) => b.runningMean.some((v) => v !== 0) && b.runningVar.every((v) => v >= 0)), 'running statistics moved');
    const s = Array.from(d.scoreSamples(data.test));
    assert.ok(s.every(Number.isFinite));
    // Scoring uses the running statistics: a row's score does not depend on the rows scored with it.
    assert.deepEqual(Array.from(d.scoreSamples(data.test.slice(0, 7))), s.slice(0, 7));
    // The kept epoch restores its running statistics too: the same as a run stopped there.
    const h = d.history.map((e) => e.loss);
    let best = 5;
    for (let e = 5; e < h.length; e++) if (h[e] <= h[best]) best = e;
    assert.deepEqual(Array.from(new NeutralAdDetector({ ...o, epochs: best + 1, selection: 'last' }).fit(data.train).scoreSamples(data.test)), s);
    const bytes = d.toBytes();
    assert.deepEqual(Array.from(loadDetector(bytes, 'bn.abr').scoreSamples(data.test)), s);
    assert.notDeepEqual(s, Array.from(new NeutralAdDetector({ ...o, encoderBatchNorm: false }).fit(data.train).scoreSamples(data.test)));
    const j = d.toJSON();
    (j.manifest.state as { batchNorms: { runningVar: number[] }[] }).batchNorms[2].runningVar[0] = -1;
    assert.throws(() => loadDetector(j, 'bad.json'), /neutralad model: state.batchNorms\[2\].runningVar must be 16 finite numbers >= 0/);
    const k = d.toJSON();
    (k.manifest.state as { batchNorms: unknown[] }).batchNorms.pop();
    assert.throws(() => loadDetector(k, 'bad.json'), /state.batchNorms must be 4 entries/);
  });

  it('rejects bad parameters by name', () => {
    assert.throws(() => new NeutralAdDetector({ transformations: 1 }), /transformations/);
    assert.throws(() => new NeutralAdDetector({ temperature: 0 }), /temperature/);
    assert.throws(() => new NeutralAdDetector({ transformType: 'rotate' } as never), /transformType/);
    assert.throws(() => new NeutralAdDetector({ encoderLayers: 0 }), /encoderLayers/);
  });

  it('paper configurations: the authors\' files; Table 2\'s F1 only in the source text', () => {
    const e = detectorEntry('neutralad');
    const t = e.paperConfigs.thyroid!;
    assert.equal(t.results, undefined);
    assert.deepEqual(t.params, {
      transformations: 11, transformType: 'residual', transformLayers: 2, transformHidden: 24, encoderLayers: 5, encoderHidden: 24,
      latentSize: 24, temperature: 0.1, epochs: 200, batchSize: 128, learningRate: 1e-3, bias: false, weightDecay: 1e-5,
      selection: 'lowest-training-loss', preprocessing: { scaling: 'none' },
    });
    const a = e.paperConfigs.arrhythmia!.params;
    assert.deepEqual([a.learningRateStep, a.weightDecay, a.preprocessing, a.encoderBatchNorm], [{ epochs: 100, gamma: 0.5 }, 1e-5, { scaling: 'none' }, true]);
    assert.match(t.source, /76\.8.*half-normal/);
    const k = e.paperConfigs.kddcup!;
    assert.equal(k.params.transformType, 'multiplicative');
    assert.deepEqual(k.params.preprocessing, { scaling: 'standard' });
    assert.match(k.source, /99\.3/);
    assert.match(e.paperConfigs['kddcup-rev']!.source, /99\.1/);
    assert.match(e.paperConfigs.arrhythmia!.source, /60\.3/);
    for (const pc of Object.values(e.paperConfigs)) assert.doesNotThrow(() => createDetector('neutralad', pc.params));
  });
});
