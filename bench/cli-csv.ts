/**
 * `aberrant fit` and `aberrant score` on a large CSV, as a user runs them: a seeded CSV of --rows x --cols
 * decimals (four places, the shape of exported sensor or transaction tables) is written to a temporary folder,
 * then each model is fitted and the same file scored by the built CLI in a child process, timed by
 * /usr/bin/time (wall, user and system seconds, peak resident memory of the child). Also times readTable alone
 * in this process (this build's reader, whatever --cli names), so reading and modelling can be told apart.
 * Prints one JSON object.
 *
 *   node dist/bench/cli-csv.js [--rows 200000] [--cols 50] [--models pca,auto] [--seed 1] [--backend auto]
 *     [--cli path/to/dist/src/cli/main.js]   (another build's CLI, for a before/after in one run)
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readTable } from '../src/index.js';
import { Rng } from '../src/engine/rng.js';

const { values: a } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' }, cols: { type: 'string', default: '50' }, models: { type: 'string', default: 'pca,auto' },
    seed: { type: 'string', default: '1' }, backend: { type: 'string', default: 'auto' }, cli: { type: 'string' },
  },
});
const rows = Number(a.rows), cols = Number(a.cols), seed = Number(a.seed), models = a.models!.split(',');
if (!(Number.isInteger(rows) && rows >= 2 && Number.isInteger(cols) && cols >= 1)) throw new Error(`--rows (>= 2) and --cols (>= 1) must be integers, got ${a.rows} and ${a.cols}`);
const cli = a.cli ?? fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const TIME = '/usr/bin/time';

/** Correlated columns (a random mixing of normals) scaled to a few hundred, 1% of rows off the structure. */
function writeCsv(path: string): void {
  const rng = new Rng(seed), mix = Float64Array.from({ length: cols * 4 }, () => rng.normal());
  const fd = openSync(path, 'w');
  writeSync(fd, `${Array.from({ length: cols }, (_, j) => `c${j}`).join(',')}\n`);
  const z = new Float64Array(4), line: string[] = new Array(cols);
  let chunk: string[] = [];
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < 4; k++) z[k] = rng.normal();
    const off = rng.uniform() < 0.01;
    for (let j = 0; j < cols; j++) {
      const v = off ? 3 * rng.normal() : mix[j * 4] * z[0] + mix[j * 4 + 1] * z[1] + mix[j * 4 + 2] * z[2] + mix[j * 4 + 3] * z[3];
      line[j] = (100 * v).toFixed(4);
    }
    chunk.push(line.join(','));
    if (chunk.length === 5000) { writeSync(fd, `${chunk.join('\n')}\n`); chunk = []; }
  }
  if (chunk.length > 0) writeSync(fd, `${chunk.join('\n')}\n`);
  closeSync(fd);
}

interface Timed { wallSeconds: number; userSeconds: number | null; systemSeconds: number | null; maxRssMb: number | null; exitCode: number | null; error?: string }

function timed(args: string[]): Timed {
  const withTime = existsSync(TIME);
  const cmd = withTime ? TIME : process.execPath;
  const argv = withTime ? ['-f', 'TIME %e %U %S %M', process.execPath, cli, ...args] : [cli, ...args];
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = (performance.now() - t0) / 1000;
  const m = /TIME (\S+) (\S+) (\S+) (\d+)/.exec(r.stderr ?? '');
  const out: Timed = {
    wallSeconds: m ? Number(m[1]) : wall, userSeconds: m ? Number(m[2]) : null, systemSeconds: m ? Number(m[3]) : null,
    maxRssMb: m ? Math.round(Number(m[4]) / 1024) : null, exitCode: r.status,
  };
  if (r.status !== 0) out.error = (r.stderr ?? '').trim().split('\n').filter((l) => !l.startsWith('TIME ')).pop() ?? r.error?.message;
  return out;
}

const loadBefore = loadavg();
const dir = mkdtempSync(join(tmpdir(), 'aberrant-cli-csv-'));
try {
  const csv = join(dir, 'data.csv');
  writeCsv(csv);
  const t0 = performance.now();
  const table = await readTable(csv);
  const readSeconds = (performance.now() - t0) / 1000;
  const results = models.map((model) => {
    const modelPath = join(dir, `${model}.abr`);
    const fit = timed(['--backend', a.backend!, 'fit', csv, '--model', model, '--out', modelPath]);
    const score = fit.exitCode === 0 ? timed(['--backend', a.backend!, 'score', modelPath, csv, '--out', join(dir, `${model}-scores.csv`)]) : null;
    return { model, fit, score, modelFileMb: existsSync(modelPath) ? +(statSync(modelPath).size / 1e6).toFixed(1) : null };
  });
  console.log(JSON.stringify({
    benchmark: 'aberrant fit / score on a CSV', node: process.version, cpus: cpus().length, cli, loadavgBefore: loadBefore, loadavgAfter: loadavg(),
    rows: table.rowCount, cols, csvMb: +(statSync(csv).size / 1e6).toFixed(1), readTableSeconds: +readSeconds.toFixed(3), results,
  }, null, 1));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
