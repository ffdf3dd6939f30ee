// The 002 article's experiment ("Hands-on anomaly detection with variational autoencoders"): a VAE trained on
// normal KDDCup99 traffic, threshold = the 99th percentile of the training rows' reconstruction errors,
// precision / recall / F1 at that threshold and AUROC on test rows that mix normal traffic and attacks.
// Prints one JSON object (docs/results/vae-kddcup.json; docs/vae-kddcup.md says how it was made).
//   node dist/bench/vae-kddcup.js [--runs 5] [--seed 1] [--epochs N] [--samples 10] [--scaling minmax|standard]
//
// Protocol (what we followed of the article, which gives no split sizes): the article's roles, normal
// traffic normal and attacks the anomalies, as in the bundled KDDCUP-Rev set (every `normal.` row; attack
// rows sampled per run so that normal : attack = 4 : 1, since attacks are 80% of the raw file); per run, fit
// on a random half of the normal rows (the article's "clean/normal training set"), test on the other half
// plus the sampled attacks. The threshold is the detector's own {quantile: 0.99} rule on its training scores:
// no test label is used to set it.
import { loadPaperDataset } from '../src/data/datasets/bundled.js';
import { Rng } from '../src/engine/rng.js';
import { VaeDetector } from '../src/detectors/vae/detector.js';
import { aggregate, matrixSource, splitRun, type RunMetrics } from '../src/harness/paper.js';
import { confusionAt } from '../src/metrics/curves.js';
import { auroc, averagePrecision } from '../src/metrics/ranking.js';
import { backendInfo, useBestBackend } from '../src/backend-node.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const runs = arg('runs', 5), seed0 = arg('seed', 1), samples = arg('samples', 10);
const epochs = process.argv.includes('--epochs') ? arg('epochs', 0) : undefined;
const si = process.argv.indexOf('--scaling'), scaling = si >= 0 ? process.argv[si + 1] : 'minmax';
if (scaling !== 'minmax' && scaling !== 'standard') throw new Error(`--scaling must be minmax or standard, got "${scaling}"`);
useBestBackend();
const t0 = performance.now();
const ds = loadPaperDataset('kddcup-rev');
const src = matrixSource(ds.base, (rng) => ds.sampleRun(rng), 0.2, 'KDDCUP-Rev: normal : attack = 4 : 1');
const results: (RunMetrics & { threshold: number; flagged: number; testRows: number; trainRows: number; lastEpoch: Record<string, number> })[] = [];
let resolved: Record<string, unknown> = {};
for (let r = 0; r < runs; r++) {
  const seed = seed0 + r, t = performance.now();
  const split = splitRun(src, new Rng(seed), 'half-normal', 0.2);
  const det = new VaeDetector({ seed, samples, threshold: { quantile: 0.99 }, preprocessing: { scaling }, ...(epochs !== undefined ? { epochs } : {}) })
    .fit(src.rows(split.fit), src.fitOptions);
  const scores = det.scoreSamples(src.rows(split.test));
  const c = confusionAt(scores, split.testLabels, det.threshold);
  resolved = det.resolvedConfig();
  results.push({
    seed, precision: c.precision, recall: c.recall, f1: c.f1, auroc: auroc(scores, split.testLabels), ap: averagePrecision(scores, split.testLabels),
    seconds: (performance.now() - t) / 1000, threshold: det.threshold, flagged: c.truePositives + c.falsePositives,
    testRows: scores.length, trainRows: split.fit.length, lastEpoch: det.history.at(-1)?.terms ?? {},
  });
  process.stderr.write(`run ${r + 1}/${runs}: F1 ${c.f1.toFixed(4)}, AUROC ${results[r].auroc.toFixed(4)} (${results[r].seconds.toFixed(1)} s)\n`);
}
const agg = aggregate(results);
console.log(JSON.stringify({
  experiment: 'VAE on KDDCup99, threshold at the 99th percentile of training reconstruction errors (seed document 002)',
  dataset: ds.base.description,
  protocol: 'normal traffic = normal class, attacks = anomalies (KDDCUP-Rev sampling, 4 : 1); fit on a random half of the normal rows; test on the other half plus the sampled attacks; flag test rows whose score > the 0.99 quantile of the training scores',
  config: { model: 'vae', params: { samples, score: 'reconstruction', threshold: { quantile: 0.99 }, ...(epochs !== undefined ? { epochs } : {}) }, resolved, scaling: `${scaling} fitted on the training rows` },
  runs: results, ...agg,
  seconds: (performance.now() - t0) / 1000, ...backendInfo(),
}, null, 1));
