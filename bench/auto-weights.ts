/**
 * How far fixed weights over auto's members could go, from the per-run scores `auto-study --dump DIR` writes
 * (and `auto-trim` beside them): every weight vector on a grid over the members, its mean AUROC per protocol,
 * the best in hindsight (chosen with the labels: an upper bound for any label-free fixed weighting of these
 * members on these sets), and leave one data set out (weights chosen on the other sets, met on the held-out
 * one: what choosing weights on a benchmark would give on a table it has not seen).
 *
 *   node dist/bench/auto-weights.js --dump DIR [--members iforest,knn,pca,ecod] [--steps 20]
 *     [--protocols paper,unsupervised] [--out docs/results/studies/auto-weights.json]
 *   node dist/bench/auto-weights.js --dump DIR --sets "iforest,knn,pca,ecod;iforest,knn,pca,ecod,lof" [...]
 *
 * With --sets the candidates are those member sets, each with equal weights (instead of a grid over one set's
 * weights): the same hindsight choice and leave-one-out, over a handful of choices instead of thousands.
 *
 * A member's scores are its tempered scores (auto's default normalisation); "knn (member)", the member as auto
 * fits it, stands for knn where the dump has it. Only data sets with runs under every protocol are used.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { auroc } from '../src/metrics/ranking.js';
import { argMax, leaveOneOut, simplexGrid, weightMargins, type WeightCell } from '../src/harness/weights.js';
import { checkArgs } from './args.js';

const argv = process.argv.slice(2);
checkArgs(argv, ['dump', 'members', 'steps', 'sets', 'protocols', 'out'], `
node dist/bench/auto-weights.js --dump DIR [--members iforest,knn,pca,ecod] [--steps 20] [--protocols paper,unsupervised] [--out FILE]
node dist/bench/auto-weights.js --dump DIR --sets "a,b,c;a,b,c,d" [--protocols paper,unsupervised] [--out FILE]`);
const opt = (name: string, fallback: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : fallback; };
const dump = opt('dump', '');
if (!dump || !existsSync(dump)) throw new Error(`--dump must name the folder auto-study --dump wrote (got "${dump}")`);
const sets = opt('sets', '').split(';').map((x) => x.split(',').filter(Boolean)).filter((x) => x.length > 0);
const members = sets.length ? [...new Set(sets.flat())] : opt('members', 'iforest,knn,pca,ecod').split(',').filter(Boolean);
const steps = Number(opt('steps', '20'));
const protocols = opt('protocols', 'paper,unsupervised').split(',').filter(Boolean);
const out = opt('out', '');

interface Run { labels: Float32Array; scores: Map<string, Float32Array> }
const runs = new Map<string, Run[]>(); // "dataset|protocol"
for (const f of readdirSync(dump).filter((x) => x.endsWith('.json') && !x.endsWith('.trim.json')).sort()) {
  const head = JSON.parse(readFileSync(join(dump, f), 'utf8')) as { dataset?: string; protocol: string; rows: number; names: string[] };
  if (!head.dataset || !protocols.includes(head.protocol)) continue;
  const raw = new Float32Array(new Uint8Array(readFileSync(join(dump, f.replace(/\.json$/, '.f32')))).buffer);
  const n = head.rows;
  if (raw.length !== n * (head.names.length + 1)) throw new Error(`${f}: ${raw.length} values, expected ${n} x ${head.names.length + 1}`);
  const scores = new Map(head.names.map((k, i) => [k, raw.subarray(n * (i + 1), n * (i + 2))] as const));
  const trim = join(dump, f.replace(/\.json$/, '.trim.json'));
  if (existsSync(trim)) {
    const th = JSON.parse(readFileSync(trim, 'utf8')) as { names: string[]; rows: number };
    if (th.rows !== n) throw new Error(`${trim}: ${th.rows} rows, its run has ${n}`);
    const tr = new Float32Array(new Uint8Array(readFileSync(trim.replace(/\.json$/, '.f32'))).buffer);
    th.names.forEach((k, i) => scores.set(k, tr.subarray(n * i, n * (i + 1))));
  }
  const key = `${head.dataset}|${head.protocol}`;
  if (!runs.has(key)) runs.set(key, []);
  runs.get(key)!.push({ labels: raw.subarray(0, n), scores });
}
const memberScores = (r: Run, m: string) => r.scores.get(`${m} (member)`) ?? r.scores.get(m);
const datasets = [...new Set([...runs.keys()].map((k) => k.split('|')[0]))].sort()
  .filter((d) => protocols.every((p) => runs.get(`${d}|${p}`)?.every((r) => members.every((m) => memberScores(r, m)))));
if (datasets.length < 2) throw new Error(`need runs of at least two data sets under ${protocols.join(' and ')} with every member (${members.join(', ')}); found ${datasets.join(', ') || 'none'}`);
const singles = [...new Set([...runs.values()].flatMap((rs) => rs.flatMap((r) => [...r.scores.keys()])))]
  .filter((k) => !k.endsWith(' (member)') && !k.endsWith('-trim') && datasets.every((d) => protocols.every((p) => runs.get(`${d}|${p}`)!.every((r) => r.scores.has(k))))).sort();

const grid = sets.length
  ? sets.map((set) => Float64Array.from(members, (m) => (set.includes(m) ? 1 / set.length : 0)))
  : simplexGrid(members.length, steps);
// The baseline: auto as it is (equal weights over the members; with --sets, the first set).
const equal = sets.length ? 0 : grid.findIndex((w) => w.every((x) => Math.abs(x - 1 / members.length) < 1e-9));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const cells: WeightCell[] = [];
for (const d of datasets) {
  for (const p of protocols) {
    const rs = runs.get(`${d}|${p}`)!;
    const combo = new Float64Array(grid.length);
    for (const r of rs) {
      const per = members.map((m) => memberScores(r, m)!), s = new Float64Array(r.labels.length);
      grid.forEach((w, g) => {
        s.fill(0);
        per.forEach((x, j) => { if (w[j] > 0) for (let i = 0; i < s.length; i++) s[i] += w[j] * x[i]; });
        combo[g] += auroc(s, r.labels) / rs.length;
      });
    }
    const single = Object.fromEntries(singles.map((k) => [k, mean(rs.map((r) => auroc(r.scores.get(k)!, r.labels)))]));
    cells.push({ dataset: d, protocol: p, combo, single });
    process.stderr.write(`${d}/${p}: ${rs.length} runs${equal >= 0 ? `, equal weights ${combo[equal].toFixed(3)}` : ''}\n`);
  }
}

const margins = weightMargins(cells, datasets, protocols);
const best = argMax(margins);
const byProtocol = (w: number) => Object.fromEntries(protocols.map((p) => [p, mean(cells.filter((c) => c.protocol === p).map((c) => c.combo[w]))]));
const singleMeans = Object.fromEntries(protocols.map((p) => [p, Object.fromEntries(singles.map((k) => [k, mean(cells.filter((c) => c.protocol === p).map((c) => c.single[k]))]))]));
const lodo = leaveOneOut(cells, protocols);
const result = {
  members, steps: sets.length ? null : steps, sets: sets.length ? sets : undefined, protocols, datasets, runs: Object.fromEntries(cells.map((c) => [`${c.dataset}/${c.protocol}`, runs.get(`${c.dataset}|${c.protocol}`)!.length])),
  singles: singleMeans,
  equalWeights: equal >= 0 ? { weights: Array.from(grid[equal]), margin: margins[equal], auroc: byProtocol(equal) } : null,
  bestInHindsight: { weights: Array.from(grid[best]), margin: margins[best], auroc: byProtocol(best) },
  // With --sets the candidates are few: keep each one's mean AUROC per data set and protocol too.
  perCell: sets.length ? Object.fromEntries(cells.map((c) => [`${c.dataset}/${c.protocol}`, Array.from(c.combo)])) : undefined,
  leaveOneOut: {
    auroc: Object.fromEntries(protocols.map((p) => [p, mean(lodo.map((r) => r.auroc[p]))])),
    perDataset: lodo.map((r) => ({ dataset: r.dataset, weights: Array.from(grid[r.weightIndex]), auroc: r.auroc })),
  },
};
if (out) writeFileSync(out, `${JSON.stringify(result, null, 1)}\n`);

const f3 = (x: number) => x.toFixed(3);
const bestSingle = (p: string) => Object.entries(singleMeans[p]).sort((a, b) => b[1] - a[1])[0];
const lines = [`members ${members.join(', ')}; ${datasets.length} data sets (${datasets.join(', ')}); ${sets.length ? `member sets ${sets.map((x) => x.join(',')).join(' | ')}` : `grid step 1/${steps}`}`, '',
  `| weighting | ${protocols.map((p) => `${p} mean AUROC`).join(' | ')} | worse margin over the best single |`, `|---|${protocols.map(() => '---|').join('')}---|`];
for (const p of protocols) lines.splice(lines.length - 2, 0, `best single under ${p}: ${bestSingle(p)[0]} ${f3(bestSingle(p)[1])}`);
if (equal >= 0) lines.push(`| ${sets.length ? `first set, equal weights` : 'equal weights'} | ${protocols.map((p) => f3(result.equalWeights!.auroc[p])).join(' | ')} | ${f3(margins[equal])} |`);
lines.push(`| best in hindsight ${grid[best].join('/')} | ${protocols.map((p) => f3(result.bestInHindsight.auroc[p])).join(' | ')} | ${f3(margins[best])} |`);
lines.push(`| leave one data set out | ${protocols.map((p) => f3(result.leaveOneOut.auroc[p])).join(' | ')} | ${f3(Math.min(...protocols.map((p) => result.leaveOneOut.auroc[p] - bestSingle(p)[1])))} |`);
process.stdout.write(`${lines.join('\n')}\n`);
