/**
 * Classical reference detectors from scikit-learn on exactly the splits Aberrant's harness uses, so that
 * every deep detector in docs/benchmarks.md stands beside isolation forest and PCA. Three steps:
 *
 *   node dist/bench/sklearn-reference.js export <dir> [--runs 20] [--slow-runs 5]   # data + split indices
 *   python3 bench/sklearn/reference.py <dir>                                       # scores per run
 *   node dist/bench/sklearn-reference.js import <dir>                                # metrics -> JSON
 *
 * scikit-learn is a reference only (Debian's python3-sklearn), never a dependency of the library. The metrics
 * come from the harness's own evaluate(), so the tie rule and flagged counts are identical.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadPaperDataset, PAPER_DATASETS } from '../src/data/datasets/bundled.js';
import { PAPER_ANOMALY_RATIOS } from '../src/data/datasets/table1.js';
import { Rng } from '../src/engine/rng.js';
import { aggregate, evaluate, splitRun, type BenchResult, type Protocol, type RunMetrics } from '../src/harness/paper.js';

const [mode, dir] = process.argv.slice(2);
const argv = process.argv.slice(4);
const opt = (name: string, fallback: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : fallback; };
const SLOW = ['kddcup', 'kddcup-rev'];
const PROTOCOLS: Protocol[] = ['paper', 'half-normal'];
if (!dir || (mode !== 'export' && mode !== 'import')) throw new Error('usage: sklearn-reference.js export|import <dir>');

const i32 = (a: Int32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

if (mode === 'export') {
  const runs = Number(opt('runs', '20')), slowRuns = Number(opt('slow-runs', '5'));
  mkdirSync(dir, { recursive: true });
  for (const name of PAPER_DATASETS) {
    const ds = loadPaperDataset(name);
    writeFileSync(join(dir, `${name}.x.f32`), Buffer.from(ds.base.x.buffer, ds.base.x.byteOffset, ds.base.x.byteLength));
    const n = SLOW.includes(name) ? slowRuns : runs;
    for (const protocol of PROTOCOLS) {
      for (let r = 0; r < n; r++) {
        const seed = 1 + r;
        const s = splitRun(ds, new Rng(seed), protocol, PAPER_ANOMALY_RATIOS[name]);
        const stem = join(dir, `${name}.${protocol}.${seed}`);
        writeFileSync(`${stem}.fit.i32`, i32(s.fit));
        writeFileSync(`${stem}.test.i32`, i32(s.test));
        writeFileSync(`${stem}.json`, JSON.stringify({ dataset: name, protocol, seed, cols: ds.base.cols, ratio: s.ratio, testLabels: Array.from(s.testLabels) }));
      }
    }
    process.stderr.write(`${name}: ${n} runs per protocol exported\n`);
  }
} else {
  const out = 'docs/results/benchmarks';
  const meta = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as { sklearn: string; models: Record<string, string> };
  for (const model of Object.keys(meta.models)) {
    for (const name of PAPER_DATASETS) {
      for (const protocol of PROTOCOLS) {
        const stems = readdirSync(dir).filter((f) => f.startsWith(`${name}.${protocol}.`) && f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
        const runs: RunMetrics[] = [];
        for (const stem of stems.sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()))) {
          const scoreFile = join(dir, `${stem}.${model}.f64`);
          if (!existsSync(scoreFile)) continue;
          const m = JSON.parse(readFileSync(join(dir, `${stem}.json`), 'utf8')) as { seed: number; ratio: number; testLabels: number[] };
          const raw = readFileSync(scoreFile);
          const scores = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
          const t = JSON.parse(readFileSync(join(dir, `${stem}.${model}.time.json`), 'utf8')) as { fit: number; total: number };
          runs.push({ seed: m.seed, ...evaluate(scores, Uint8Array.from(m.testLabels), m.ratio), seconds: t.total, trainSeconds: t.fit });
        }
        if (runs.length === 0) continue;
        const agg = aggregate(runs);
        const result: BenchResult & { runsNote: string | null; reference: string } = {
          dataset: name, model: `sklearn-${model}`,
          protocol: `${protocol} (the same splits as the harness, exported by bench/sklearn-reference.ts)`,
          config: { description: meta.models[model], scaling: 'minmax fitted on the fitted rows (constant columns: sign rule, as Aberrant)' },
          runs, ...agg,
          control: { description: 'none (not a trained network)', runs: [], mean: agg.mean, std: agg.std },
          paper: null,
          flagging: protocol === 'paper' ? { rule: 'flag the Table 1 ratio', ratio: PAPER_ANOMALY_RATIOS[name], usesTestLabels: false } : { rule: 'flag the test anomaly rate', ratio: null, usesTestLabels: true },
          seconds: runs.reduce((a, r) => a + r.seconds, 0),
          runsNote: SLOW.includes(name) && runs.length < 20 ? `${runs.length} seeds (the same as the deep detectors on ${name})` : null,
          reference: `scikit-learn ${meta.sklearn}: a reference measured on the same splits, not an Aberrant detector`,
        };
        writeFileSync(join(out, `sklearn-${model}-${name}-${protocol}.json`), `${JSON.stringify(result)}\n`);
        process.stderr.write(`sklearn-${model} ${name} ${protocol}: ${runs.length} runs, F1 ${agg.mean.f1.toFixed(4)} AUROC ${agg.mean.auroc.toFixed(4)}\n`);
      }
    }
  }
}
