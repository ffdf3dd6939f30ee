/**
 * Seeded fuzzing of everything a user hands Aberrant: CSV, JSON Lines and model files, mutated by byte
 * flips, truncation, huge numbers, deep nesting and long fields. Every outcome must be a result with finite
 * scores or a one-line error that names the problem: never NaN, never an internal TypeError/RangeError or
 * a stack trace, never a hang. The in-process part runs hundreds of cases; the CLI part a bounded few.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DagmmDetector } from '../../src/detectors/dagmm/detector.js';
import { loadDetector } from '../../src/detectors/registry.js';
import type { Detector } from '../../src/detectors/detector.js';
import { runCli } from '../support/cli.js';
import { Rng } from '../../src/engine/rng.js';
import { decodeModelFile } from '../../src/io/model-file.js';
import { parseCsv } from '../../src/data/readers/csv.js';
import { parseJsonLines } from '../../src/data/readers/jsonl.js';
import { forge } from '../support/model-forge.js';


const HUGE = ['1e308', '-1e308', '1e39', '-1e30', '1e25', '1e999', '3.5e38', 'NaN', 'inf', '-0', '', '?', '9'.repeat(400), '0x1F'];

function baseRows(r: Rng, n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const t = r.uniform();
    return `${(100 * t).toFixed(2)},${(t * t).toFixed(4)},${['a', 'b', 'c'][i % 3]},${i % 2 ? 'yes' : 'no'}`;
  });
}

/** One random mutation of a text: byte flip, truncation, a huge token, deep nesting or a long field. */
function mutateText(r: Rng, text: string, jsonl: boolean): string {
  const at = Math.floor(r.uniform() * text.length);
  switch (Math.floor(r.uniform() * 6)) {
    case 0: { // flip a few characters to random bytes (controls and non-ASCII included)
      const chars = [...text];
      for (let k = 0; k < 1 + Math.floor(r.uniform() * 4); k++) chars[Math.floor(r.uniform() * chars.length)] = String.fromCharCode(Math.floor(r.uniform() * 0x250));
      return chars.join('');
    }
    case 1: return text.slice(0, at);
    case 2: { // a number replaced by a huge or odd token
      const tok = HUGE[Math.floor(r.uniform() * HUGE.length)];
      return text.replace(/\d+\.\d+/g, (m) => (r.uniform() < 0.1 ? (jsonl && !/^-?[\d.e+]+$/.test(tok) ? JSON.stringify(tok) : tok) : m));
    }
    case 3: return `${text.slice(0, at)}${'['.repeat(2000)}${text.slice(at)}`;
    case 4: return `${text.slice(0, at)}${'x'.repeat(100_000)}${text.slice(at)}`;
    default: return `${text.slice(0, at)}\n${text.slice(at)}`;
  }
}

/** The outcome contract: finite scores, or an Error with a one-line, non-internal message. */
function checkOutcome(what: string, f: () => Float64Array | null): 'ok' | 'error' {
  let scores: Float64Array | null;
  try { scores = f(); } catch (e) {
    assert.ok(e instanceof Error, `${what}: threw a non-Error ${String(e)}`);
    for (const bad of [TypeError, RangeError, ReferenceError, SyntaxError]) {
      assert.ok(!(e instanceof bad), `${what}: internal ${e.name}: ${e.message}`);
    }
    assert.ok(e.message.length > 0, `${what}: empty message`);
    assert.ok(!/^\s+at /m.test(e.message), `${what}: stack trace in the message`);
    if (process.env.FUZZ_VERBOSE) console.log(`${what}: ${e.message.slice(0, 160)}`);
    return 'error';
  }
  if (scores) for (let i = 0; i < scores.length; i++) assert.ok(Number.isFinite(scores[i]), `${what}: row ${i + 1} scores ${scores[i]}`);
  return 'ok';
}

describe('fuzzing inputs (seeded)', () => {
  const r = new Rng(20261201);
  const header = 'amount,ratio,kind,flag';
  const train = baseRows(r, 80);
  const det = new DagmmDetector({ seed: 1, epochs: 2, batchSize: 32 }).fit(parseCsv(`${header}\n${train.join('\n')}\n`));
  const csvText = `${header}\n${baseRows(r, 12).join('\n')}\n`;
  const jsonlText = baseRows(r, 12).map((l) => {
    const [a, b, k, f] = l.split(',');
    return `{"amount":${a},"ratio":${b},"kind":"${k}","flag":"${f}"}`;
  }).join('\n');
  const modelBytes = det.toBytes('2026-01-01T00:00:00.000Z');

  it('mutated CSV and JSON Lines: finite scores or a clear error', () => {
    const tally = { ok: 0, error: 0 };
    for (let i = 0; i < 250; i++) {
      const jsonl = i % 2 === 1;
      const text = mutateText(r, jsonl ? jsonlText : csvText, jsonl);
      tally[checkOutcome(`case ${i} (${jsonl ? 'jsonl' : 'csv'})`, () => det.scoreSamples(jsonl ? parseJsonLines(text) : parseCsv(text)))]++;
    }
    if (process.env.FUZZ_VERBOSE) console.log(tally);
    assert.ok(tally.ok > 20 && tally.error > 20, `both outcomes exercised: ${JSON.stringify(tally)}`);
  });

  it('mutated model files (raw bytes, and manifests or weights re-checksummed): a valid model or a clear error', () => {
    const { manifest } = decodeModelFile(modelBytes);
    const manifestLength = new DataView(modelBytes.buffer, modelBytes.byteOffset).getUint32(12, true);
    const blobStart = (16 + manifestLength + 3) & ~3;
    const blob = modelBytes.subarray(blobStart, modelBytes.length - 32);
    const manifestText = JSON.stringify(manifest);
    const rows = parseCsv(csvText);
    const tally = { ok: 0, error: 0 };
    for (let i = 0; i < 150; i++) {
      let bytes: Uint8Array;
      const kind = i % 3;
      if (kind === 0) { // raw damage: the checksum must catch it
        bytes = modelBytes.slice(0, r.uniform() < 0.3 ? Math.floor(r.uniform() * modelBytes.length) : modelBytes.length);
        for (let k = 0; k < 3; k++) bytes[Math.floor(r.uniform() * bytes.length)] ^= 1 + Math.floor(r.uniform() * 255);
      } else if (kind === 1) { // a hostile writer: damaged manifest with a valid checksum
        bytes = forge(mutateText(r, manifestText, true), blob);
      } else { // weights replaced by huge, tiny or arbitrary values, valid checksum
        const w = new Float32Array(blob.slice().buffer);
        for (let k = 0; k < 1 + Math.floor(r.uniform() * 5); k++) {
          w[Math.floor(r.uniform() * w.length)] = [3e38, -3e38, 1e-45, 1e20, 0][Math.floor(r.uniform() * 5)];
        }
        bytes = forge(manifestText, new Uint8Array(w.buffer));
      }
      tally[checkOutcome(`model case ${i}`, () => {
        const back: Detector = loadDetector(bytes, 'fuzz.abr');
        return back.scoreSamples(rows);
      })]++;
    }
    if (process.env.FUZZ_VERBOSE) console.log(tally);
    assert.ok(tally.error > 50, `hostile files are refused: ${JSON.stringify(tally)}`);
  });

  it('the CLI answers every mutated file with results or one line on stderr and exit 1, within a time bound', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aberrant-fuzz-'));
    const model = join(dir, 'm.abr');
    writeFileSync(model, modelBytes);
    for (let i = 0; i < 10; i++) {
      const jsonl = i % 2 === 1, file = join(dir, `in${i}.${jsonl ? 'jsonl' : 'csv'}`);
      writeFileSync(file, mutateText(r, jsonl ? jsonlText : csvText, jsonl));
      const target = i % 5 === 4 ? (() => { const b = modelBytes.slice(); b[40 + i] ^= 0xff; const p = join(dir, `bad${i}.abr`); writeFileSync(p, b); return p; })() : model;
      const res = runCli(['score', target, file], { timeout: 30_000 });
      assert.notEqual(res.signal, 'SIGTERM', `case ${i} hung`);
      if (res.code === 0) {
        const lines = res.out.trim().split('\n').slice(1);
        for (const l of lines) assert.ok(Number.isFinite(Number(l.split(',')[1])), `case ${i}: ${l}`);
      } else {
        assert.equal(res.code, 1, `case ${i}: exit ${res.code}`);
        assert.match(res.err, /^aberrant: [^\n]+\n$/, `case ${i}: ${res.err}`);
        assert.ok(!/TypeError|RangeError|Cannot read properties/.test(res.err), `case ${i}: ${res.err}`);
      }
    }
  });
});
