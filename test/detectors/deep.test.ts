/** The deep-detector template: hooks, clipping, early stopping, model-file weights; the autoencoder on it; registration. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { add, mse, mul, scale, sum } from '../../src/engine/ops/index.js';
import { Rng } from '../../src/engine/rng.js';
import { parameter, Tensor } from '../../src/engine/tensor.js';
import { AutoencoderDetector } from '../../src/detectors/ae/detector.js';
import { splitAutoencoder } from '../../src/detectors/ae/paper-configs.js';
import { PAPER_CONFIGS } from '../../src/detectors/dagmm/paper-configs.js';
import { DeepDetector, type DeepParams, type DeepPhase, type DeepTrainingConfig, type EpochStats, type LossOutput } from '../../src/detectors/deep/detector.js';
import { trainLoop, type TrainLoopOptions } from '../../src/detectors/deep/train-loop.js';
import { CommonParamsSchema, parseParams } from '../../src/detectors/params.js';
import { detectorEntry, loadDetector, registerDetector } from '../../src/detectors/registry.js';

function rows(n = 200, seed = 2): number[][] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => { const t = r.uniform(); return [t, 2 * t, Math.sin(3 * t), 0.1 * r.normal()]; });
}

/** A minimal detector on the template: one linear map, loss = mean square of its output; records its hooks. */
class Probe extends DeepDetector<DeepParams, DeepTrainingConfig> {
  readonly name = 'probe';
  readonly scoreName = 'output energy';
  calls: string[] = [];
  constructor(p: Record<string, unknown>) { super({ ...parseParams('probe', CommonParamsSchema, {}), learningRate: 0.01, ...p } as DeepParams); }
  protected configure(): DeepTrainingConfig { return { epochs: this.params.epochs ?? 3, batchSize: this.params.batchSize ?? 50, learningRate: this.params.learningRate }; }
  protected networks(): Record<string, string> { return { map: 'FC(4,2,none)' }; }
  protected loss(batch: Tensor): LossOutput {
    const y = this.mlp('map').forward(batch);
    return { loss: mse(y, parameter(new Float32Array(y.size), y.shape)), terms: { half: scale(mse(y, parameter(new Float32Array(y.size), y.shape)), 0.5) } };
  }
  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    const y = this.mlp('map').forward(batch).data;
    for (let i = 0; i < batch.rows; i++) out[i] = y[2 * i] ** 2 + y[2 * i + 1] ** 2;
  }
  protected override beforeEpoch(e: number): void { this.calls.push(`before ${e}`); }
  protected override afterEpoch(s: EpochStats): void { this.calls.push(`after ${s.epoch}`); }
  protected override afterTraining(_x: Float32Array, n: number): void { this.calls.push(`trained on ${n}`); }
}

describe('deep-detector template', () => {
  it('runs the hooks in order, averages the loss terms per epoch and trains the declared networks', () => {
    const p = new Probe({ epochs: 3, batchSize: 64 }).fit(rows());
    assert.deepEqual(p.calls, ['before 1', 'after 1', 'before 2', 'after 2', 'before 3', 'after 3', 'trained on 200']);
    assert.equal(p.training?.steps, 3 * 4);
    assert.equal(p.history.length, 3);
    for (const h of p.history) assert.ok(Math.abs(h.terms.half - h.loss / 2) < 1e-6 * h.loss);
    assert.ok(p.history[2].loss < p.history[0].loss, 'the loss falls');
    assert.deepEqual(p.toJSON().tensors.map((t) => [t.name, t.shape]), [['map.0', [4, 2]], ['map.1', [2]]]);
  });


  it('gradientClip changes training and stays deterministic', () => {
    const data = rows();
    const fit = (extra: Record<string, unknown>) => new AutoencoderDetector({ seed: 1, epochs: 5, learningRate: 0.01, ...extra }).fit(data);
    // Adam undoes a constant gradient scale, but the clip factor changes from step to step, so the path changes.
    const free = fit({}), clipped = fit({ gradientClip: 1e-3 });
    assert.notDeepEqual(Array.from(clipped.scoreSamples(data)), Array.from(free.scoreSamples(data)));
    assert.deepEqual(Array.from(fit({ gradientClip: 1e-3 }).scoreSamples(data)), Array.from(clipped.scoreSamples(data)));
    assert.throws(() => new AutoencoderDetector({ gradientClip: 0 }), /gradientClip/);
  });

  it('early stopping measures held-out training rows, stops after `patience` epochs without improvement and keeps the best epoch', () => {
    const data = rows(240);
    const det = new AutoencoderDetector({ seed: 3, epochs: 400, learningRate: 0.05, earlyStopping: { validation: 0.25, patience: 3 } }).fit(data);
    const h = det.history;
    assert.ok(h.every((s) => Number.isFinite(s.validationLoss)));
    assert.ok(h.length < 400, `ran all ${h.length} epochs`);
    const best = h.reduce((b, s) => (s.validationLoss! < b.validationLoss! ? s : b));
    assert.equal(h.length - best.epoch, 3);
    assert.equal(det.training?.rows, 240, 'the contract still reports every training row');
    assert.throws(() => new AutoencoderDetector({ earlyStopping: { validation: 0.01, patience: 2 } }).fit(data.slice(0, 20)), /early stopping holds out 0 of 20 training rows/);
  });

  it('model import checks every weight tensor against the declared networks before copying', () => {
    const data = rows();
    const det = new AutoencoderDetector({ seed: 1, epochs: 2 }).fit(data);
    const j = det.toJSON();
    assert.deepEqual(j.tensors.map((t) => t.name), ['encoder.0', 'encoder.1', 'encoder.2', 'encoder.3', 'decoder.0', 'decoder.1', 'decoder.2', 'decoder.3']);
    const bad = structuredClone(j);
    bad.tensors[0].shape = [...bad.tensors[0].shape].reverse();
    assert.throws(() => loadDetector(bad, 'm.json'), /m\.json: ae model: tensor "encoder\.0" has shape \[3, 4\], the network in config\.resolved needs \[4, 3\]/);
    const renamed = structuredClone(j);
    renamed.tensors[7].name = 'decoder.9';
    assert.throws(() => loadDetector(renamed, 'm.json'), /weight tensor "decoder\.3" is missing/);
    const wrongNet = structuredClone(j);
    (wrongNet.manifest.config as { resolved: { encoder: string } }).resolved.encoder = 'FC(5,2,tanh)-FC(2,2,none)';
    // Caught by the shape check, before any network is built.
    assert.throws(() => loadDetector(wrongNet, 'm.json'), /m\.json: ae model: (weight tensors|tensor "encoder\.0" has shape \[4, \d+\], the network in config\.resolved needs \[5, 2\])/);
  });
});

/**
 * Two networks a and b, two phases: 'a' updates a (Adam), 'b' updates b (RMSprop at a tenth of the learning
 * rate); both losses read both networks. Each loss call records both networks' weights as it finds them.
 */
class TwoPhase extends DeepDetector<DeepParams, DeepTrainingConfig> {
  readonly name = 'two-phase';
  readonly scoreName = 'output energy';
  seen: { phase: string; a: number[]; b: number[] }[] = [];
  constructor(p: Record<string, unknown>, private readonly order: readonly ('a' | 'b')[] = ['a', 'b']) {
    super({ ...parseParams('two-phase', CommonParamsSchema, {}), learningRate: 0.01, ...p } as DeepParams);
  }
  protected configure(): DeepTrainingConfig { return { epochs: this.params.epochs ?? 1, batchSize: this.params.batchSize ?? 100, learningRate: this.params.learningRate }; }
  protected networks(): Record<string, string> { return { a: 'FC(4,2,none)', b: 'FC(2,1,none)' }; }
  private out(batch: Tensor): Tensor { return this.mlp('b').forward(this.mlp('a').forward(batch)); }
  private phaseLoss(phase: string, batch: Tensor): LossOutput {
    this.seen.push({ phase, a: Array.from(this.mlp('a').weights[0].data), b: Array.from(this.mlp('b').weights[0].data) });
    const y = this.out(batch);
    // 'b' pushes the output towards 1, 'a' towards -1: opposite goals, as in a GAN.
    return { loss: mse(y, parameter(new Float32Array(y.size).fill(phase === 'a' ? -1 : 1), y.shape)) };
  }
  protected loss(batch: Tensor): LossOutput { const y = this.out(batch); return { loss: mse(y, parameter(new Float32Array(y.size), y.shape)) }; }
  protected override phases(): DeepPhase[] {
    const all: Record<'a' | 'b', DeepPhase> = {
      a: { name: 'a', networks: ['a'], loss: (x) => this.phaseLoss('a', x) },
      b: { name: 'b', networks: ['b'], optimizer: 'rmsprop', learningRate: this.params.learningRate / 10, loss: (x) => this.phaseLoss('b', x) },
    };
    return this.order.map((k) => all[k]);
  }
  protected scoreBatch(batch: Tensor, out: Float64Array): void { const y = this.out(batch).data; for (let i = 0; i < batch.rows; i++) out[i] = y[i] ** 2; }
}

describe('multi-phase training', () => {
  const diff = (u: number[], v: number[]) => u.map((x, i) => v[i] - x);
  it('runs the phases in order on every batch; each updates only its networks, with its own optimiser and learning rate', () => {
    const p = new TwoPhase({ epochs: 1, batchSize: 100 }).fit(rows(200));
    assert.deepEqual(p.seen.map((s) => s.phase), ['a', 'b', 'a', 'b']);
    assert.equal(p.training?.steps, 2, 'a step is one mini-batch, whatever its phases');
    // Between phase a and phase b of the first batch only a moved, by Adam's first step (lr * sign(g), up to eps).
    const [a1, b1, a2] = p.seen;
    assert.ok(diff(a1.b, b1.b).every((d) => d === 0), 'phase a left b alone');
    for (const d of diff(a1.a, b1.a)) assert.ok(Math.abs(Math.abs(d) - 0.01) < 1e-5, `Adam's first step moves a weight by lr, got ${d}`);
    // Then only b moved, by RMSprop's first step: lr_b * g / sqrt((1 - 0.99) g^2) = 10 lr_b = 0.01 per weight.
    assert.ok(diff(b1.a, a2.a).every((d) => d === 0), 'phase b left a alone');
    for (const d of diff(b1.b, a2.b)) assert.ok(Math.abs(Math.abs(d) - 0.01) < 1e-5, `RMSprop's first step moves a weight by 10 lr_b, got ${d}`);
    assert.deepEqual(Object.keys(p.history[0].terms).sort(), ['a', 'b']);
    assert.ok(Math.abs(p.history[0].loss - p.history[0].terms.a - p.history[0].terms.b) < 1e-6, 'the epoch loss is the sum of the phases');
  });

  it('the declared order is the order of the updates', () => {
    const p = new TwoPhase({ epochs: 1, batchSize: 100 }, ['b', 'a']).fit(rows(200));
    assert.deepEqual(p.seen.map((s) => s.phase), ['b', 'a', 'b', 'a']);
    assert.notDeepEqual(Array.from(p.scoreSamples(rows(20))), Array.from(new TwoPhase({ epochs: 1, batchSize: 100 }).fit(rows(200)).scoreSamples(rows(20))));
  });

  it('early stopping watches loss() on the held-out rows; clipping applies per phase', () => {
    const p = new TwoPhase({ epochs: 50, batchSize: 50, earlyStopping: { validation: 0.25, patience: 2 }, gradientClip: 0.5 }).fit(rows(200));
    assert.ok(p.history.every((h) => Number.isFinite(h.validationLoss)));
    assert.ok(p.history.length < 50);
  });

  it('a single phase over every network is the single-loss template, to the bit', () => {
    class OnePhaseAe extends AutoencoderDetector {
      protected override phases(): DeepPhase[] { return [{ name: 'all', networks: ['encoder', 'decoder'], loss: (x, ctx) => this.loss(x, ctx) }]; }
    }
    const data = rows();
    const o = { seed: 4, epochs: 6, learningRate: 0.01, gradientClip: 0.3 };
    const one = new OnePhaseAe(o).fit(data), plain = new AutoencoderDetector(o).fit(data);
    assert.deepEqual(Array.from(one.scoreSamples(data)), Array.from(plain.scoreSamples(data)));
    assert.deepEqual(one.history, plain.history);
  });

  it('rejects phases over undeclared networks', () => {
    class Bad extends TwoPhase { protected override phases(): DeepPhase[] { return [{ name: 'x', networks: ['c'], loss: (b) => this.loss(b) }]; } }
    assert.throws(() => new Bad({}).fit(rows()), /training phase "x" updates network "c", which is not declared \(declared: a, b\)/);
  });
});

describe('autoencoder (ae)', () => {
  it('chooses networks that scale with the input width', () => {
    const net = (d: number) => { const c = new AutoencoderDetector().planConfig(d, 1000); return [c.encoder, c.decoder]; };
    assert.deepEqual(net(6), ['FC(6,3,tanh)-FC(3,2,none)', 'FC(2,3,tanh)-FC(3,6,none)']);
    assert.deepEqual(net(120), ['FC(120,60,tanh)-FC(60,10,none)', 'FC(10,60,tanh)-FC(60,120,none)']);
    assert.deepEqual(net(4000)[0], 'FC(4000,2000,tanh)-FC(2000,32,none)');
    const c = new AutoencoderDetector({ hidden: [8, 4], latentSize: 1, activation: 'relu' }).planConfig(6, 1000);
    assert.equal(c.encoder, 'FC(6,8,relu)-FC(8,4,relu)-FC(4,1,none)');
    assert.equal(c.decoder, 'FC(1,4,relu)-FC(4,8,relu)-FC(8,6,none)');
    assert.equal(c.epochs, 125);
  });

  it('rejects inconsistent networks with messages naming them', () => {
    assert.throws(() => new AutoencoderDetector({ encoder: 'FC(4,2,none)' }).fit(rows()), /give both encoder and decoder/);
    assert.throws(() => new AutoencoderDetector({ encoder: 'FC(4,2,none)', decoder: 'FC(3,4,none)' }).fit(rows()), /decoder takes 3 inputs, the encoder's code has 2/);
    assert.throws(() => new AutoencoderDetector({ encoder: 'FC(4,2,none)', decoder: 'FC(2,5,none)' }).fit(rows()), /decoder outputs 5 values, the data has 4 features/);
  });

  it('training lowers the reconstruction error of the training rows', () => {
    const data = rows();
    const mean = (s: Float64Array) => s.reduce((a, b) => a + b, 0) / s.length;
    const untrained = mean(new AutoencoderDetector({ seed: 2, epochs: 0 }).fit(data).scoreSamples(data));
    const trained = mean(new AutoencoderDetector({ seed: 2, epochs: 40, learningRate: 0.01 }).fit(data).scoreSamples(data));
    assert.ok(trained < untrained / 4, `trained ${trained} vs untrained ${untrained}`);
  });

  it("the paper configurations are E2E-AE: DAGMM's compression network split at its code", () => {
    assert.deepEqual(splitAutoencoder(PAPER_CONFIGS.thyroid.compression), {
      encoder: 'FC(6,12,tanh)-FC(12,4,tanh)-FC(4,1,none)', decoder: 'FC(1,4,tanh)-FC(4,12,tanh)-FC(12,6,none)',
    });
    const pc = detectorEntry('ae').paperConfigs.arrhythmia!;
    assert.equal(pc.params.encoder, 'FC(274,10,tanh)-FC(10,2,none)');
    assert.equal(pc.params.epochs, PAPER_CONFIGS.arrhythmia.epochs);
  });
});

describe('detector registration', () => {
  it('rejects a second detector of the same name and malformed names', () => {
    const entry = detectorEntry('ae');
    assert.throws(() => registerDetector(entry), /detector "ae" is registered twice/);
    assert.throws(() => registerDetector({ ...entry, name: 'Bad Name' }), /lower-case/);
    assert.ok(detectorEntry('dagmm').untrainedControl);
  });
});

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe('training-loop optimiser settings', () => {
  // One weight per case and loss = sum(c * w): a constant gradient c, so each Adam step moves w by lr (up to eps).
  const train = (o: Partial<TrainLoopOptions>, c = 1, epochs = 3) => {
    const w = parameter(Float32Array.of(0.5), [1]), b = parameter(Float32Array.of(0.25), [1]);
    const k = new Tensor(Float32Array.of(c), [1]);
    trainLoop({ parameters: () => [w, b], loss: () => ({ loss: add(sum(mul(w, k)), sum(mul(b, k))) }) },
      new Float32Array(1), 1, 1, new Rng(0), { what: 'test', epochs, batchSize: 1, learningRate: 0.01, ...o });
    return { w: w.data[0], b: b.data[0] };
  };
  it('learningRateStep multiplies the learning rate by gamma after every `epochs` epochs (StepLR)', () => {
    close(0.5 - train({}).w, 0.03, 1e-6, 'constant rate');
    close(0.5 - train({ learningRateStep: { epochs: 1, gamma: 0.5 } }).w, 0.01 * (1 + 0.5 + 0.25), 1e-6, 'halved after each epoch');
    close(0.5 - train({ learningRateStep: { epochs: 2, gamma: 0.1 } }).w, 0.01 * (1 + 1 + 0.1), 1e-6, 'a tenth after two');
    assert.throws(() => train({ learningRateStep: { epochs: 0, gamma: 0.5 } }), /learning-rate step needs a whole number of epochs >= 1/);
    assert.throws(() => train({ learningRateStep: { epochs: 1, gamma: -1 } }), /positive finite gamma/);
  });
  it('frozen parameters keep their values; the others train', () => {
    const { w, b } = train({ frozen: new Set() }), f = (() => {
      const wt = parameter(Float32Array.of(0.5), [1]), bt = parameter(Float32Array.of(0.25), [1]);
      const k = new Tensor(Float32Array.of(1), [1]);
      trainLoop({ parameters: () => [wt, bt], loss: () => ({ loss: add(sum(mul(wt, k)), sum(mul(bt, k))) }) },
        new Float32Array(1), 1, 1, new Rng(0), { what: 'test', epochs: 3, batchSize: 1, learningRate: 0.01, frozen: new Set([bt]) });
      return { w: wt.data[0], b: bt.data[0] };
    })();
    close(f.w, w, 0, 'the trained weight is unaffected by freezing the other');
    assert.equal(f.b, 0.25);
    assert.notEqual(b, 0.25);
    const only = parameter(Float32Array.of(1), [1]);
    assert.throws(() => trainLoop({ parameters: () => [only], loss: () => ({ loss: sum(only) }) }, new Float32Array(1), 1, 1, new Rng(0),
      { what: 'test', epochs: 1, batchSize: 1, learningRate: 0.01, frozen: new Set([only]) }), /test: the loss has only frozen parameters to update/);
  });
  it('weightDecay adds wd * w to the gradient (torch\'s L2): with no loss gradient, w moves by lr against its sign per step', () => {
    const { w } = train({ weightDecay: 1e-3 }, 0);
    close(0.5 - w, 0.03, 1e-4, 'three steps of about lr (the gradient shrinks with w)');
    close(train({}, 0).w, 0.5, 0, 'no decay, no gradient: no change');
    assert.throws(() => train({ weightDecay: -1 }), /weight decay must be a finite number >= 0/);
  });
});
