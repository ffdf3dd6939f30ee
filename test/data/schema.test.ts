/** Schema inference: kinds, roles and reasons on small hand-made tables, and its JSON form. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCsv } from '../../src/data/readers/index.js';
import { inferSchema, LABEL_MAX_CLASSES, schemaFromJSON, schemaToJSON, type ColumnSchema, type Schema } from '../../src/data/schema.js';
import { tableFromRecords } from '../../src/data/table.js';

const byName = (s: Schema, name: string): ColumnSchema => s.columns.find((c) => c.name === name)!;

// Seven rows so "all distinct" counts as id-like (more than a handful).
const csv = [
  'user_id,dur,proto,vip,mood,session,const,empty,label',
  'u1,1,tcp,yes,ok,s1,5,,0',
  'u2,2,udp,no,bad,s2,5,,0',
  'u3,NA,tcp,TRUE,ok,s3,5,,1',
  'u4,4,tcp,false,ok,s4,5,,0',
  'u5,5,udp,,bad,s5,5,,0',
  'u6,6,tcp,no,ok,s6,5,,0',
  'u7,7,icmp,yes,ok,s7,5,,1',
].join('\n');
const table = parseCsv(csv, { source: 't.csv' });

describe('inferSchema', () => {
  it('infers kinds and roles, and does not use a label-like column silently', () => {
    const s = inferSchema(table);
    assert.deepEqual(s.columns.map((c) => [c.name, c.kind, c.role]), [
      ['user_id', 'categorical', 'dropped'],
      ['dur', 'numeric', 'feature'],
      ['proto', 'categorical', 'feature'],
      ['vip', 'boolean', 'feature'],
      ['mood', 'categorical', 'feature'],
      ['session', 'categorical', 'dropped'],
      ['const', 'numeric', 'feature'],
      ['empty', 'numeric', 'dropped'],
      ['label', 'numeric', 'dropped'],
    ]);
    assert.equal(s.labelColumn, null);
    assert.equal(s.suggestedLabel, 'label');
    assert.equal(byName(s, 'label').reason, 'looks like a label column; kept out of the features (pass --label-column label to use it as the label, or --drop label)');
    assert.equal(byName(s, 'user_id').reason, 'id-like: named like an id and all 7 values are distinct');
    assert.equal(byName(s, 'session').reason, 'id-like: all 7 values are distinct text');
    assert.equal(byName(s, 'empty').reason, 'every value is missing');
    assert.equal(byName(s, 'const').reason, 'constant: every value is 5 (kept; it may vary in new data)');
    assert.deepEqual(byName(s, 'proto').categories, ['icmp', 'tcp', 'udp']);
    assert.equal(byName(s, 'dur').reason, undefined);
  });

  it('uses a label column given by name, and honours drop and forced kinds', () => {
    const s = inferSchema(table, { labelColumn: 'label', drop: ['mood'], categorical: ['dur'] });
    assert.equal(s.labelColumn, 'label');
    assert.equal(s.suggestedLabel, null);
    assert.deepEqual([byName(s, 'label').role, byName(s, 'mood').role, byName(s, 'mood').reason], ['label', 'dropped', 'dropped on request (--drop)']);
    assert.equal(byName(s, 'dur').kind, 'categorical');
    assert.deepEqual(byName(s, 'dur').categories, ['1', '2', '4', '5', '6', '7']);
  });

  it('takes a label-like name for a label only when the column holds classes (text, booleans or at most 32 integers)', () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({ x: i % 7, y: Math.sin(i), target: i, class: i % 3 === 0 ? 'attack' : 'normal', label: i % 2, outlier: i % 5 === 0 }));
    const s = inferSchema(tableFromRecords(rows));
    assert.deepEqual(s.columns.map((c) => [c.name, c.role]), [['x', 'feature'], ['y', 'feature'], ['target', 'feature'], ['class', 'dropped'], ['label', 'dropped'], ['outlier', 'dropped']]);
    assert.equal(s.suggestedLabel, 'class');
    // 32 integer classes still read as a label; 33, or one fractional value, as a measurement.
    const classes = (n: number, frac = false) => inferSchema(tableFromRecords(Array.from({ length: 100 }, (_, i) => ({ x: i, y: (i % n) + (frac && i === 0 ? 0.5 : 0) })))).suggestedLabel;
    assert.deepEqual([classes(LABEL_MAX_CLASSES), classes(LABEL_MAX_CLASSES + 1), classes(2, true)], ['y', null, null]);
    // Named as numeric or categorical (what the CLI's note suggests), a label-like column is a feature.
    const forced = inferSchema(tableFromRecords(rows), { numeric: ['label'], categorical: ['class'] });
    assert.deepEqual([byName(forced, 'label').role, byName(forced, 'class').role, byName(forced, 'outlier').role, forced.suggestedLabel], ['feature', 'feature', 'dropped', 'outlier']);
  });

  it('keeps a text column with repeats, and drops all-distinct text only beyond a handful of rows', () => {
    const few = tableFromRecords([{ a: 'x', n: 1 }, { a: 'y', n: 2 }, { a: 'z', n: 3 }]);
    assert.equal(byName(inferSchema(few), 'a').role, 'feature');
  });

  it('names unknown columns, conflicting options and too many categories', () => {
    assert.throws(() => inferSchema(table, { labelColumn: 'target' }),
      { message: 't.csv: no column "target" (given as labelColumn); columns: user_id, dur, proto, vip, mood, session, const, empty, label' });
    assert.throws(() => inferSchema(table, { drop: ['x', 'y'] }),
      { message: 't.csv: no column "x", "y" (given as drop); columns: user_id, dur, proto, vip, mood, session, const, empty, label' });
    assert.throws(() => inferSchema(table, { categorical: ['dur'], numeric: ['dur'] }),
      { message: 'column "dur" is given as both categorical and numeric' });
    assert.throws(() => inferSchema(table, { labelColumn: 'label', drop: ['label'] }),
      { message: 'column "label" is given as the label and also dropped' });
    assert.throws(() => inferSchema(table, { numeric: ['proto'] }),
      { message: 'column "proto" is given as numeric, but t.csv row 1 (line 2) has "tcp"' });
    assert.throws(() => inferSchema(table, { maxCategories: 2 }),
      { message: 'column "proto" has 3 distinct values, more than maxCategories (2) for a categorical feature: drop it (--drop proto), or raise the limit (--max-categories 3; maxCategories in the library)' });
  });

  it('points at the stray text in a mostly numeric column with too many levels', () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i % 12},${i === 20 ? 'abc' : i}`);
    const t = parseCsv(['g,dur', ...rows].join('\n'), { source: 'd.csv' });
    assert.throws(() => inferSchema(t, { maxCategories: 10 }),
      { message: 'column "dur" has 30 distinct values, more than maxCategories (10) for a categorical feature: drop it (--drop dur), or raise the limit (--max-categories 30; maxCategories in the library); 29 of its 30 values are numbers, so check d.csv row 21 (line 22): "abc"' });
  });

  it('fails when nothing is left to learn from', () => {
    const t = tableFromRecords([{ id: 1, y: 0 }, { id: 2, y: 1 }], 'r');
    assert.throws(() => inferSchema(t), {
      message: 'r: no feature columns left (id: id-like: named like an id and all 2 values are distinct; y: looks like a label column; kept out of the features (pass --label-column y to use it as the label, or --drop y))',
    });
  });
});

describe('schema JSON', () => {
  it('round-trips through JSON text', () => {
    const s = inferSchema(table, { labelColumn: 'label' });
    const back = schemaFromJSON(JSON.parse(JSON.stringify(schemaToJSON(s))));
    assert.deepEqual(back, s);
  });

  it('rejects malformed schema JSON with the path of the problem', () => {
    const good = schemaToJSON(inferSchema(table, { labelColumn: 'label' }));
    assert.throws(() => schemaFromJSON({ ...good, columns: [{ ...good.columns[0], kind: 'text' }] }),
      { message: 'invalid schema JSON: columns.0.kind: Invalid option: expected one of "numeric"|"categorical"|"boolean"' });
    assert.throws(() => schemaFromJSON({ ...good, labelColumn: 'dur' }),
      { message: 'invalid schema JSON: labelColumn is "dur" but the label-role columns are [label]' });
    assert.throws(() => schemaFromJSON(null), { message: 'invalid schema JSON: (root): Invalid input: expected object, received null' });
  });
});
