/**
 * How `auto` was chosen, measured: on every data set (the paper's four and the development suite) and
 * protocol, fits each candidate detector once per seed on the harness's split (splitRun: the same rows as
 * `run-benchmarks`), then scores the test rows with every single detector and with each way auto could
 * combine its members (normalisation x combine), from those same fits. Members are fitted here on the raw
 * rows; auto fits them on its own preprocessed rows, which is the same data up to per-column affine maps
 * (members rescale again). The `auto` row is the detector itself, fitted through the harness, as a check.
 *
 *   node dist/bench/auto-study.js [--datasets thyroid,wdbc] [--protocols paper,unsupervised] [--runs 5]
 *     [--slow-runs 2] [--suite-dir ../shared/data/dev-suite] [--out docs/results/auto-study.json]
 *     [--dump DIR] [--skip-auto]   (DIR: per-run labels and tempered candidate scores; --skip-auto: no auto check fit)
 *
 * Output: JSON with, per data set and protocol, mean AUROC / AP over seeds for every single candidate and
 * every combination variant. Labels enter only the metrics.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { useBestBackend, backendInfo } from '../src/backend-node.js';
import { Rng } from '../src/engine/rng.js';
import { AUTO_DEFAULT_MEMBERS, combineMembers, memberStats, normalise, type AutoParams } from '../src/detectors/auto/detector.js';
import { createDetector, detectorNames } from '../src/detectors/registry.js';
import { protocolScores, splitRun, type Protocol } from '../src/harness/paper.js';
import { auroc, averagePrecision } from '../src/metrics/ranking.js';
import { ALL_DATASETS, DEFAULT_SUITE_DIR, loadBenchData, SLOW_ROWS } from './datasets.js';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : fallback; };
const list = (name: string, fallback: readonly string[]): string[] => opt(name, fallback.join(',')).split(',').filter(Boolean);

/** Classical candidates: the members' families and their close relatives. */
const CANDIDATES = ['iforest', 'eif', 'knn', 'lof', 'pca', 'ecod', 'copod', 'hbos', 'gmm'].filter((m) => detectorNames().includes(m));
/** Above this many fitted rows, knn and lof keep a seeded reference set of NEIGHBOUR_ROWS (exact search would take tens of minutes per fit here). */
const NEIGHBOUR_LIMIT = 50000, NEIGHBOUR_ROWS = 10000;
const NORMALISATIONS: AutoParams['normalisation'][] = ['zscore', 'tempered', 'rank', 'robust'];
const COMBINES: AutoParams['combine'][] = ['mean', 'max', 'thresh'];

const datasets = list('datasets', ALL_DATASETS);
const protocols = list('protocols', ['paper', 'unsupervised']) as Protocol[];
const runs = Number(opt('runs', '5')), slowRuns = Number(opt('slow-runs', '2'));
const out = opt('out', 'docs/results/auto-study.json');
/** --dump DIR: also write each run's labels and every candidate's tempered test scores (Float32, one file per data set, protocol and seed) for offline analysis of combinations. */
const dumpDir = opt('dump', '');
const members = AUTO_DEFAULT_MEMBERS.map((m) => (typeof m === 'string' ? { detector: m, params: {} } : m));

useBestBackend('auto');
type Cell = { runs: number; auroc: number; ap: number; seconds: number };

for (const name of datasets) {
  const data = await loadBenchData(name, opt('suite-dir', DEFAULT_SUITE_DIR));
  const n = data.rows > SLOW_ROWS ? slowRuns : runs;
  for (const protocol of protocols) {
    const key = `${name}/${protocol}`;
    const acc: Record<string, { auroc: number[]; ap: number[]; seconds: number[] }> = {};
    const add = (k: string, scores: Float64Array, labels: Uint8Array, seconds: number) => {
      acc[k] ??= { auroc: [], ap: [], seconds: [] };
      acc[k].auroc.push(auroc(scores, labels)); acc[k].ap.push(averagePrecision(scores, labels)); acc[k].seconds.push(seconds);
    };
    for (let r = 0; r < n; r++) {
      const seed = 1 + r;
      const split = splitRun(data.source, new Rng(seed), protocol, data.source.ratio);
      const fitRows = data.source.rows(split.fit), testRows = data.source.rows(split.test);
      const fitted = new Map<string, { train: Float64Array; test: Float64Array; seconds: number }>();
      const fitOne = (m: string, params: Record<string, unknown>) => {
        const t = performance.now();
        const det = createDetector(m, { ...params, seed }).fit(fitRows, data.source.fitOptions);
        const test = protocolScores(det, protocol, testRows, split.test.length);
        return { train: det.trainingScores!, test, seconds: (performance.now() - t) / 1000 };
      };
      for (const m of CANDIDATES) {
        const capped = (m === 'knn' || m === 'lof') && split.fit.length > NEIGHBOUR_LIMIT;
        const f = fitOne(m, capped ? { maxSamples: NEIGHBOUR_ROWS } : {});
        fitted.set(m, f);
        add(capped ? `${m} (${NEIGHBOUR_ROWS}-row reference)` : m, f.test, split.testLabels, f.seconds);
      }
      // Members as auto runs them (knn with its bounded reference set), when that differs from the single fit.
      const memberFits = new Map(members.map((mb) => {
        const same = Object.keys(mb.params).length === 0 || (mb.detector === 'knn' && split.fit.length > NEIGHBOUR_LIMIT && mb.params.maxSamples === NEIGHBOUR_ROWS);
        return [mb.detector, same ? fitted.get(mb.detector)! : fitOne(mb.detector, mb.params)] as const;
      }));
      // Member sets fixed before any result: auto's four (one per family), and every candidate (no selection at all).
      const sets: [string, { train: Float64Array; test: Float64Array; seconds: number }[]][] = [
        ['', members.map(({ detector: m }) => memberFits.get(m)!)],
        [' (all candidates)', CANDIDATES.map((m) => fitted.get(m)!)],
      ];
      for (const [label, fits] of sets) {
        for (const norm of NORMALISATIONS) {
          for (const comb of COMBINES) {
            if (label && comb === 'max') continue;
            // Thresh truncates at the training mean: only for the normalisations centred there.
            if (comb === 'thresh' && norm !== 'zscore' && norm !== 'tempered') continue;
            const per = fits.map((f) => { const st = memberStats(f.train); return Float64Array.from(f.test, (s) => normalise(norm, st, s)); });
            const s = combineMembers(comb, per, new Float64Array(per[0].length));
            add(`combined ${norm} ${comb}${label}`, s, split.testLabels, fits.reduce((a, f) => a + f.seconds, 0));
          }
        }
      }
      if (dumpDir) {
        mkdirSync(dumpDir, { recursive: true });
        const names = [...fitted.keys(), ...[...memberFits.keys()].filter((m) => memberFits.get(m) !== fitted.get(m)).map((m) => `${m} (member)`)];
        const fitsOf = (k: string) => (k.endsWith(' (member)') ? memberFits.get(k.slice(0, -9))! : fitted.get(k)!);
        const header = { dataset: name, protocol, seed, rows: split.test.length, names };
        const parts = [Buffer.from(Float32Array.from(split.testLabels).buffer), ...names.map((k) => {
          const f = fitsOf(k), st = memberStats(f.train);
          return Buffer.from(Float32Array.from(f.test, (s) => normalise('tempered', st, s)).buffer);
        })];
        writeFileSync(`${dumpDir}/${name}-${protocol}-${seed}.json`, `${JSON.stringify(header)}\n`);
        writeFileSync(`${dumpDir}/${name}-${protocol}-${seed}.f32`, Buffer.concat(parts));
      }
      if (!argv.includes('--skip-auto')) {
        const t = performance.now();
        const det = createDetector('auto', { seed }).fit(fitRows, data.source.fitOptions);
        const s = protocolScores(det, protocol, testRows, split.test.length);
        add('auto', s, split.testLabels, (performance.now() - t) / 1000);
      }
      process.stderr.write(`${key} seed ${seed}: ${Object.entries(acc).map(([k, v]) => `${k} ${v.auroc[v.auroc.length - 1].toFixed(3)}`).join(', ')}\n`);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // Re-read before writing: several study processes (one per group of data sets) may share the file.
    const results = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { results: Record<string, Record<string, Cell>> }).results : {};
    results[key] = Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, { runs: v.auroc.length, auroc: mean(v.auroc), ap: mean(v.ap), seconds: mean(v.seconds) }]));
    writeFileSync(out, `${JSON.stringify({ members, candidates: CANDIDATES, ...backendInfo(), results }, null, 1)}\n`);
  }
}
