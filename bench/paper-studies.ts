/**
 * The DAGMM paper's single-run studies (Zong et al. 2018), each on one paper-protocol split (seed --seed) with
 * the detectors' paper configurations:
 *
 * - figure4: CDFs of DAGMM's sample energy on the test rows of all four data sets (Appendix B, Figure 4), drawn by
 *   the report's CDF plot, with energy quantiles and the share of anomalies above the flagged cut;
 * - table4: KDDCUP test anomalies flagged by both DAGMM and PAE-GMM, by one of them, by neither (Appendix E,
 *   Table 4), and Figure 6's view: each model's low-dimensional space for the normal test rows and the anomalies
 *   only DAGMM flags;
 * - section45: KDDCUP mean per-sample reconstruction error ||x - x'||^2 of DAGMM and E2E-AE (Section 4.5: about
 *   0.26 vs 1.13), on the fitted rows and on the normal test rows.
 *
 *   node dist/bench/paper-studies.js [--studies figure4,table4,section45] [--seed 1] [--epochs N]
 *     [--out docs/results/studies]
 *
 * --epochs overrides every configuration's epochs (quick checks only: the files say so). Writes <study>.json and
 * the SVG figures into --out. Labels choose nothing here: they only split the counts and colour the plots.
 */
import { checkArgs } from './args.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBestBackend, backendInfo } from '../src/backend-node.js';
import { Rng } from '../src/engine/rng.js';
import { loadPaperDataset, PAPER_DATASETS, type BenchDataset, type PaperDatasetName } from '../src/data/datasets/bundled.js';
import { PAPER_ANOMALY_RATIOS } from '../src/data/datasets/table1.js';
import type { Detector } from '../src/detectors/detector.js';
import { detectorEntry } from '../src/detectors/registry.js';
import { matrixSource, splitRun, type BenchSource, type Split } from '../src/harness/paper.js';
import { flaggedCount } from '../src/metrics/threshold.js';
import { renderPlotsSvg } from '../src/report/plots.js';
import type { ReportInput } from '../src/report/types.js';

export interface FittedRun { model: string; dataset: PaperDatasetName; det: Detector; src: BenchSource; split: Split; scores: Float64Array; flagged: Uint8Array; cut: number; seconds: number }

/** 1 for the protocol's flagged rows: the round(ratio x n) highest scores (ties at the cut: lower row first). */
export function flagTop(scores: Float64Array, ratio: number): { flagged: Uint8Array; cut: number } {
  const k = flaggedCount(ratio, scores.length);
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
  const flagged = new Uint8Array(scores.length);
  for (let i = 0; i < k; i++) flagged[order[i]] = 1;
  return { flagged, cut: k > 0 ? scores[order[k - 1]] : Infinity };
}

/** Table 4's counts over the anomalous rows: flagged by both, only by a, only by b, by neither. */
export function detectionOverlap(a: Uint8Array, b: Uint8Array, labels: Uint8Array): { anomalies: number; both: number; onlyA: number; onlyB: number; neither: number } {
  if (a.length !== labels.length || b.length !== labels.length) throw new Error(`detectionOverlap: ${a.length} and ${b.length} flags for ${labels.length} labels`);
  const o = { anomalies: 0, both: 0, onlyA: 0, onlyB: 0, neither: 0 };
  for (let i = 0; i < labels.length; i++) {
    if (!labels[i]) continue;
    o.anomalies++;
    if (a[i] && b[i]) o.both++; else if (a[i]) o.onlyA++; else if (b[i]) o.onlyB++; else o.neither++;
  }
  return o;
}

/** Mean over rows of sum_j e[i, j] (row-major [rows, d] per-feature errors), over the rows `keep` selects. */
export function meanRowSum(e: Float32Array, d: number, keep?: Uint8Array): number {
  let total = 0, n = 0;
  for (let i = 0; i < e.length / d; i++) {
    if (keep && !keep[i]) continue;
    let s = 0;
    for (let j = i * d; j < (i + 1) * d; j++) s += e[j];
    total += s; n++;
  }
  return n ? total / n : NaN;
}

const runs = new Map<string, FittedRun>(), datasets = new Map<PaperDatasetName, BenchDataset>();
function dataset(name: PaperDatasetName): BenchDataset {
  if (!datasets.has(name)) datasets.set(name, loadPaperDataset(name));
  return datasets.get(name)!;
}
/** The model fitted with its paper configuration on the split of `seed` (cached: studies share runs). */
export function fitOnSplit(ds: BenchDataset, model: string, seed: number, epochs?: number): FittedRun {
  const key = `${model}/${ds.name}/${seed}/${epochs ?? ''}`;
  const hit = runs.get(key);
  if (hit) return hit;
  const entry = detectorEntry(model), pc = entry.paperConfigs[ds.name];
  const src = matrixSource(ds.base, (rng) => ds.sampleRun(rng), PAPER_ANOMALY_RATIOS[ds.name], 'Table 1 of Zong et al. 2018');
  const split = splitRun(src, new Rng(seed), 'paper', src.ratio);
  const t = performance.now();
  const det = entry.create({ ...pc?.params, seed, ...(epochs !== undefined ? { epochs } : {}) }).fit(src.rows(split.fit), src.fitOptions);
  const scores = det.scoreSamples(src.rows(split.test));
  const run: FittedRun = { model, dataset: ds.name, det, src, split, scores, ...flagTop(scores, src.ratio), seconds: (performance.now() - t) / 1000 };
  runs.set(key, run);
  return run;
}

function quantile(sorted: Float64Array, q: number): number { return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]; }

function reportInput(run: FittedRun, o: { rows?: Uint8Array; labels?: Uint8Array; title: string; embedding?: boolean }): ReportInput {
  const keep = o.rows ?? new Uint8Array(run.scores.length).fill(1);
  const idx = Array.from(keep.keys()).filter((i) => keep[i]);
  const labels = o.labels ?? run.split.testLabels;
  let embedding: ReportInput['embedding'] = null;
  const det = run.det as Detector & { embed?(x: Float32Array, rows: number): { names: string[]; values: Float32Array } };
  if (o.embedding && det.embed) {
    const m = det.transform(run.src.rows(Int32Array.from(idx, (i) => run.split.test[i])));
    embedding = det.embed(m.x, m.rows);
  }
  return {
    title: o.title, generatedAt: '', model: { detector: run.model, summary: {} },
    data: { source: run.dataset, rows: idx.length, columns: run.src.config.inputDims as number },
    scoreName: run.det.scoreName, scores: Float64Array.from(idx, (i) => run.scores[i]), threshold: run.cut,
    thresholdRule: `the paper protocol's cut: the top ${run.src.ratio} of test scores`,
    labels: Uint8Array.from(idx, (i) => labels[i]), embedding, topAnomalies: [], contributionMethod: 'not shown',
  };
}

export function figure4(seed: number, epochs: number | undefined, out: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const name of PAPER_DATASETS) {
    const run = fitOnSplit(dataset(name), 'dagmm', seed, epochs);
    const sorted = Float64Array.from(run.scores).sort();
    let above = 0, anomalousAbove = 0;
    run.flagged.forEach((f, i) => { if (f) { above++; anomalousAbove += run.split.testLabels[i]; } });
    const qs = [0.5, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99];
    result[name] = {
      testRows: run.scores.length, ratio: run.src.ratio, cut: run.cut, flagged: above,
      anomalySharePastCut: anomalousAbove / above,
      energyQuantiles: Object.fromEntries(qs.map((q) => [String(q), quantile(sorted, q)])), fitSeconds: run.seconds,
    };
    writeFileSync(join(out, `figure4-${name}.svg`), renderPlotsSvg(reportInput(run, { title: `DAGMM energy CDF, ${name}` }))['score-cdf']);
  }
  return result;
}

export function table4(seed: number, epochs: number | undefined, out: string): Record<string, unknown> {
  const ds = dataset('kddcup');
  const dagmm = fitOnSplit(ds, 'dagmm', seed, epochs), pae = fitOnSplit(ds, 'pae-gmm', seed, epochs);
  const labels = dagmm.split.testLabels;
  const o = detectionOverlap(dagmm.flagged, pae.flagged, labels);
  // Figure 6 (e, f): the normal test rows and the anomalies only DAGMM flags, in each model's space.
  const onlyDagmm = Uint8Array.from(labels, (l, i) => (l && dagmm.flagged[i] && !pae.flagged[i] ? 1 : 0));
  const rows = Uint8Array.from(labels, (l, i) => (!l || onlyDagmm[i] ? 1 : 0));
  const figures: string[] = [];
  for (const run of [dagmm, pae]) {
    const svgs = renderPlotsSvg(reportInput(run, { rows, labels: onlyDagmm, title: `KDDCUP in ${run.model}'s space: normal rows and the anomalies only DAGMM flags`, embedding: true }));
    for (const [key, svg] of Object.entries(svgs)) {
      if (!key.startsWith('embedding-')) continue;
      const file = `figure6-${run.model}-${key}.svg`;
      writeFileSync(join(out, file), svg);
      figures.push(file);
    }
  }
  return {
    testAnomalies: o.anomalies, bothDetect: o.both, onlyDagmm: o.onlyA, onlyPaeGmm: o.onlyB, neither: o.neither,
    paper: { testAnomalies: 48889, bothDetect: 34285, onlyDagmm: 12038, onlyPaeGmm: 1640, neither: 926 },
    f1: { dagmm: f1Of(dagmm), 'pae-gmm': f1Of(pae) }, fitSeconds: { dagmm: dagmm.seconds, 'pae-gmm': pae.seconds }, figures,
  };
}

function f1Of(run: FittedRun): number {
  const o = detectionOverlap(run.flagged, run.flagged, run.split.testLabels);
  const flagged = run.flagged.reduce((a, b) => a + b, 0);
  const p = o.both / flagged, r = o.both / o.anomalies;
  return p + r > 0 ? (2 * p * r) / (p + r) : 0;
}

export function section45(seed: number, epochs: number | undefined): Record<string, unknown> {
  const ds = dataset('kddcup');
  const result: Record<string, unknown> = {};
  for (const model of ['dagmm', 'e2e-ae']) {
    const run = fitOnSplit(ds, model, seed, epochs);
    const det = run.det as Detector & { reconstructionErrors(x: Float32Array, rows: number): Float32Array };
    const fit = det.transform(run.src.rows(run.split.fit)), test = det.transform(run.src.rows(run.split.test));
    const normal = Uint8Array.from(run.split.testLabels, (l) => 1 - l);
    result[model] = {
      fittedRows: meanRowSum(det.reconstructionErrors(fit.x, fit.rows), fit.cols),
      normalTestRows: meanRowSum(det.reconstructionErrors(test.x, test.rows), test.cols, normal),
      fitSeconds: run.seconds,
    };
  }
  return { ...result, paper: { dagmm: 0.26, 'e2e-ae': 1.13 }, measure: 'mean over rows of ||x - x\'||^2 on the min-max scaled rows (the paper does not say which rows; both shown)' };
}

if (process.argv[1]?.endsWith('paper-studies.js')) {
  const argv = process.argv.slice(2);
  checkArgs(argv, ['studies', 'seed', 'epochs', 'out'], `
node dist/bench/paper-studies.js [--studies figure4,table4,section45] [--seed 1] [--epochs N] [--out docs/results/studies]
Runs the DAGMM paper's single-run studies (Figure 4, Table 4, Section 4.5) and writes their JSON and SVG files.`);
  const opt = (name: string): string | undefined => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
  const studies = (opt('studies') ?? 'figure4,table4,section45').split(',');
  const seed = Number(opt('seed') ?? '1'), epochs = opt('epochs') !== undefined ? Number(opt('epochs')) : undefined;
  const out = opt('out') ?? 'docs/results/studies';
  for (const s of studies) if (!['figure4', 'table4', 'section45'].includes(s)) throw new Error(`unknown study "${s}" (figure4, table4, section45)`);
  useBestBackend('auto');
  mkdirSync(out, { recursive: true });
  for (const s of studies) {
    const t = performance.now();
    process.stderr.write(`${s} ...\n`);
    const body = s === 'figure4' ? figure4(seed, epochs, out) : s === 'table4' ? table4(seed, epochs, out) : section45(seed, epochs);
    const note = epochs !== undefined ? `quick check: every configuration's epochs set to ${epochs} (not the paper's)` : 'the paper\'s epochs';
    writeFileSync(join(out, `${s}.json`), `${JSON.stringify({ study: s, seed, protocol: 'paper: one random 50/50 split (seed), fit on the training half\'s normal rows, flag the Table 1 ratio of test scores', epochs: note, ...body, seconds: (performance.now() - t) / 1000, ...backendInfo(), command: `node dist/bench/paper-studies.js ${argv.join(' ')}`.trim() }, null, 1)}\n`);
    process.stderr.write(`  -> ${join(out, `${s}.json`)} (${((performance.now() - t) / 1000).toFixed(0)} s)\n`);
  }
}
