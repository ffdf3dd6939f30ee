/** The plotting layer's parts: ticks, number formats, escaping, histogram bins, subsampling, path thinning. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeMarkup } from '../../src/report/escape.js';
import { formatCount, formatNumber, formatPercent } from '../../src/report/format.js';
import { defaultBinCount, histogram } from '../../src/report/histogram.js';
import { dotsPath, polylinePath } from '../../src/report/path.js';
import { linearScale, logScale, paddedRange } from '../../src/report/scale.js';
import { subsampleRows } from '../../src/report/subsample.js';
import { logTicks, niceCeil, niceTicks } from '../../src/report/ticks.js';

describe('ticks', () => {
  it('steps by 1, 2 or 5 times a power of ten, inside the range', () => {
    assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(0.3, 29.4, 5), [5, 10, 15, 20, 25]);
    assert.deepEqual(niceTicks(-3.2, 3.2, 5), [-3, -2, -1, 0, 1, 2, 3]);
    assert.deepEqual(niceTicks(0.1, 0.35, 5), [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
    assert.deepEqual(niceTicks(7, 7), [7]);
    assert.throws(() => niceTicks(2, 1), { message: 'niceTicks: bad range [2, 1]' });
  });
  it('count axes end on a nice value; log axes tick at powers of ten', () => {
    assert.equal(niceCeil(1063), 1200);
    assert.equal(niceCeil(0), 1);
    assert.deepEqual(logTicks(0.7, 1700), [1, 10, 100, 1000]);
  });
});

describe('scales', () => {
  it('map linearly and on log10, constant data to the middle', () => {
    assert.equal(linearScale([0, 10], [100, 200]).map(2.5), 125);
    assert.equal(linearScale([0, 1], [300, 0]).map(0.25), 225);
    assert.equal(linearScale([4, 4], [0, 100]).map(4), 50);
    assert.equal(logScale([1, 100], [0, 200]).map(10), 100);
    assert.deepEqual(paddedRange(5, 5), [4.75, 5.25]);
    assert.deepEqual(paddedRange(0, 0), [-0.5, 0.5]);
  });
});

describe('formatting and escaping', () => {
  it('formats counts, numbers and percentages', () => {
    assert.equal(formatCount(1234567), '1,234,567');
    assert.equal(formatCount(-1000), '-1,000');
    assert.equal(formatNumber(10.359127), '10.36');
    assert.equal(formatNumber(0.0000123456), '1.235e-5');
    assert.equal(formatNumber(2500000), '2.5e+6');
    assert.equal(formatNumber(-0.5), '-0.5');
    assert.equal(formatPercent(149 / 5000), '2.98%');
    assert.equal(formatPercent(0.5), '50%');
  });
  it('escapes every markup character', () => {
    assert.equal(escapeMarkup(`<script>alert("x" & 'y')</script>`), '&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;');
  });
});

describe('histogram', () => {
  it('bins hand-placed values, the maximum in the last bin', () => {
    const h = histogram([0, 0.5, 1, 2.49, 2.5, 4, 5], [0, 5], 2);
    assert.deepEqual(Array.from(h.edges), [0, 2.5, 5]);
    assert.deepEqual(Array.from(h.counts), [4, 3]);
  });
  it('counts sum to n for random data', () => {
    const v = Float64Array.from({ length: 10007 }, (_, i) => Math.sin(i) * 1e3);
    const h = histogram(v, [-1000, 1000], defaultBinCount(v.length));
    assert.equal(h.counts.length, 44); // ceil(2 * cbrt(10007))
    assert.equal(h.counts.reduce((s, c) => s + c, 0), 10007);
  });
  it('rejects values outside the range and bad bin counts', () => {
    assert.throws(() => histogram([1, 9], [0, 5], 2), { message: 'histogram: value 9 at row 1 is outside [0, 5]' });
    assert.throws(() => histogram([1], [0, 5], 0), { message: 'histogram: bins must be a positive integer, got 0' });
    assert.throws(() => histogram([1], [1, 1], 3), { message: 'histogram: range must be finite with hi > lo, got [1, 1]' });
  });
  it('uses 10 to 60 bins', () => {
    assert.deepEqual([defaultBinCount(1), defaultBinCount(1000), defaultBinCount(200000)], [10, 20, 60]);
  });
});

describe('subsampleRows', () => {
  const mask = (n: number, every: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i % every === 0 ? 1 : 0));
  it('keeps every anomaly, fills the budget exactly, and is deterministic', () => {
    const isAnomaly = mask(100000, 97); // 1031 anomalies
    const s = subsampleRows(isAnomaly, 4000);
    assert.equal(s.subsampled, true);
    assert.equal(s.rows.length, 4000);
    const kept = new Set(s.rows);
    for (let i = 0; i < isAnomaly.length; i += 97) assert.ok(kept.has(i), `anomaly ${i} dropped`);
    for (let k = 1; k < s.rows.length; k++) assert.ok(s.rows[k] > s.rows[k - 1], 'rows ascending and distinct');
    assert.deepEqual(subsampleRows(isAnomaly, 4000).rows, s.rows);
    assert.notDeepEqual(subsampleRows(isAnomaly, 4000, 2).rows, s.rows);
  });
  it('keeps all rows when they fit', () => {
    const s = subsampleRows(mask(50, 7), 4000);
    assert.equal(s.subsampled, false);
    assert.deepEqual(Array.from(s.rows), Array.from({ length: 50 }, (_, i) => i));
  });
  it('keeps a quarter of the budget for normal rows when anomalies alone exceed it', () => {
    const s = subsampleRows(mask(10000, 2), 1000); // 5000 anomalies
    assert.equal(s.rows.length, 5000 + 250);
  });
  it('rejects a bad budget', () => {
    assert.throws(() => subsampleRows(mask(5, 2), 0), { message: 'subsampleRows: maxPoints must be a positive integer, got 0' });
  });
});

describe('paths', () => {
  it('draws hv and vh staircases', () => {
    assert.equal(polylinePath([0, 10, 20], [0, 5, 10], 'hv'), 'M0 0L10 0L10 5L20 5L20 10');
    assert.equal(polylinePath([0, 10], [0, 5], 'vh'), 'M0 0L0 5L10 5');
  });
  it('drops points within half a pixel but always keeps the last', () => {
    assert.equal(polylinePath([0, 0.1, 0.2, 0.3, 10], [0, 0.1, 0.2, 0.3, 10]), 'M0 0L10 10');
    assert.equal(polylinePath([0, 0.1], [0, 0.1]), 'M0 0L0.1 0.1');
  });
  it('draws each half-pixel dot once', () => {
    assert.equal(dotsPath([1, 1.1, 3], [2, 2.1, 4]), 'M1 2h0M3 4h0');
  });
});
