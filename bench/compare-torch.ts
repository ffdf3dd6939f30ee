/**
 * Interleaved comparison with the PyTorch reference: alternates `node dist/bench/engine.js` and
 * `python3 dagmm_torch.py --threads 2 --modes train,infer` (OPENBLAS_NUM_THREADS=1), `--rounds` times,
 * and prints one JSON object with per-round figures, medians and the ratios ours / PyTorch.
 * Usage: node dist/bench/compare-torch.js [--rounds 5] [--torch-dir ../shared/bench/pytorch-reference]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const rounds = Number(arg('rounds', '5'));
const torchDir = resolve(arg('torch-dir', join(root, '..', 'shared', 'bench', 'pytorch-reference')));
const python = arg('python', '/usr/bin/python3');
if (!existsSync(join(torchDir, 'dagmm_torch.py'))) throw new Error(`dagmm_torch.py not found in ${torchDir} (pass --torch-dir)`);

function jsonLines(out: string): Record<string, unknown>[] {
  return out.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

const ours: { train: number; infer: number }[] = [];
const torch: { train: number; infer: number }[] = [];
for (let r = 0; r < rounds; r++) {
  const a = spawnSync(process.execPath, [join(here, 'engine.js'), '--json'], { encoding: 'utf8' });
  if (a.status !== 0) throw new Error(`engine bench failed: ${a.stderr}`);
  const o = jsonLines(a.stdout)[0];
  ours.push({ train: o.train_samples_per_s as number, infer: o.infer_samples_per_s as number });
  const b = spawnSync(python, ['dagmm_torch.py', '--threads', '2', '--modes', 'train,infer'], {
    cwd: torchDir, encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
  });
  if (b.status !== 0) throw new Error(`PyTorch reference failed: ${b.stderr}`);
  const t = jsonLines(b.stdout);
  torch.push({
    train: t.find((x) => x.mode === 'train')!.samples_per_s as number,
    infer: t.find((x) => x.mode === 'infer')!.samples_per_s as number,
  });
  process.stderr.write(`round ${r + 1}/${rounds}: ours train ${ours[r].train.toFixed(0)} infer ${ours[r].infer.toFixed(0)}; torch train ${torch[r].train.toFixed(0)} infer ${torch[r].infer.toFixed(0)}\n`);
}
const median = (v: number[]): number => { const s = [...v].sort((p, q) => p - q); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const m = {
  ours_train: median(ours.map((x) => x.train)), ours_infer: median(ours.map((x) => x.infer)),
  torch_train: median(torch.map((x) => x.train)), torch_infer: median(torch.map((x) => x.infer)),
};
const perRound = ours.map((o, i) => ({ train_ratio: o.train / torch[i].train, infer_ratio: o.infer / torch[i].infer }));
console.log(JSON.stringify({
  bench: 'compare-torch', rounds, ours, torch, medians: m,
  train_ratio: m.ours_train / m.torch_train, infer_ratio: m.ours_infer / m.torch_infer,
  per_round_ratios: perRound,
}));
