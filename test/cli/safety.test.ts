/**
 * The command line never loses a user's file, never prints NaN, and says what is wrong in one line:
 * output guards, huge values, pipes, standard input, messages and terminal safety, end to end.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, CLI_PATH } from '../support/cli.js';
import { Rng } from '../../src/engine/rng.js';

const run = (args: string[], input?: string) => runCli(args, { input });

/** Runs a shell line (for pipes); the CLI is $A. */
function shell(line: string): { code: number; out: string; err: string } {
  const r = spawnSync('bash', ['-c', line], { encoding: 'utf8', env: { ...process.env, A: `${process.execPath} ${CLI_PATH} --backend typescript` } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const ESC = '\u001b', RLO = '\u202e';

describe('CLI safety', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aberrant-safety-'));
  const data = join(dir, 'flows.csv');
  const r = new Rng(5);
  const lines = ['bytes,duration,proto,label'];
  for (let i = 0; i < 3000; i++) {
    const t = r.uniform(), anomaly = i % 50 === 49;
    lines.push(`${(anomaly ? 9000 : 1000 * t).toFixed(3)},${(2 * t + 0.05 * r.normal()).toFixed(4)},${['tcp', 'udp'][i % 2]},${anomaly ? 1 : 0}`);
  }
  const text = `${lines.join('\n')}\n`;
  writeFileSync(data, text);
  const model = join(dir, 'm.abr');
  const fit = run(['fit', '--model', 'dagmm', data, '--label-column', 'label', '--epochs', '2', '--seed', '1', '--out', model]);
  const modelBytes = (): Buffer => readFileSync(model);

  it('fits a model to work with', () => { assert.equal(fit.code, 0, fit.err); });

  it('never writes over an input, even with --force, and names the file', () => {
    const before = modelBytes();
    let res = run(['fit', '--model', 'dagmm', data, '--label-column', 'label', '--epochs', '1', '--out', data, '--force']);
    assert.equal(res.code, 1);
    assert.match(res.err, /^aberrant: refusing to write the model to .*flows\.csv: it is the input file .*flows\.csv, which would be lost\n$/);
    assert.equal(readFileSync(data, 'utf8'), text);
    res = run(['score', model, data, '--out', model, '--force']);
    assert.match(res.err, /refusing to write the scores to .*m\.abr: it is the input file/);
    assert.deepEqual(modelBytes(), before);
    const link = join(dir, 'link.csv');
    symlinkSync(data, link);
    res = run(['score', model, data, '--out', link, '--force']);
    assert.match(res.err, /refusing to write the scores to .*link\.csv: it is the input file .*flows\.csv/);
    res = run(['score', model, join(dir, '.', 'flows.csv'), '--out', join(dir, 'sub', '..', 'flows.csv'), '--force']);
    assert.equal(res.code, 1, 'a different spelling of the same path is the same file');
    res = run(['report', model, data, '--out', data, '--force']);
    assert.match(res.err, /refusing to write the report/);
    assert.equal(readFileSync(data, 'utf8'), text);
  });

  it('refuses an existing output without --force, replaces it with --force, creates parent folders', () => {
    const out = join(dir, 'scores.csv');
    writeFileSync(out, 'keep me\n');
    let res = run(['score', model, data, '--out', out]);
    assert.equal(res.code, 1);
    assert.match(res.err, /scores\.csv already exists; pass --force to replace it/);
    assert.equal(readFileSync(out, 'utf8'), 'keep me\n');
    res = run(['score', model, data, '--out', out, '--force']);
    assert.equal(res.code, 0, res.err);
    assert.equal(readFileSync(out, 'utf8').split('\n').length, 3002);
    res = run(['fit', '--model', 'dagmm', data, '--label-column', 'label', '--epochs', '1', '--out', model]);
    assert.match(res.err, /m\.abr already exists; pass --force/);
    const nested = join(dir, 'a', 'b', 'c.abr');
    res = run(['fit', '--model', 'dagmm', data, '--label-column', 'label', '--epochs', '1', '--out', nested]);
    assert.equal(res.code, 0, res.err);
    assert.ok(existsSync(nested));
  });

  it('scores huge and infinite-looking values as finite extreme anomalies, in CSV and JSON Lines', () => {
    const wild = ['1e25', '-1e30', '1e39', '1e308'];
    const csv = join(dir, 'wild.csv');
    writeFileSync(csv, ['bytes,duration,proto,label', '500,1,tcp,0', ...wild.map((v) => `${v},1,tcp,1`), ...wild.map((v) => `500,${v},udp,1`)].join('\n'));
    const res = run(['score', model, csv]);
    assert.equal(res.code, 0, res.err);
    const out = res.out.trim().split('\n').slice(1).map((l) => l.split(','));
    assert.equal(out.length, 9);
    for (const [row, score, label, proba] of out) {
      assert.ok(Number.isFinite(Number(score)) && Number.isFinite(Number(proba)), `row ${row}: ${score} ${proba}`);
      if (row !== '1') assert.equal(label, '1', `row ${row} (score ${score}) is not flagged`);
    }
    assert.match(res.err, /note: 8 numeric values more than a million training ranges out, clamped there.*bytes: 4, duration: 4/);
    const jsonl = join(dir, 'wild.jsonl');
    writeFileSync(jsonl, wild.map((v) => JSON.stringify({ bytes: Number(v), duration: 1, proto: 'tcp', label: 1 })).join('\n'));
    const j = run(['score', model, jsonl, '--json']);
    assert.equal(j.code, 0, j.err);
    for (const l of j.out.trim().split('\n')) assert.ok(Number.isFinite((JSON.parse(l) as { score: number }).score), l);
    const ev = run(['eval', model, csv, '--label-column', 'label', '--json']);
    assert.equal(ev.code, 0, ev.err);
    assert.ok(Number.isFinite((JSON.parse(ev.out) as { auroc: number }).auroc));
  });

  it('training data beyond float32 is a clear error naming row and column', () => {
    const bad = join(dir, 'bad-train.csv');
    writeFileSync(bad, `${lines.slice(0, 30).join('\n')}\n1e39,1,tcp,0\n`);
    const res = run(['fit', '--model', 'dagmm', bad, '--label-column', 'label', '--epochs', '1', '--out', join(dir, 'bad.abr')]);
    assert.equal(res.code, 1);
    assert.match(res.err, /^aberrant: bad-train\.csv row 30 \(line 31\), column "bytes": training value 1e\+39 is beyond the range/);
  });

  it('a closed pipe ends the command quietly; "-" reads standard input', () => {
    const res = shell(`$A score '${model}' '${data}' | head -1; echo "status \${PIPESTATUS[0]}"`);
    assert.equal(res.out, 'row,score,label,proba\nstatus 0\n');
    assert.equal(res.err, '');
    const direct = run(['score', model, data]);
    const piped = run(['score', model, '-'], text);
    assert.equal(piped.code, 0, piped.err);
    assert.equal(piped.out, direct.out);
    const jsonl = lines.slice(1, 6).map((l) => { const [b, d, p] = l.split(','); return JSON.stringify({ bytes: Number(b), duration: Number(d), proto: p }); }).join('\n');
    const pj = run(['score', model, '-', '--format', 'jsonl'], jsonl);
    assert.equal(pj.code, 0, pj.err);
    assert.deepEqual(pj.out.split('\n').slice(0, 6), direct.out.split('\n').slice(0, 6));
    assert.match(run(['score', '-', data]).err, /the model must be a file/);
  });

  it('gives messages a user can act on', () => {
    const semi = join(dir, 'semi.csv');
    writeFileSync(semi, 'bytes;duration;proto\n1;2;tcp\n');
    assert.match(run(['score', model, semi]).err, /semi\.csv line 1: the header reads as one column "bytes;duration;proto"; the file looks separated by ";": pass that delimiter \(--delimiter ";"\)/);
    const normal = join(dir, 'normal-only.csv');
    writeFileSync(normal, `${lines.filter((l, i) => i === 0 || l.endsWith(',0')).slice(0, 200).join('\n')}\n`);
    const ev = run(['eval', model, normal, '--label-column', 'label']);
    assert.equal(ev.code, 0, ev.err);
    assert.match(ev.out, /note: label column "label" has only normal rows \(0 anomalies in 199 rows\): AUROC and average precision need both classes/);
    assert.doesNotMatch(ev.out, /NaN/);
    const unseen = join(dir, 'unseen.csv');
    writeFileSync(unseen, 'bytes,duration,proto\n10,0.1,icmp\n10,0.1,sctp\n10,0.1,tcp\n');
    const u = run(['score', model, unseen]);
    assert.equal(u.code, 0, u.err);
    assert.match(u.err, /note: 2 category values not seen in training, encoded as no known category \(proto: 2\)/);
    const many = join(dir, 'many.csv');
    writeFileSync(many, `id2,cat\n${Array.from({ length: 150 }, (_, i) => `${i % 3},c${i}x`).join('\n')}\n`);
    assert.match(run(['fit', many, '--categorical', 'cat', '--out', join(dir, 'many.abr')]).err, /--max-categories 150/);
  });

  it('escapes control characters from data and model files, and truncates long names', () => {
    const nasty = join(dir, 'nasty.csv');
    const longName = 'x'.repeat(500);
    const rowsOut = [`a${ESC}[2Jb,${longName},kind`];
    for (let i = 0; i < 200; i++) rowsOut.push(`${i % 7},${(i * 37) % 11},${i % 2 ? `p${RLO}q` : 'plain'}`);
    writeFileSync(nasty, rowsOut.join('\n'));
    const m = join(dir, 'nasty.abr');
    const f = run(['fit', '--model', 'dagmm', nasty, '--epochs', '1', '--out', m]);
    assert.equal(f.code, 0, f.err);
    const ins = run(['inspect', m]);
    assert.equal(ins.code, 0, ins.err);
    assert.ok(!ins.out.includes(ESC) && !ins.out.includes(RLO), 'raw control characters reached the terminal');
    assert.match(ins.out, /a\\x1b\[2Jb/);
    assert.match(ins.out, /kind=p\\u202eq/);
    assert.match(ins.out, /x{40,}…\(500 chars\)/);
    const ij = run(['inspect', m, '--json']);
    assert.ok(!ij.out.includes(RLO));
    assert.ok((JSON.parse(ij.out) as { features: string[] }).features.includes(`kind=p${RLO}q`), 'JSON keeps the value, escaped');
    const e = run(['eval', m, nasty, '--label-column', `bad${ESC}]0;title\u0007`]);
    assert.equal(e.code, 1);
    assert.ok(!e.err.includes(ESC));
    assert.equal(e.err.trim().split('\n').length, 1);
  });
});
