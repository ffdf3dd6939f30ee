/** Preprocessing: encoded values checked by hand, missing and unseen policies, labels, JSON round trip, errors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kthSmallest, median, Preprocessor, selectKth } from '../../src/data/preprocess.js';
import { parseCsv } from '../../src/data/readers/index.js';
import { inferSchema } from '../../src/data/schema.js';
import { tableFromMatrix, tableFromRows } from '../../src/data/table.js';
import { IsolationForestDetector } from '../../src/detectors/iforest/detector.js';
import { TsKernels, withKernels } from '../../src/engine/backend/index.js';
import { loadNativeKernels } from '../../src/engine/backend/native.js';

const train = parseCsv('dur,proto,vip,label\n1,tcp,yes,0\n3,udp,no,0\nNA,tcp,yes,1\n5,,no,0\n', { source: 't.csv' });
const schema = inferSchema(train, { labelColumn: 'label' });
const test = parseCsv('dur,proto,vip,label\n7,icmp,,1\n-1,udp,no,0\n', { source: 'test.csv' });

function rowsOf(x: Float32Array, cols: number): number[][] {
  return Array.from({ length: x.length / cols }, (_, i) => Array.from(x.subarray(i * cols, (i + 1) * cols)));
}

describe('Preprocessor.fit / transform', () => {
  it('min-max scales numbers (median for missing), one-hot encodes categories (with a missing level) and booleans', () => {
    const p = Preprocessor.fit(train, schema);
    assert.deepEqual(p.featureNames, ['dur', 'proto=tcp', 'proto=udp', 'proto=(missing)', 'vip=false', 'vip=true']);
    const t = p.transform(train);
    assert.deepEqual([t.rows, t.cols, t.unseen], [4, 6, 0]);
    // dur: [1, 3, NA -> median 3, 5], min 1, range 4.
    assert.deepEqual(rowsOf(t.x, 6), [
      [0, 1, 0, 0, 0, 1],
      [0.5, 0, 1, 0, 1, 0],
      [0.5, 1, 0, 0, 0, 1],
      [1, 0, 0, 1, 1, 0],
    ]);
  });

  it('encodes new rows with training statistics: out-of-range values, unseen categories (counted), imputed booleans', () => {
    const t = Preprocessor.fit(train, schema).transform(test);
    // dur 7 -> (7-1)/4; icmp unseen -> all zero; vip missing -> false (2 yes, 2 no: a tie goes to false).
    assert.deepEqual(rowsOf(t.x, 6), [
      [1.5, 0, 0, 0, 1, 0],
      [-0.5, 0, 1, 0, 1, 0],
    ]);
    assert.equal(t.unseen, 1);
  });

  it('standard-scales with the population std, and leaves values raw with scaling none', () => {
    // [1, 3, 3, 5]: mean 3, variance 8 / 4 = 2.
    const s = Preprocessor.fit(train, schema, { scaling: 'standard' }).transform(train);
    assert.deepEqual(rowsOf(s.x, 6).map((r) => r[0]), [-Math.SQRT2, 0, 0, Math.SQRT2].map(Math.fround));
    const n = Preprocessor.fit(train, schema, { scaling: 'none' }).transform(test);
    assert.deepEqual(rowsOf(n.x, 6).map((r) => r[0]), [7, -1]);
  });

  it('imputes the median: the mean of the two middle values for an even count', () => {
    const t = parseCsv('v\n4\n1\nNA\n2\n10\n2\n9\n', { source: 'm.csv' });
    const p = Preprocessor.fit(t, inferSchema(t), { scaling: 'none' });
    // Present values sorted: 1 2 2 | 4 9 10 -> (2 + 4) / 2.
    assert.deepEqual(Array.from(p.transform(t).x), [4, 1, 3, 2, 10, 2, 9]);
  });

  it('imputes the same median as sorting, on columns with many ties', () => {
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647);
    for (const n of [1, 2, 3, 10, 11, 200, 201]) {
      const values = Array.from({ length: n }, () => next() % 13);
      const sorted = [...values].sort((a, b) => a - b);
      const expected = n % 2 ? sorted[n >> 1] : (sorted[(n >> 1) - 1] + sorted[n >> 1]) / 2;
      const t = tableFromRows([...values.map((v) => [v]), [NaN]], ['v']);
      const imputed = Preprocessor.fit(t, inferSchema(t), { scaling: 'none' }).transform(t).x[n];
      assert.equal(imputed, Math.fround(expected), `n = ${n}`);
    }
  });

  it('kthSmallest agrees with sorting on signs, zeros, subnormals, ties and an organ-pipe column; refuses k out of range', () => {
    let seed = 11;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const special = [0, -0, 5e-324, -5e-324, 2.2250738585072014e-308, -1.7976931348623157e308, 1.7976931348623157e308, 1, -1, 0.1, -0.1];
    const cases: number[][] = [[3], [2, 1], special, Array.from({ length: 1000 }, () => special[Math.floor(next() * special.length)])];
    cases.push(Array.from({ length: 3001 }, () => (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20)));
    cases.push(Array.from({ length: 2000 }, () => 1 + Math.floor(next() * 7) * 2 ** -52)); // ties in the low bits only
    cases.push(Array.from({ length: 5000 }, (_, i) => (i < 2500 ? i : 5000 - i))); // quadratic for a middle-pivot quickselect
    for (const values of cases) {
      const sorted = Float64Array.from(values).sort();
      for (const k of new Set([0, values.length >> 1, values.length - 1, Math.floor(next() * values.length)])) {
        const got = kthSmallest(Float64Array.from(values), k);
        assert.ok(got === sorted[k], `n = ${values.length}, k = ${k}: ${got} vs ${sorted[k]}`);
      }
    }
    assert.throws(() => kthSmallest(Float64Array.of(1, 2), 2), /k = 2 outside 0\.\.1/);
    assert.throws(() => kthSmallest(new Float64Array(0), 0), /outside/);
  });

  it('selectKth partitions typical columns and hands an organ pipe to kthSmallest; the imputed median is sorting\'s either way', () => {
    let seed = 5;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const random = Float64Array.from({ length: 4000 }, () => next());
    const organ = Float64Array.from({ length: 4000 }, (_, i) => (i < 2000 ? i : 4000 - i));
    for (const [values, partitioned] of [[random, true], [organ, false]] as const) {
      const sorted = Float64Array.from(values).sort(), a = Float64Array.from(values);
      const got = selectKth(a, 2000);
      assert.equal(got.value, sorted[2000]);
      assert.equal(got.partitioned, partitioned, 'the 8n budget runs out on the organ pipe only');
      if (partitioned) assert.ok(a.subarray(0, 2000).every((v) => v <= got.value) && a.subarray(2001).every((v) => v >= got.value));
      // Through the preprocessor: an even count, so the mean of the two middle values.
      const t = tableFromRows([...Array.from(values, (v) => [v]), [NaN]], ['v']);
      const imputed = Preprocessor.fit(t, inferSchema(t), { scaling: 'none' }).transform(t).x[4000];
      assert.equal(imputed, Math.fround((sorted[1999] + sorted[2000]) / 2));
    }
  });

  it('median on long columns (a sampled band, else a full selection) equals sorting\'s, ties, strides and organ pipes included', () => {
    let seed = 3;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const sortedMedian = (v: Float64Array) => {
      const s = Float64Array.from(v).sort(), h = s.length >> 1;
      return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
    };
    for (const n of [32767, 32768, 32769, 100000, 100001]) {
      const step = n / 4096; // the sample's stride
      // The rows the sample reads all hold the column's largest value: the band misses the middle.
      const sampledLargest = (v: Float64Array, at: number) => { for (let j = 0; j < 4096; j++) v[Math.floor(j * at)] = 1e9; return v; };
      const cases: [string, Float64Array][] = [
        ['uniform', Float64Array.from({ length: n }, () => next())],
        ['skewed', Float64Array.from({ length: n }, () => -Math.log(next() + 1e-12) * (next() < 0.5 ? -1 : 1e6))],
        ['0/1, mostly 0', Float64Array.from({ length: n }, () => (next() < 0.7 ? 0 : 1))],
        ['0/1, half each', Float64Array.from({ length: n }, (_, i) => (i < n >> 1 ? 1 : 0))],
        ['sampled rows unlike the rest', sampledLargest(Float64Array.from({ length: n }, () => next()), step)],
        ['organ pipe', Float64Array.from({ length: n }, (_, i) => (i < n / 2 ? i : n - i))],
        ['sorted descending', Float64Array.from({ length: n }, (_, i) => n - i)],
      ];
      for (const [what, values] of cases) {
        const expected = sortedMedian(values);
        assert.equal(median(Float64Array.from(values)), expected, `${what}, n = ${n}`);
      }
    }
  });

  it('encodes a column constant in training as the sign of the departure, for min-max and standard', () => {
    const c = parseCsv('k,x\n5,1\n5,2\n', { source: 'c.csv' });
    const s = inferSchema(c);
    const later = parseCsv('k,x\n7,1\n5,1\n2,1\n');
    for (const scaling of ['minmax', 'standard'] as const) {
      const t = Preprocessor.fit(c, s, { scaling }).transform(later);
      assert.deepEqual(rowsOf(t.x, 2).map((r) => r[0]), [1, 0, -1], scaling);
    }
  });

  it('with unseenCategory "error", names the row, column and category', () => {
    const p = Preprocessor.fit(train, schema, { unseenCategory: 'error' });
    assert.throws(() => p.transform(test),
      { message: 'test.csv row 1 (line 2), column "proto": category "icmp" was not seen in training (levels: tcp, udp, (missing))' });
  });

  it('with missing "error", rejects a missing value in fitting and in transforming', () => {
    assert.throws(() => Preprocessor.fit(train, schema, { missing: 'error' }),
      { message: 't.csv row 3 (line 4), column "dur": missing value (the missing-value policy is "error"; fit with --param preprocessing.missing=impute to fill missing values in)' });
    const complete = parseCsv('dur,proto,vip,label\n1,tcp,yes,0\n2,udp,no,1\n', { source: 'ok.csv' });
    const p = Preprocessor.fit(complete, inferSchema(complete, { labelColumn: 'label' }), { missing: 'error' });
    assert.throws(() => p.transform(test),
      { message: 'test.csv row 1 (line 2), column "vip": missing value (the missing-value policy is "error"; fit with --param preprocessing.missing=impute to fill missing values in)' });
  });

  it('rejects a table that lacks columns or has a value of the wrong kind', () => {
    const p = Preprocessor.fit(train, schema);
    assert.throws(() => p.transform(parseCsv('proto,label\ntcp,0\n', { source: 'x.csv' })),
      { message: 'x.csv does not match the preprocessor: missing columns "dur", "vip" (the table has: proto, label)' });
    const rows = Array.from({ length: 12 }, (_, i) => `${i === 11 ? 'abc' : i},tcp,yes`);
    assert.throws(() => p.transform(parseCsv(['dur,proto,vip', ...rows].join('\n'), { source: 'data.csv' })),
      { message: 'data.csv row 12 (line 13), column "dur": expected a number, got "abc"' });
    assert.throws(() => p.transform(parseCsv('dur,proto,vip\n1,tcp,maybe\n', { source: 'b.csv' })),
      { message: 'b.csv row 1 (line 2), column "vip": expected true/false/yes/no, got "maybe"' });
  });
});

describe('Preprocessor.labels', () => {
  it('reads 0/1 and true/false labels', () => {
    const p = Preprocessor.fit(train, schema);
    assert.deepEqual(Array.from(p.labels(train)), [0, 0, 1, 0]);
    const b = parseCsv('dur,proto,vip,label\n1,tcp,yes,TRUE\n2,tcp,no,false\n');
    assert.deepEqual(Array.from(p.labels(b)), [1, 0]);
  });

  it('maps a named positive value to 1 and everything else to 0', () => {
    const t = parseCsv('dur,kind\n1,normal\n2,attack\n3,normal\n', { source: 'k.csv' });
    const s = inferSchema(t, { labelColumn: 'kind' });
    assert.deepEqual(Array.from(Preprocessor.fit(t, s, { positive: 'attack' }).labels(t)), [0, 1, 0]);
    const p = Preprocessor.fit(t, s);
    assert.deepEqual(Array.from(p.labels(t, { positive: 'normal' })), [1, 0, 1]);
    assert.throws(() => p.labels(t),
      { message: 'k.csv row 1 (line 2), label column "kind": expected 0/1 or true/false, got "normal" (name the anomaly value with positive)' });
    assert.throws(() => p.labels(t, { positive: 'atack' }),
      { message: 'k.csv: label column "kind" never has the positive value "atack" (values include: normal, attack)' });
  });

  it('rejects missing and out-of-range labels, and a preprocessor without a label column', () => {
    const p = Preprocessor.fit(train, schema);
    assert.throws(() => p.labels(parseCsv('label\n1\n\n2\n', { source: 'l.csv' })),
      { message: 'l.csv row 2 (line 4), label column "label": expected 0/1 or true/false, got 2 (name the anomaly value with positive)' });
    assert.throws(() => p.labels(parseCsv('label,z\n1,1\n,1\n', { source: 'l.csv' })),
      { message: 'l.csv row 2 (line 3), label column "label": missing label' });
    const unlabelled = Preprocessor.fit(train, inferSchema(train));
    assert.throws(() => unlabelled.labels(train), { message: 'the preprocessor has no label column (infer the schema with labelColumn)' });
  });
});

describe('Preprocessor feature mapping', () => {
  it('maps output columns to their source column and scaled values back to raw units', () => {
    const p = Preprocessor.fit(train, schema);
    assert.deepEqual(p.featureNames.map((_, i) => p.sourceColumnOf(i)), ['dur', 'proto', 'proto', 'proto', 'vip', 'vip']);
    assert.equal(p.inverseValue(0, 1.5), 7);
    assert.equal(p.inverseValue(2, 1), 1);
    assert.ok(Math.abs(Preprocessor.fit(train, schema, { scaling: 'standard' }).inverseValue(0, Math.SQRT2) - 5) < 1e-12);
    assert.throws(() => p.sourceColumnOf(6), { message: 'feature index 6 out of range (0..5)' });
  });
});

describe('Preprocessor JSON', () => {
  it('round-trips through JSON text to an identical transform', () => {
    for (const scaling of ['minmax', 'standard', 'none'] as const) {
      const p = Preprocessor.fit(train, schema, { scaling, positive: '1' });
      const back = Preprocessor.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
      assert.deepEqual(back.featureNames, p.featureNames);
      assert.deepEqual(back.transform(test), p.transform(test));
      assert.deepEqual(back.labels(test), p.labels(test));
      assert.deepEqual(back.toJSON(), p.toJSON());
    }
  });

  it('rejects malformed JSON with the path of the problem', () => {
    const good = Preprocessor.fit(train, schema).toJSON();
    assert.throws(() => Preprocessor.fromJSON({ ...good, scaling: 'log' }),
      { message: 'invalid preprocessor JSON: scaling: Invalid option: expected one of "minmax"|"standard"|"none"' });
    assert.throws(() => Preprocessor.fromJSON({ ...good, features: [{ ...good.features[0], scale: -1 }] }),
      { message: 'invalid preprocessor JSON: features.0.scale: Too small: expected number to be >=0' });
    assert.throws(() => Preprocessor.fromJSON({ ...good, features: [good.features[0], good.features[0]] }),
      { message: 'invalid preprocessor JSON: duplicate feature column "dur"' });
    assert.throws(() => Preprocessor.fromJSON({ ...good, format: 'other' }),
      { message: 'invalid preprocessor JSON: format: Invalid input: expected "aberrant-preprocessor"' });
  });
});

describe('Preprocessor.fitMatrix (a matrix fitted without a table of its columns)', () => {
  const make = (rows: number, cols: number, seed: number, f64 = false): Float32Array | Float64Array => {
    let s = seed;
    const next = () => (s = (s * 48271) % 2147483647) / 2147483647;
    const x = f64 ? new Float64Array(rows * cols) : new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        // Column 2: constant; column 5: 0/1; every 7th column: a few missing values; the rest spread over scales.
        x[i * cols + j] = j === 2 ? 4 : j === 5 ? (next() < 0.3 ? 1 : 0) : j % 7 === 6 && i % 13 === 0 ? NaN : (next() - 0.4) * 10 ** (j % 4);
      }
    }
    return x;
  };
  const viaTable = (x: Float32Array | Float64Array, rows: number, cols: number, opts: Parameters<typeof Preprocessor.fit>[2]) => {
    const t = tableFromMatrix(x, rows, cols), schema = inferSchema(t, {});
    return { schema, preprocessor: Preprocessor.fit(t, schema, opts) };
  };

  it('gives inferSchema\'s schema and fit\'s preprocessor: every scaling, constant and missing values, widths around its 8-column block', () => {
    for (const [rows, cols] of [[40, 1], [300, 8], [300, 9], [1000, 17], [40000, 3]] as const) {
      for (const f64 of [false, true]) {
        const x = make(rows, cols, rows + cols, f64);
        if (f64 && cols > 1) { x[1] = -0; x[cols + 1] = 0; }
        for (const scaling of ['minmax', 'standard', 'none'] as const) {
          const got = Preprocessor.fitMatrix(x, rows, cols, { scaling });
          const want = viaTable(x, rows, cols, { scaling });
          const what = `${rows} x ${cols}, ${f64 ? 'float64' : 'float32'}, ${scaling}`;
          assert.ok(got, what);
          assert.deepEqual(got.schema, want.schema, what);
          assert.deepEqual(got.preprocessor.toJSON(), want.preprocessor.toJSON(), what);
        }
      }
    }
  });

  it('declines a column with no value (the table path drops it) and keeps the table path\'s errors', () => {
    const x = make(50, 4, 9);
    for (let i = 0; i < 50; i++) x[i * 4 + 3] = NaN;
    assert.equal(Preprocessor.fitMatrix(x, 50, 4), null);
    const y = make(50, 4, 9);
    y[7 * 4 + 3] = NaN;
    assert.throws(() => Preprocessor.fitMatrix(y, 50, 4, { missing: 'error' }), (e: Error) => {
      assert.throws(() => viaTable(y, 50, 4, { missing: 'error' }), { message: e.message });
      return /matrix row 8/.test(e.message);
    });
    const z = Float64Array.from(make(50, 4, 9));
    z[9 * 4 + 1] = 1e300;
    assert.throws(() => Preprocessor.fitMatrix(z, 50, 4), (e: Error) => {
      assert.throws(() => viaTable(z, 50, 4, {}), { message: e.message });
      return /matrix row 10, column "f1": training value 1e\+300 is beyond/.test(e.message);
    });
    assert.throws(() => Preprocessor.fitMatrix(new Float32Array(5), 2, 3), /5 values, expected rows \* cols = 6/);
  });

  it('a detector fitted on a matrix saves the model it saves when fitted on the same rows as arrays', () => {
    const rows = 300, cols = 9, x = make(rows, cols, 5) as Float32Array;
    const arrays = Array.from({ length: rows }, (_, i) => Array.from(x.subarray(i * cols, (i + 1) * cols)));
    const a = new IsolationForestDetector({ seed: 3 }).fit({ data: x, rows, cols });
    const b = new IsolationForestDetector({ seed: 3 }).fit(arrays);
    assert.deepEqual(a.dataSchema, b.dataSchema);
    assert.deepEqual(a.preprocessing.toJSON(), b.preprocessing.toJSON());
    assert.deepEqual(Array.from(a.trainingScores!), Array.from(b.trainingScores!));
    assert.equal(a.threshold, b.threshold);
    // Naming the matrix's own columns numeric (as auto does for its members) keeps that path and that result;
    // a name it does not have is the table path's error.
    const c = new IsolationForestDetector({ seed: 3 }).fit({ data: x, rows, cols }, { numeric: ['f0', 'f8'] });
    assert.deepEqual(Array.from(c.trainingScores!), Array.from(a.trainingScores!));
    assert.throws(() => new IsolationForestDetector({ seed: 3 }).fit({ data: x, rows, cols }, { numeric: ['f9'] }), /no column "f9" \(given as numeric\)/);
  });
});

describe('Preprocessor.transformMatrix (the numeric-matrix fast path)', () => {
  const rows = 400, cols = 5;
  const matrix = (): Float32Array => {
    const x = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) x[i * cols + j] = j === 3 ? 7 : Math.sin(i * (j + 1)) * 10 ** j;
    return x;
  };
  const fitOn = (x: Float32Array | Float64Array, scaling: 'minmax' | 'standard' | 'none', missing: 'impute' | 'error' = 'impute') => {
    const t = tableFromMatrix(x, rows, cols);
    return Preprocessor.fit(t, inferSchema(t, {}), { scaling, missing });
  };
  const same = (a: ReturnType<Preprocessor['transform']>, b: ReturnType<Preprocessor['transform']>, what: string) => {
    assert.deepEqual(Buffer.from(a.x.buffer), Buffer.from(b.x.buffer), `${what}: values`);
    assert.deepEqual({ ...a, x: null }, { ...b, x: null }, `${what}: counts`);
  };

  it('gives transform()\'s values and counts: every scaling, a constant column, missing values imputed, clamped extremes', () => {
    for (const scaling of ['minmax', 'standard', 'none'] as const) {
      const pre = fitOn(matrix(), scaling);
      const q = matrix();
      q[2 * cols + 1] = NaN; q[5 * cols + 0] = 1e30; q[6 * cols + 2] = -Infinity; q[7 * cols + 3] = 8; q[8 * cols + 4] = NaN;
      const fast = pre.transformMatrix(q, rows, cols);
      assert.ok(fast, scaling);
      same(fast, pre.transform(tableFromMatrix(q, rows, cols)), scaling);
      if (scaling !== 'none') assert.ok(fast.clamped >= 2, `${scaling}: the extremes were clamped (${fast.clamped})`);
    }
    // Without a missing value a float32 matrix goes through the backend's scaleColumns: the same bits on each.
    for (const [name, k] of [['typescript', new TsKernels()], ['native', loadNativeKernels()]] as const) {
      if (!k) continue;
      for (const scaling of ['minmax', 'standard', 'none'] as const) {
        const pre = fitOn(matrix(), scaling);
        const q = matrix();
        q[5 * cols + 0] = 1e30; q[6 * cols + 2] = -Infinity; q[7 * cols + 3] = 8; q[8 * cols + 3] = -0; q[9 * cols + 4] = 3e38;
        const fast = withKernels(k, () => pre.transformMatrix(q, rows, cols));
        assert.ok(fast, `${name} ${scaling}`);
        same(fast, pre.transform(tableFromMatrix(q, rows, cols)), `${name} ${scaling}`);
        if (scaling !== 'none') assert.ok(fast.clamped >= 2, `${name} ${scaling}: the extremes were clamped (${fast.clamped})`);
      }
    }
    // float64 input beyond float32's range takes the same path as through a table.
    const pre = fitOn(matrix(), 'minmax');
    const q64 = Float64Array.from(matrix());
    q64[3] = 1e300; q64[9] = -1e40;
    same(pre.transformMatrix(q64, rows, cols)!, pre.transform(tableFromMatrix(q64, rows, cols)), 'float64');
  });

  it('declines (null) where the table path must decide: a missing value under "error", other names or kinds, wrong shape', () => {
    const q = matrix();
    q[11] = NaN;
    assert.equal(fitOn(matrix(), 'minmax', 'error').transformMatrix(q, rows, cols), null);
    const named = tableFromRows([[1, 2], [3, 4], [5, 7]], ['a', 'b']);
    assert.equal(Preprocessor.fit(named, inferSchema(named, {})).transformMatrix(Float32Array.of(1, 2), 1, 2), null);
    const mixed = tableFromRows([[1, 0], [2, 1], [3, 0], [4, 1]]);
    assert.equal(Preprocessor.fit(mixed, inferSchema(mixed, { categorical: ['f1'] })).transformMatrix(Float32Array.of(1, 0), 1, 2), null);
    const pre = fitOn(matrix(), 'minmax');
    assert.equal(pre.transformMatrix(matrix(), rows, cols - 1), null);
    assert.equal(pre.transformMatrix(matrix().subarray(1), rows, cols), null);
  });

  it('a detector scores a matrix as it scores the same rows as arrays, and keeps the table path\'s errors', () => {
    const x = matrix(), asRows = Array.from({ length: rows }, (_, i) => Array.from(x.subarray(i * cols, (i + 1) * cols)));
    const det = new IsolationForestDetector({ seed: 4 }).fit({ data: x, rows, cols });
    const viaRows = new IsolationForestDetector({ seed: 4 }).fit(asRows);
    assert.deepEqual(det.trainingScores, viaRows.trainingScores);
    const q = matrix();
    q[3 * cols + 2] = 1e38;
    assert.deepEqual(det.scoreDetailed({ data: q, rows, cols }), viaRows.scoreDetailed(Array.from({ length: rows }, (_, i) => Array.from(q.subarray(i * cols, (i + 1) * cols)))));
    const strict = new IsolationForestDetector({ seed: 4, preprocessing: { missing: 'error' } }).fit({ data: x, rows, cols });
    q[4 * cols + 1] = NaN;
    assert.throws(() => strict.scoreSamples({ data: q, rows, cols }), /matrix row 5, column "f1": missing value/);
    assert.throws(() => strict.scoreSamples({ data: q, rows: rows + 1, cols }), /matrix has 2000 values, expected rows x cols = 401 x 5/);
  });
});
