/** The command line end to end on a small generated CSV: fit, inspect, score, eval, bench csv, report, errors. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { Rng } from '../../src/engine/rng.js';
import { auroc } from '../../src/metrics/ranking.js';
import { detectorNames } from '../../src/detectors/registry.js';

const run = (args: string[]) => runCli(args);

describe('aberrant CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aberrant-cli-'));
  const data = join(dir, 'flows.csv');
  const r = new Rng(9);
  const lines = ['id,bytes,duration,proto,ok,label'];
  for (let i = 0; i < 400; i++) {
    const anomaly = i % 20 === 19;
    const t = r.uniform();
    const bytes = anomaly ? 5000 + 3000 * r.uniform() : 1000 * t + 20 * r.normal();
    const dur = anomaly ? 0.1 * r.uniform() : 2 * t + 0.05 * r.normal();
    lines.push(`${i},${bytes.toFixed(2)},${dur.toFixed(3)},${['tcp', 'udp'][i % 2]},${i % 3 ? 'yes' : 'no'},${anomaly ? 1 : 0}`);
  }
  writeFileSync(data, `${lines.join('\n')}\n`);
  const model = join(dir, 'flows.abr');

  it('fit writes a model and reports the configuration it chose', () => {
    const res = run(['fit', '--model', 'dagmm', data, '--label-column', 'label', '--epochs', '300', '--param', 'learningRate=0.01', '--contamination', '0.05', '--seed', '2', '--out', model, '--json']);
    assert.equal(res.code, 0, res.err);
    const s = JSON.parse(res.out) as { detector: string; resolved: { compression: string; auto: string[] }; features: number; schema: { name: string; role: string }[] };
    assert.equal(s.detector, 'dagmm');
    assert.equal(s.features, 2 + 2 + 2); // bytes, duration, proto one-hot (2), ok one-hot (2)
    assert.match(s.resolved.compression, /^FC\(6,/);
    assert.ok(s.resolved.auto.includes('compression'));
    assert.deepEqual(s.schema.filter((c) => c.role !== 'feature').map((c) => c.name).sort(), ['id', 'label']);
    assert.ok(existsSync(model));
  });

  it('inspect shows the manifest of a valid file', () => {
    const res = run(['inspect', model, '--json']);
    assert.equal(res.code, 0, res.err);
    const m = JSON.parse(res.out) as { detector: string; checksum: string; tensors: unknown[] };
    assert.equal(m.detector, 'dagmm');
    assert.equal(m.checksum, 'ok');
    assert.ok(m.tensors.length > 0);
  });

  it('score prints one CSV line per row; eval finds the anomalies', () => {
    const res = run(['score', model, data]);
    assert.equal(res.code, 0, res.err);
    const out = res.out.trim().split('\n');
    assert.equal(out[0], 'row,score,label,proba');
    assert.equal(out.length, 401);
    const jsonl = join(dir, 'scores.jsonl');
    assert.equal(run(['score', model, data, '--out', jsonl]).code, 0);
    assert.equal(JSON.parse(readFileSync(jsonl, 'utf8').split('\n')[0]).row, 1);
    const ev = run(['eval', model, data, '--label-column', 'label', '--json']);
    assert.equal(ev.code, 0, ev.err);
    const e = JSON.parse(ev.out) as { auroc: number; anomalies: number; rows: number };
    assert.equal(e.anomalies, 20);
    // eval's AUROC is the AUROC of score's scores against the label column. (How well DAGMM ranks these rows
    // depends on the seed when it is fitted on contaminated rows: its quality floors are in its own tests.)
    const scores = out.slice(1).map((l) => Number(l.split(',')[1]));
    const truth = Array.from({ length: 400 }, (_, i) => (i % 20 === 19 ? 1 : 0));
    assert.ok(Math.abs(e.auroc - auroc(scores, truth)) < 1e-12, `eval ${e.auroc} vs score ${auroc(scores, truth)}`);
  });

  it('scores JSON Lines rows exactly as the same rows in CSV', () => {
    const [header, ...body] = lines;
    const names = header.split(',');
    const jsonl = join(dir, 'flows.jsonl');
    writeFileSync(jsonl, body.map((l) => {
      const v = l.split(',');
      return JSON.stringify(Object.fromEntries(names.map((n, j) => [n, n === 'proto' || n === 'ok' ? v[j] : Number(v[j])])));
    }).join('\n'));
    const a = run(['score', model, data]), b = run(['score', model, jsonl]);
    assert.equal(b.code, 0, b.err);
    assert.equal(b.out, a.out);
  });

  it('reads headerless and tab-separated files when told to (--no-header, --format tsv)', () => {
    const bare = join(dir, 'bare.txt');
    writeFileSync(bare, `${lines.slice(1).map((l) => l.split(',').join('\t')).join('\n')}\n`);
    const m = join(dir, 'bare.abr');
    const fit = run(['fit', '--model', 'dagmm', bare, '--format', 'tsv', '--no-header', '--drop', 'f0', '--label-column', 'f5', '--epochs', '3', '--out', m, '--json']);
    assert.equal(fit.code, 0, fit.err);
    assert.equal((JSON.parse(fit.out) as { features: number }).features, 6);
    const sc = run(['score', m, bare, '--format', 'tsv', '--no-header']);
    assert.equal(sc.code, 0, sc.err);
    assert.equal(sc.out.trim().split('\n').length, 401);
    const unknown = run(['fit', bare, '--out', m, '--force']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /bare\.txt: unknown file type/);
  });

  it('bench csv prints the same JSON shape as bench paper', () => {
    const res = run(['bench', 'csv', data, '--label-column', 'label', '--runs', '2', '--epochs', '3', '--seed', '1', '--drop', 'id', '--json']);
    assert.equal(res.code, 0, res.err);
    const b = JSON.parse(res.out) as Record<string, unknown> & { runs: { seed: number; f1: number }[]; control: { runs: unknown[] } };
    for (const k of ['dataset', 'model', 'protocol', 'config', 'runs', 'mean', 'std', 'ci95', 'control', 'paper', 'seconds']) assert.ok(k in b, k);
    assert.deepEqual(b.runs.map((x) => x.seed), [1, 2]);
    assert.equal(b.control.runs.length, 2);
  });

  it('bench takes seed and epochs given as --param like --seed and --epochs, and rejects bad ones', () => {
    const args = ['bench', 'csv', data, '--label-column', 'label', '--model', 'ae', '--runs', '2', '--drop', 'id', '--no-control', '--json'];
    const flags = run([...args, '--epochs', '3', '--seed', '4']);
    const pairs = run([...args, '--param', 'epochs=3', '--param', 'seed=4']);
    const defaults = run(args);
    for (const r of [flags, pairs, defaults]) assert.equal(r.code, 0, r.err);
    type B = { runs: { seed: number; f1: number; auroc: number }[] };
    const [f, p, d] = [flags, pairs, defaults].map((r) => JSON.parse(r.out) as B);
    assert.deepEqual(p.runs.map((x) => x.seed), [4, 5]);
    assert.deepEqual(p.runs.map((x) => [x.f1, x.auroc]), f.runs.map((x) => [x.f1, x.auroc]));
    // epochs alone: seeds 1 and 2 as without it, and the detector ran 3 epochs, not its default schedule
    const three = JSON.parse(run([...args, '--param', 'epochs=3']).out) as B & { config: { epochs: number } };
    assert.deepEqual(three.runs.map((x) => x.seed), d.runs.map((x) => x.seed));
    assert.equal(three.config.epochs, 3);
    assert.notEqual((d as B & { config: { epochs: number } }).config.epochs, 3);
    const bad = run([...args, '--param', 'epochs=-2']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /epochs must be an integer >= 0, got -2/);
  });

  it('bench --train-contamination fits on that fraction of the training half\'s anomaly rows and rejects values outside [0, 1]', () => {
    const res = run(['bench', 'csv', data, '--label-column', 'label', '--model', 'rda', '--runs', '1', '--epochs', '2', '--seed', '1', '--drop', 'id', '--no-control', '--train-contamination', '1', '--json']);
    assert.equal(res.code, 0, res.err);
    const b = JSON.parse(res.out) as { runs: { trainAnomalies: number; trainRows: number }[]; config: { trainContamination: number } };
    assert.equal(b.config.trainContamination, 1);
    assert.ok(b.runs[0].trainAnomalies > 0 && b.runs[0].trainRows === 200, JSON.stringify(b.runs[0]));
    const bad = run(['bench', 'csv', data, '--label-column', 'label', '--train-contamination', '2']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /--train-contamination must be a number in \[0, 1\]/);
  });

  it('bench paper runs any registered detector and rejects unknown ones', () => {
    const res = run(['bench', 'paper', '--dataset', 'thyroid', '--model', 'ae', '--runs', '1', '--epochs', '2', '--protocol', 'half-normal', '--json']);
    assert.equal(res.code, 0, res.err);
    const b = JSON.parse(res.out) as { model: string; paper: { f1: number } | null; flagging: { usesTestLabels: boolean }; control: { runs: unknown[] }; config: { encoder: string } };
    assert.equal(b.model, 'ae');
    assert.equal(b.flagging.usesTestLabels, true);
    assert.equal(b.control.runs.length, 1);
    assert.equal(b.config.encoder, 'FC(6,12,tanh)-FC(12,4,tanh)-FC(4,1,none)');
    assert.equal(b.paper?.f1, 0.1176);
    const bad = run(['bench', 'paper', '--dataset', 'thyroid', '--model', 'nope']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /nope.*(dagmm|choices)/);
  });

  it('fit without --model fits auto, says which detectors it combined and why, and the model file records them', () => {
    const m = join(dir, 'auto.abr');
    const res = run(['fit', data, '--label-column', 'label', '--seed', '3', '--out', m]);
    assert.equal(res.code, 0, res.err);
    assert.match(res.err, /auto combined iforest, knn, pca, ecod: one detector per family/);
    // each member on its own line with its resolved parameters
    assert.match(res.err, /^ {4}1\. iforest +\{"nEstimators":100,/m);
    assert.match(res.err, /^ {4}4\. ecod +\{/m);
    const manifest = JSON.parse(run(['inspect', m, '--json']).out) as { detector: string; config: { resolved: { members: { detector: string }[] } } };
    assert.equal(manifest.detector, 'auto');
    assert.deepEqual(manifest.config.resolved.members.map((x) => x.detector), ['iforest', 'knn', 'pca', 'ecod']);
    const ins = run(['inspect', m]); // the same member lines as fit, read back from the file
    assert.equal(ins.code, 0, ins.err);
    assert.match(ins.out, /^ {4}1\. iforest +\{"nEstimators":100,/m);
    assert.match(ins.out, /^ {4}4\. ecod +\{/m);
    const sc = run(['score', m, data]);
    assert.equal(sc.code, 0, sc.err);
    assert.equal(sc.out.trim().split('\n').length, 401);
  });

  it('fit warns before fitting a detector registered as unreliable, and only then', () => {
    const m = join(dir, 'alocc.abr');
    const res = run(['fit', '--model', 'alocc', data, '--label-column', 'label', '--epochs', '2', '--seed', '3', '--out', m]);
    assert.equal(res.code, 0, res.err);
    assert.match(res.err, /^warning: alocc does not rank rows reliably: on tabular rows/);
    const ae = run(['fit', '--model', 'ae', data, '--label-column', 'label', '--epochs', '2', '--seed', '3', '--out', join(dir, 'ae-quick.abr')]);
    assert.equal(ae.code, 0, ae.err);
    assert.doesNotMatch(ae.err, /warning/);
    assert.doesNotMatch(ae.err, /slow to score/);
  });

  it('fit says when the detector is slow to score by design (AnoGAN\'s latent search per row)', () => {
    const res = run(['fit', '--model', 'anogan', data, '--label-column', 'label', '--epochs', '1', '--param', 'searchSteps=2', '--seed', '3', '--out', join(dir, 'anogan.abr')]);
    assert.equal(res.code, 0, res.err);
    assert.match(res.err, /note: anogan is slow to score: each scored row runs a latent search .*rows\/s/);
  });

  it('fit --help lists every registered detector and auto\'s parameters; with --model, that detector\'s parameters', () => {
    const res = run(['fit', '--help']);
    for (const name of detectorNames()) assert.match(res.out, new RegExp(`\\n  ${name} +\\S`), name);
    assert.match(res.out, /Parameters of auto \(--param key=value\):\n {2}seed/);
    assert.doesNotMatch(res.out, /Parameters of dagmm/);
    for (const args of [['fit', '--model', 'dagmm', '--help'], ['fit', '--help', '--model', 'dagmm']]) {
      const one = run(args);
      assert.equal(one.code, 0, one.err);
      assert.match(one.out, /Parameters of dagmm \(--param key=value\):\n[^]*\n {2}gmmK +mixture components K/);
      assert.doesNotMatch(one.out, /Parameters of (auto|ae)\b/);
    }
  });

  it('report writes a self-contained HTML file and SVG plots', () => {
    const html = join(dir, 'r.html'), svgDir = join(dir, 'svg');
    const res = run(['report', model, data, '--label-column', 'label', '--out', html, '--svg-dir', svgDir]);
    assert.equal(res.code, 0, res.err);
    const text = readFileSync(html, 'utf8');
    assert.match(text, /<svg/);
    assert.match(text, /AUROC/);
    assert.doesNotMatch(text, /(src|href)="https?:/);
    assert.ok(existsSync(svgDir));
  });

  it('fails with one-line errors naming the problem', () => {
    const missing = run(['fit', join(dir, 'nope.csv'), '--out', join(dir, 'x.abr')]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /nope\.csv/);
    const notModel = run(['score', data, data]);
    assert.equal(notModel.code, 1);
    assert.match(notModel.err, /not an Aberrant model/i);
    const mismatch = join(dir, 'less.csv');
    writeFileSync(mismatch, 'id,bytes,proto,ok\n1,2,tcp,yes\n');
    const mm = run(['score', model, mismatch]);
    assert.equal(mm.code, 1);
    assert.match(mm.err, /duration/);
    const ragged = join(dir, 'ragged.csv');
    writeFileSync(ragged, 'a,b\n1,2\n3\n');
    const rg = run(['fit', ragged, '--out', join(dir, 'y.abr')]);
    assert.equal(rg.code, 1);
    assert.match(rg.err, /ragged\.csv.*line 3/);
    const badParam = run(['fit', data, '--model', 'dagmm', '--param', 'gmmK=0', '--out', join(dir, 'z.abr')]);
    assert.equal(badParam.code, 1);
    assert.match(badParam.err, /gmmK/);
    const noLabel = run(['eval', model, data, '--label-column', 'nope']);
    assert.equal(noLabel.code, 1);
    assert.match(noLabel.err, /no column "nope"/);
    // Several problems at once: one line, each named, unknown names answered with the detector's own.
    const twoBad = run(['fit', data, '--model', 'iforest', '--param', 'nEstimators=0', '--param', 'epochs=5', '--out', join(dir, 'z.abr')]);
    assert.equal(twoBad.code, 1);
    assert.match(twoBad.err, /^aberrant: iforest: invalid parameters; nEstimators: .*; "epochs": not a parameter of iforest \(its parameters: .*maxSamples.*\)\n$/);
    assert.ok(!twoBad.err.includes('\\n'), twoBad.err);
    for (const e of [missing, notModel, mm, rg, badParam, noLabel]) assert.equal(e.err.trim().split('\n').length <= 3, true, e.err);
  });
});
