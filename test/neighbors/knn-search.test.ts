/**
 * Exact k-nearest-neighbour search: equal, to the bit, to a naive float64 loop on every backend, across block
 * boundaries, with duplicates, exclusion maps and data where the float32 expansion cancels completely; errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withKernels } from '../../src/engine/backend/index.js';
import { Rng } from '../../src/engine/rng.js';
import { exactSqDist, kNearest, selfExclusion } from '../../src/neighbors/knn-search.js';
import { availableBackends } from '../support/backends.js';

/** The definition: all (float64 squared distance, index) pairs sorted, the first k; skipping exclude[i]. */
function naive(ref: Float32Array, n: number, q: Float32Array, m: number, d: number, k: number, exclude?: Int32Array) {
  const indices = new Int32Array(m * k), distances = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    const all: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      if (exclude && exclude[i] === j) continue;
      let s = 0;
      for (let a = 0; a < d; a++) { const v = q[i * d + a] - ref[j * d + a]; s += v * v; }
      all.push([s, j]);
    }
    all.sort((u, v) => u[0] - v[0] || u[1] - v[1]);
    for (let t = 0; t < k; t++) { indices[i * k + t] = all[t][1]; distances[i * k + t] = Math.sqrt(all[t][0]); }
  }
  return { indices, distances };
}

/** Seeded rows: Gaussian values, with some rows copied from others (duplicates at other indices). */
function rows(n: number, d: number, seed: number, offset = 0, scale = 1): Float32Array {
  const r = new Rng(seed), x = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) x[i] = offset + scale * r.normal();
  for (let i = 3; i < n; i += 7) x.copyWithin(i * d, (i - 3) * d, (i - 2) * d);
  return x;
}

function same(actual: { indices: Int32Array; distances: Float64Array }, expected: { indices: Int32Array; distances: Float64Array }, what: string): void {
  assert.deepEqual(Array.from(actual.indices), Array.from(expected.indices), `${what}: indices`);
  assert.deepEqual(Array.from(actual.distances), Array.from(expected.distances), `${what}: distances`);
}

describe('k-nearest-neighbour search', () => {
  for (const backend of availableBackends()) {
    it(`${backend.name}: equals the naive float64 search, blocks of every size, with and without self-exclusion`, () => {
      withKernels(backend, () => {
        const n = 97, m = 41, d = 6, k = 5;
        const ref = rows(n, d, 1), q = rows(m, d, 2);
        // A query that duplicates reference row 10, and one far away.
        q.set(ref.subarray(10 * d, 11 * d), 4 * d);
        q.fill(30, 9 * d, 10 * d);
        const want = naive(ref, n, q, m, d, k);
        for (const [qb, rb] of [[512, 2048], [7, 13], [1, 1], [41, 96], [40, 97]]) {
          same(kNearest(ref, n, q, m, d, k, { queryBlock: qb, leafSize: rb }), want, `new rows, blocks ${qb} x ${rb}`);
        }
        const ex = selfExclusion(n), wantSelf = naive(ref, n, ref, n, d, k, ex);
        for (const [qb, rb] of [[512, 2048], [16, 10], [3, 50]]) {
          same(kNearest(ref, n, ref, n, d, k, { exclude: ex, queryBlock: qb, leafSize: rb }), wantSelf, `self, blocks ${qb} x ${rb}`);
        }
        // Every reference row but itself: k = n - 1.
        same(kNearest(ref, n, ref, n, d, n - 1, { exclude: ex, leafSize: 30 }), naive(ref, n, ref, n, d, n - 1, ex), 'k = n - 1');
      });
    });

    it(`${backend.name}: exact where ||x||^2 + ||y||^2 - 2 x.y cancels (rows at 1000 +- 0.001)`, () => {
      withKernels(backend, () => {
        // float32 x.y carries errors of ~1000^2 x 8 x 6e-8 ~ 0.5, the squared distances are ~1e-5: only the
        // exact recomputation orders them. The k-th distance must still be the naive one.
        const n = 60, d = 8, k = 4, x = rows(n, d, 3, 1000, 0.001);
        same(kNearest(x, n, x, n, d, k, { exclude: selfExclusion(n), leafSize: 16 }), naive(x, n, x, n, d, k, selfExclusion(n)), 'offset rows');
      });
    });
  }

  it('self-search: blocks shared by two leaves give the plain search\'s lists bit for bit, with half the multiply-adds on structureless rows', () => {
    for (const backend of availableBackends()) {
      withKernels(backend, () => {
        // 1,200 Gaussian rows in 12 dimensions (every seventh a copy): the bounds skip few leaves.
        const n = 1200, d = 12, x = rows(n, d, 21), ex = selfExclusion(n);
        for (const [k, leafSize] of [[7, 64], [1, 50], [30, 128]]) {
          const sym = kNearest(x, n, x, n, d, k, { exclude: ex, leafSize }), plain = kNearest(x, n, x, n, d, k, { exclude: ex, leafSize, symmetric: false });
          same(sym, plain, `${backend.name}: k ${k}, leaves ${leafSize}`);
          assert.equal(plain.multipliedPairs, plain.evaluatedPairs);
          assert.ok(sym.multipliedPairs < 0.6 * plain.multipliedPairs, `${backend.name}: multiplied ${sym.multipliedPairs} against ${plain.multipliedPairs}`);
        }
        same(kNearest(x, n, x, n, d, 7, { exclude: ex, leafSize: 64 }), naive(x, n, x, n, d, 7, ex), `${backend.name}: naive`);
        // Rows at 1000 +- 0.001: the transposed side's shift by ||x||^2 - ||y||^2 (~8e6) rounds by far more than the
        // distances (~1e-5); its error bound must still let every neighbour through.
        const m = 400, off = rows(m, 8, 22, 1000, 0.001), exm = selfExclusion(m);
        const got = kNearest(off, m, off, m, 8, 5, { exclude: exm, leafSize: 20 });
        same(got, naive(off, m, off, m, 8, 5, exm), `${backend.name}: offset rows`);
        assert.ok(got.multipliedPairs < 0.75 * m * m, `${backend.name}: offset rows used shared blocks (${got.multipliedPairs} of ${m * m})`);
      });
    }
  });

  it('skips leaves that cannot hold a neighbour: clustered rows evaluate a fraction of the pairs, same result', () => {
    // 8 clusters of 50 rows (spread 0.1) at centres 100 apart: a query's 3 nearest lie in its own cluster, and
    // leaves of 25 rows elsewhere are > 99 away, beyond any k-th distance of about 0.5.
    const r = new Rng(8), d = 4, n = 400, x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) x[i * d + a] = 100 * (a === (i % 4) ? 1 : 0) * (1 + (i % 8 >= 4 ? 1 : 0)) + 0.1 * r.normal();
    const ex = selfExclusion(n), got = kNearest(x, n, x, n, d, 3, { exclude: ex, leafSize: 25, queryBlock: 25 });
    same(got, naive(x, n, x, n, d, 3, ex), 'clustered');
    assert.ok(got.evaluatedPairs <= 0.25 * n * n, `evaluated ${got.evaluatedPairs} of ${n * n} pairs`);
  });

  it('ties across leaves go to the lower index whatever order leaves are visited in (integer grid)', () => {
    const r = new Rng(9), d = 3, n = 150, x = Float32Array.from({ length: n * d }, () => r.int(4));
    const q = Float32Array.from({ length: 30 * d }, () => r.int(5) - 0.5);
    same(kNearest(x, n, q, 30, d, 7, { leafSize: 7, queryBlock: 4 }), naive(x, n, q, 30, d, 7), 'grid, new rows');
    same(kNearest(x, n, x, n, d, 7, { leafSize: 5, exclude: selfExclusion(n) }), naive(x, n, x, n, d, 7, selfExclusion(n)), 'grid, self');
  });

  it('heavily duplicated rows (600 rows, 8 distinct): runs of equal rows give the naive lists, k below and above run lengths', () => {
    const r = new Rng(12), d = 4, n = 600, distinct = Float32Array.from({ length: 8 * d }, () => r.normal());
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) { const c = r.int(8) === 0 ? 7 : r.int(7); x.set(distinct.subarray(c * d, (c + 1) * d), i * d); }
    const q = Float32Array.from({ length: 20 * d }, (_, t) => (t < 8 * d ? distinct[t] : r.normal()));
    for (const backend of availableBackends()) {
      withKernels(backend, () => {
        for (const [k, leafSize] of [[20, 256], [90, 64], [3, 17]]) {
          same(kNearest(x, n, x, n, d, k, { leafSize, exclude: selfExclusion(n) }), naive(x, n, x, n, d, k, selfExclusion(n)), `${backend.name}: self, k ${k}, leaves ${leafSize}`);
          same(kNearest(x, n, q, 20, d, k, { leafSize }), naive(x, n, q, 20, d, k), `${backend.name}: new rows, k ${k}, leaves ${leafSize}`);
          // Equal queries are searched once; an exclusion map of other rows (and none, -1) still applies per query.
          const ex = Int32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : (i * 7) % n));
          same(kNearest(x, n, x, n, d, k, { leafSize, exclude: ex }), naive(x, n, x, n, d, k, ex), `${backend.name}: exclusion map, k ${k}`);
        }
      });
    }
  });

  it('a duplicate of the query at another index is a neighbour at distance 0; only the excluded index is skipped', () => {
    const d = 2, ref = Float32Array.from([0, 0, 1, 1, 0, 0, 5, 5]);
    const r = kNearest(ref, 4, ref, 4, d, 2, { exclude: selfExclusion(4) });
    // Row 1 is sqrt(2) from rows 0 and 2 (a tie: the lower index first); row 3 is sqrt(32) from row 1, sqrt(50) from rows 0 and 2.
    assert.deepEqual(Array.from(r.indices), [2, 1, 0, 2, 0, 1, 1, 0]);
    assert.deepEqual(Array.from(r.distances), [0, Math.SQRT2, Math.SQRT2, Math.SQRT2, 0, Math.SQRT2, Math.sqrt(32), Math.sqrt(50)]);
    // Partial exclusion: query 0 skips reference 2 (its duplicate), query 1 skips nothing.
    const p = kNearest(ref, 4, ref, 2, d, 1, { exclude: Int32Array.from([2, -1]) });
    assert.deepEqual(Array.from(p.indices), [0, 1]);
    assert.deepEqual(Array.from(p.distances), [0, 0]);
  });

  it('exactSqDist sums (x_a - y_a)^2 in float64', () => {
    const a = Float32Array.from([0.1, 3]), b = Float32Array.from([0, 0, 0.2, -1]);
    assert.equal(exactSqDist(a, 0, b, 1, 2), (Math.fround(0.1) - Math.fround(0.2)) ** 2 + 16);
  });

  it('rejects k beyond the reference rows and malformed arguments, naming the problem', () => {
    const x = new Float32Array(10);
    assert.throws(() => kNearest(x, 5, x, 5, 2, 5, { exclude: selfExclusion(5) }), /asked for 5 neighbours but there are only 5 reference rows \(each row is not its own neighbour\); need k <= 4/);
    assert.throws(() => kNearest(x, 5, x, 5, 2, 6), /need k <= 5/);
    assert.throws(() => kNearest(x, 5, x, 5, 2, 0), /k must be an integer >= 1, got 0/);
    assert.throws(() => kNearest(x, 6, x, 5, 2, 1), /shorter than rows x cols/);
    assert.throws(() => kNearest(x, 5, x, 5, 2, 1, { exclude: new Int32Array(4) }), /exclude has 4 entries for 5 queries/);
  });
});
