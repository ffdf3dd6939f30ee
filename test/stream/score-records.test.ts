/**
 * scoreTextRecords: text rows (stream entries) score exactly as the same lines of a CSV file do under
 * `aberrant score`'s path (scoreRows on the parsed table); a bad row is named and does not fail the batch;
 * a row's result does not depend on its batch.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDetector, parseCsv, scoreRows, scoreTextRecords, tableFromRecords, tableFromTextRecords, type Detector, type TextRecord } from '../../src/index.js';
import { Rng } from '../../src/engine/rng.js';

type Row = { a: number; b: number; proto: string; ok: string; code: number };

function makeRows(n: number, seed: number): Row[] {
  const r = new Rng(seed), rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const t = r.uniform(), far = i % 10 === 9;
    rows.push({ a: far ? 8 + r.uniform() : t + 0.05 * r.normal(), b: far ? -5 : 2 * t + 0.05 * r.normal(), proto: ['tcp', 'udp'][i % 2], ok: i % 3 ? 'yes' : 'no', code: i % 3 });
  }
  return rows;
}

const text = (r: Row): Record<string, string> => ({ a: String(r.a), b: String(r.b), proto: r.proto, ok: r.ok, code: String(r.code) });

describe('scoreTextRecords', () => {
  const det: Detector = createDetector('ae', { seed: 1, epochs: 3 }).fit(tableFromRecords(makeRows(200, 1)), { categorical: ['code'] });
  const test = makeRows(40, 2);

  it('scores text rows exactly as the same CSV lines are scored (score, label, rank)', () => {
    const csv = `a,b,proto,ok,code\n${test.map((r) => `${r.a},${r.b},${r.proto},${r.ok},${r.code}`).join('\n')}\n`;
    const ref = scoreRows(det, parseCsv(csv, { source: 'test.csv' }));
    const { results, fellBack } = scoreTextRecords(det, test.map(text));
    assert.equal(fellBack, false);
    assert.ok(ref.isAnomaly.some((v) => v === 1) && ref.isAnomaly.some((v) => v === 0), 'both labels occur');
    results.forEach((r, i) => {
      assert.ok(r.ok);
      assert.equal(r.score, ref.scores[i]);
      assert.equal(r.isAnomaly, ref.isAnomaly[i] === 1);
      assert.equal(r.rank, ref.rank[i]);
    });
  });

  it('reads missing tokens and absent fields as missing values, numbers spelled differently as the level they name', () => {
    const t = tableFromTextRecords(det, [{ a: 'NA', b: '', proto: '?', ok: 'null', code: '01' }, { b: '1.5', proto: 'tcp', ok: 'YES', code: '2' }]);
    assert.deepEqual(Array.from(t.column('a') as Float64Array), [NaN, NaN]);
    assert.deepEqual(Array.from(t.column('b') as Float64Array), [NaN, 1.5]);
    assert.deepEqual(t.column('proto'), [null, 'tcp']);
    assert.deepEqual(t.column('ok'), [null, 'YES']);
    assert.deepEqual(t.column('code'), [1, '2'], '"01" is the level "1" (a CSV column of numbers); "2" is a level as written');
    // Imputed missing values score as the training medians do.
    const [r] = scoreTextRecords(det, [{ a: 'NA', b: '1', proto: 'tcp', ok: 'yes', code: '1' }]).results;
    assert.ok(r.ok && Number.isFinite(r.score));
  });

  it('a bad row is reported with the library\'s message and does not fail the good rows of its batch', () => {
    const rows: TextRecord[] = test.slice(0, 10).map(text);
    const bad = [...rows];
    bad[3] = { ...rows[3], a: 'oops' };
    bad[7] = { something: 'else' };
    bad[8] = { ...rows[8], ok: 'maybe' };
    const names = bad.map((_, i) => `entry ${i}-0`);
    const alone = scoreTextRecords(det, rows).results;
    const { results, fellBack } = scoreTextRecords(det, bad, names);
    assert.equal(fellBack, true);
    assert.deepEqual(results[3], { ok: false, error: 'entry 3-0, column "a": expected a number, got "oops"' });
    assert.match((results[7] as { error: string }).error, /^entry 7-0: has none of the model's columns \("a", "b", "proto", "ok", "code"\); its fields are "something"$/);
    assert.match((results[8] as { error: string }).error, /^entry 8-0, column "ok": expected true\/false\/yes\/no, got "maybe"$/);
    for (const i of [0, 1, 2, 4, 5, 6, 9]) assert.deepEqual(results[i], alone[i], `row ${i} scores as without the bad rows`);
  });

  it('a row scores the same alone as in any batch', () => {
    const rows = test.map(text);
    const batch = scoreTextRecords(det, rows).results;
    for (const i of [0, 9, 19]) assert.deepEqual(scoreTextRecords(det, [rows[i]]).results[0], batch[i]);
  });

  it('a missing value under the "error" policy is a row error naming the column', () => {
    const strict = createDetector('ae', { seed: 1, epochs: 1, preprocessing: { missing: 'error' } }).fit(tableFromRecords(makeRows(50, 3)));
    const { results } = scoreTextRecords(strict, [text(test[0]), { ...text(test[1]), b: '' }, { a: '1', proto: 'tcp', ok: 'no', code: '0' }], ['e1', 'e2', 'e3']);
    assert.ok(results[0].ok);
    assert.match((results[1] as { error: string }).error, /^e2, column "b": missing value/);
    assert.match((results[2] as { error: string }).error, /^e3, column "b": missing value/, 'an absent field is a missing value');
  });
});
