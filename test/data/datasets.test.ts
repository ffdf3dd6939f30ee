import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { parseKddcup } from '../../src/data/datasets/kddcup.js';
import { applyMinMax, fitMinMax } from '../../src/data/scaling.js';
import { parseNumericCsv } from '../../src/data/csv.js';
import { loadPaperDataset } from '../../src/data/datasets/bundled.js';
import { Rng } from '../../src/engine/rng.js';

const row = (proto: string, service: string, flag: string, land: string, hostLogin: string, label: string, bytes = '181'): string => {
  const v = new Array<string>(42).fill('0');
  v[1] = proto; v[2] = service; v[3] = flag; v[4] = bytes; v[6] = land; v[20] = hostLogin; v[41] = label;
  return v.join(',');
};

describe('KDDCUP99 parsing', () => {
  const text = [row('tcp', 'http', 'SF', '0', '0', 'normal.'), row('udp', 'private', 'S0', '1', '0', 'smurf.', '5'),
    row('icmp', 'ecr_i', 'SF', '0', '0', 'neptune.')].join('\n') + '\n';
  const { data, rawLabels } = parseKddcup(gzipSync(Buffer.from(text)), 'test.gz');
  it('one-hot encodes the symbolic columns and drops constant one-hot blocks', () => {
    // 34 continuous + protocol 3 + service 3 + flag 2 + land 2 + logged_in (constant) 0 + is_host_login (constant) 0 + is_guest_login (constant) 0
    assert.equal(data.cols, 34 + 3 + 3 + 2 + 2);
    assert.ok(data.columns.includes('protocol_type=udp') && !data.columns.some((c) => c.startsWith('is_host_login')));
    const j = data.columns.indexOf('service=private');
    assert.deepEqual([0, 1, 2].map((r) => data.x[r * data.cols + j]), [0, 1, 0]);
    assert.equal(data.x[1 * data.cols + data.columns.indexOf('src_bytes')], 5);
  });
  it("labels 'normal.' traffic as the anomaly class, as the paper does", () => {
    assert.deepEqual(Array.from(data.labels), [1, 0, 0]);
    assert.deepEqual(rawLabels, ['normal.', 'smurf.', 'neptune.']);
  });
  it('names the line of a malformed row', () => {
    const bad = gzipSync(Buffer.from(`${row('tcp', 'http', 'SF', '0', '0', 'normal.')}\n1,2,3\n`));
    assert.throws(() => parseKddcup(bad, 'k.gz'), /k\.gz: line 2: expected 42 comma-separated values/);
    const nonNum = gzipSync(Buffer.from(`${row('tcp', 'http', 'SF', '0', '0', 'normal.', 'abc')}\n`));
    assert.throws(() => parseKddcup(nonNum, 'k.gz'), /line 1, column "src_bytes": expected a number, got "abc"/);
  });
});

describe('numeric CSV', () => {
  it('reads features and labels', () => {
    const t = parseNumericCsv('a,b,label\n1,2,0\n3,4.5,1\n', { labelColumn: 'label' });
    assert.deepEqual([t.rows, t.cols], [2, 2]);
    assert.deepEqual(Array.from(t.x), [1, 2, 3, 4.5]);
    assert.deepEqual(Array.from(t.labels!), [0, 1]);
  });
  it('errors name the file, line and column', () => {
    assert.throws(() => parseNumericCsv('', { source: 'f.csv' }), /f\.csv: empty file/);
    assert.throws(() => parseNumericCsv('a,b\n', { source: 'f.csv' }), /no data rows/);
    assert.throws(() => parseNumericCsv('a,b\n1\n', { source: 'f.csv' }), /f\.csv: line 2: expected 2 values, got 1/);
    assert.throws(() => parseNumericCsv('a,b\n1,x\n', { source: 'f.csv' }), /line 2, column "b": expected a number, got "x"/);
    assert.throws(() => parseNumericCsv('a,b\n1,2\n', { labelColumn: 'y', source: 'f.csv' }), /label column "y" not found/);
    assert.throws(() => parseNumericCsv('a,y\n1,2\n', { labelColumn: 'y' }), /expected 0 or 1, got "2"/);
  });
});

describe('min-max scaling', () => {
  it('is fitted on the given rows and applied to others; training-constant columns encode only the sign of a departure', () => {
    const fit = Float32Array.from([0, 5, 10, 5]);
    const s = fitMinMax(fit, 2, 2);
    assert.deepEqual(Array.from(s.range), [10, 0]);
    const other = Float32Array.from([20, 5, -10, 45, 5, 4.5]);
    applyMinMax(s, other, 3, 2);
    assert.deepEqual(Array.from(other), [2, 0, -1, 1, 0.5, -1]);
    // 0/1 indicator columns constant at 0 in training keep their values
    const ind = fitMinMax(Float32Array.from([0, 0]), 2, 1);
    assert.deepEqual(Array.from(applyMinMax(ind, Float32Array.from([0, 1]), 2, 1)), [0, 1]);
    assert.throws(() => applyMinMax(s, new Float32Array(3), 1, 3), /the scaler has 2 columns, the data has 3/);
  });
});

describe('KDDCUP-Rev sampling', () => {
  it("keeps every 'normal.' row, samples floor(normal/4) attack rows per run, and labels attacks as anomalies", () => {
    const dir = mkdtempSync(join(tmpdir(), 'aberrant-kdd-'));
    const lines: string[] = [];
    for (let i = 0; i < 41; i++) lines.push(row('tcp', i % 2 ? 'http' : 'smtp', 'SF', '0', '0', 'normal.', String(i)));
    for (let i = 0; i < 30; i++) lines.push(row('icmp', 'ecr_i', i % 2 ? 'SF' : 'S0', '0', '0', i % 3 ? 'smurf.' : 'neptune.', String(100 + i)));
    writeFileSync(join(dir, 'kddcup.data_10_percent.gz'), gzipSync(Buffer.from(lines.join('\n') + '\n')));
    const ds = loadPaperDataset('kddcup-rev', dir);
    const a = ds.sampleRun(new Rng(1)), b = ds.sampleRun(new Rng(2));
    assert.equal(a.idx.length, 41 + 10);
    const normals = Array.from(a.idx).filter((r) => r < 41);
    assert.equal(normals.length, 41);
    assert.ok(Array.from(a.idx).every((r) => a.labels[r] === (r >= 41 ? 1 : 0)));
    assert.notDeepEqual(Array.from(a.idx.subarray(41)).sort(), Array.from(b.idx.subarray(41)).sort());
    assert.deepEqual(Array.from(ds.sampleRun(new Rng(1)).idx), Array.from(a.idx), 'same seed, same sample');
    const plain = loadPaperDataset('kddcup', dir);
    assert.equal(plain.sampleRun(new Rng(1)).idx.length, 71);
    assert.equal(plain.base.labels.reduce((p, q) => p + q, 0), 41);
  });
});
