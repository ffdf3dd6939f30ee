/**
 * A label-free repair tried for auto's local members: knn and lof lose most when the rows they are fitted on
 * hold anomalies that sit together (an anomaly's neighbours are anomalies: masking). Here auto's own training
 * scores (the tempered mean of its four members) flag the top --trim fraction of the fitted rows (0.1: auto's
 * default threshold contamination, fixed before measuring), knn and lof are refitted on the rest, and their
 * tempered scores of the harness's test rows are written beside auto-study's dump as "knn-trim" and "lof-trim"
 * (same data sets, protocols and seeds, so the same splits); bench/auto-weights.ts reads both.
 *
 *   node dist/bench/auto-trim.js --dump DIR [--datasets thyroid,wdbc] [--protocols paper,unsupervised]
 *     [--runs 3] [--slow-runs 2] [--trim 0.1] [--suite-dir ../shared/data/dev-suite]
 *
 * Under the unsupervised protocol the scored rows are the fitted ones: kept rows get their leave-one-out
 * training scores, trimmed rows are scored against the kept reference.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { useBestBackend } from '../src/backend-node.js';
import { Rng } from '../src/engine/rng.js';
import { AUTO_DEFAULT_MEMBERS, memberStats, normalise } from '../src/detectors/auto/detector.js';
import { createDetector } from '../src/detectors/registry.js';
import { protocolScores, splitRun, type Protocol } from '../src/harness/paper.js';
import { checkArgs } from './args.js';
import { ALL_DATASETS, DEFAULT_SUITE_DIR, loadBenchData, SLOW_ROWS } from './datasets.js';

const argv = process.argv.slice(2);
checkArgs(argv, ['dump', 'datasets', 'protocols', 'runs', 'slow-runs', 'trim', 'suite-dir'], `
node dist/bench/auto-trim.js --dump DIR [--datasets a,b] [--protocols paper,unsupervised] [--runs 3] [--slow-runs 2] [--trim 0.1] [--suite-dir DIR]`);
const opt = (name: string, fallback: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : fallback; };
const dump = opt('dump', '');
if (!dump) throw new Error('--dump DIR is required (the folder auto-study --dump wrote)');
const datasets = opt('datasets', ALL_DATASETS.join(',')).split(',').filter(Boolean);
const protocols = opt('protocols', 'paper,unsupervised').split(',').filter(Boolean) as Protocol[];
const runs = Number(opt('runs', '3')), slowRuns = Number(opt('slow-runs', '2')), frac = Number(opt('trim', '0.1'));
if (!(frac > 0 && frac < 1)) throw new Error(`--trim must be a fraction in (0, 1), got ${opt('trim', '')}`);
/** As auto-study: above this many fitted rows knn and lof keep a seeded 10,000-row reference set (auto's knn member does too). */
const NEIGHBOUR_LIMIT = 50000, NEIGHBOUR_ROWS = 10000;
// auto's member names; their parameters here are the study's (knn keeps its own reference set only above NEIGHBOUR_LIMIT rows, where auto always caps it at AUTO_KNN_REFERENCE_ROWS).
const AUTO_MEMBERS = AUTO_DEFAULT_MEMBERS.map((m) => (typeof m === 'string' ? m : m.detector));

useBestBackend('auto');
mkdirSync(dump, { recursive: true });
const tempered = (train: Float64Array, test: ArrayLike<number>) => { const st = memberStats(train); return Float32Array.from(test, (s) => normalise('tempered', st, s)); };

for (const name of datasets) {
  const data = await loadBenchData(name, opt('suite-dir', DEFAULT_SUITE_DIR));
  const n = data.rows > SLOW_ROWS ? slowRuns : runs;
  for (const protocol of protocols) {
    for (let r = 0; r < n; r++) {
      const seed = 1 + r, t0 = performance.now();
      const split = splitRun(data.source, new Rng(seed), protocol, data.source.ratio);
      const fitCount = split.fit.length;
      const local = (m: string) => (fitCount > NEIGHBOUR_LIMIT && (m === 'knn' || m === 'lof') ? { maxSamples: NEIGHBOUR_ROWS } : {});
      const fitRows = data.source.rows(split.fit);
      const autoScore = new Float64Array(fitCount);
      for (const m of AUTO_MEMBERS) {
        const train = createDetector(m, { ...local(m), seed }).fit(fitRows, data.source.fitOptions).trainingScores!;
        const st = memberStats(train);
        for (let i = 0; i < fitCount; i++) autoScore[i] += normalise('tempered', st, train[i]) / AUTO_MEMBERS.length;
      }
      const cut = Float64Array.from(autoScore).sort()[Math.floor((1 - frac) * (fitCount - 1))];
      const keep: number[] = [], drop: number[] = [];
      autoScore.forEach((v, i) => (v > cut ? drop : keep).push(i));
      const names: string[] = [], parts: Buffer[] = [];
      for (const m of ['knn', 'lof']) {
        const det = createDetector(m, { ...local(m), seed }).fit(data.source.rows(Int32Array.from(keep, (i) => split.fit[i])), data.source.fitOptions);
        let test: Float64Array;
        if (protocol === 'unsupervised') {
          test = new Float64Array(fitCount);
          keep.forEach((i, j) => { test[i] = det.trainingScores![j]; });
          const dropped = det.scoreSamples(data.source.rows(Int32Array.from(drop, (i) => split.fit[i])));
          drop.forEach((i, j) => { test[i] = dropped[j]; });
        } else {
          test = protocolScores(det, protocol, data.source.rows(split.test), split.test.length);
        }
        names.push(`${m}-trim`);
        parts.push(Buffer.from(tempered(det.trainingScores!, test).buffer));
      }
      const base = `${dump}/${name}-${protocol}-${seed}.trim`;
      writeFileSync(`${base}.json`, `${JSON.stringify({ dataset: name, protocol, seed, rows: split.test.length, kept: keep.length, trim: frac, names })}\n`);
      writeFileSync(`${base}.f32`, Buffer.concat(parts));
      process.stderr.write(`${name}/${protocol} seed ${seed}: kept ${keep.length} of ${fitCount} fitted rows, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    }
  }
}
