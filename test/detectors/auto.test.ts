/**
 * auto: the normalisations on hand-computed cases; members fitted as if alone (same scores as the member
 * detector fitted directly on the rows, by the affine invariance of their scaling); the combined score from
 * the members' scores; members recorded in and restored from the model file exactly; determinism; the planted
 * floor; errors naming the member.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AutoDetector, combineMembers, memberStats, normalise } from '../../src/detectors/auto/detector.js';
import { createDetector, loadDetector } from '../../src/detectors/registry.js';
import { decodeModelFile } from '../../src/io/model-file.js';
import { auroc } from '../../src/metrics/ranking.js';
import { toTable } from '../../src/detectors/detector.js';
import { buildReportInput } from '../../src/report/from-detector.js';
import { renderReportHtml } from '../../src/report/html.js';
import { planted } from '../support/planted.js';

const MEMBERS = ['iforest', 'pca', 'ecod'];

describe('auto', () => {
  it('normalises by the training scores: zscore, robust and rank on a hand-computed case', () => {
    const st = memberStats(Float64Array.from([1, 2, 3, 4, 10]));
    assert.equal(st.mean, 4);
    assert.ok(Math.abs(st.std - Math.sqrt(50 / 5)) < 1e-12);
    assert.equal(st.median, 3);
    assert.equal(st.iqr, 4 - 2);
    assert.ok(Math.abs(normalise('zscore', st, 7) - 3 / Math.sqrt(10)) < 1e-12);
    assert.equal(normalise('robust', st, 7), 2);
    // Quantiles interpolate linearly between the sorted values (numpy's default): 2.5 lies halfway between
    // the 2nd and 3rd of 5 values, i.e. at 0.375 of the distribution; beyond the range saturates.
    assert.ok(Math.abs(normalise('rank', st, 2.5) - 0.375) < 1e-9);
    assert.equal(normalise('rank', st, 0), 0);
    assert.equal(normalise('rank', st, 11), 1);
    // A constant member does not divide by zero.
    const flat = memberStats(Float64Array.from([2, 2, 2]));
    assert.ok(Number.isFinite(normalise('zscore', flat, 3)) && normalise('zscore', flat, 3) > 0);
  });

  it('tempers standardised scores beyond 3 standard deviations and silences a member whose training scores do not spread', () => {
    const st = memberStats(Float64Array.from([1, 2, 3, 4, 10])); // mean 4, std sqrt(10)
    const sd = Math.sqrt(10);
    // Inside +-3: the z-score itself.
    assert.ok(Math.abs(normalise('tempered', st, 7) - 3 / sd) < 1e-12);
    // z = 5 -> 3 + ln(3); z = -4 -> -(3 + ln(2)).
    assert.ok(Math.abs(normalise('tempered', st, 4 + 5 * sd) - (3 + Math.log(3))) < 1e-12);
    assert.ok(Math.abs(normalise('tempered', st, 4 - 4 * sd) + (3 + Math.log(2))) < 1e-12);
    // Monotone, and a row a billion standard deviations out counts for about 24, not a billion.
    assert.ok(normalise('tempered', st, 4 + 1e9 * sd) < 25);
    assert.ok(normalise('tempered', st, 4 + 1e9 * sd) > normalise('tempered', st, 4 + 1e8 * sd));
    // Constant up to float32 rounding (relative spread 1e-8): no scale, so no vote.
    const flat = memberStats(Float64Array.from([191, 191 * (1 + 1e-8), 191 * (1 - 1e-8)]));
    assert.equal(normalise('tempered', flat, 1e9), 0);
    assert.ok(normalise('zscore', flat, 1e9) > 1e12, 'zscore divides by the rounding noise (the case tempered guards)');
  });

  it('combines normalised member scores: mean, max, and Thresh (negatives count as 0, then the mean)', () => {
    const per = [Float64Array.from([2, -3, 0.5]), Float64Array.from([-1, -1, 4]), Float64Array.from([0.5, 6, -2])];
    const run = (c: 'mean' | 'max' | 'thresh') => Array.from(combineMembers(c, per, new Float64Array(3)));
    assert.deepEqual(run('mean'), [1.5 / 3, 2 / 3, 2.5 / 3]);
    assert.deepEqual(run('max'), [2, 6, 4]);
    assert.deepEqual(run('thresh'), [2.5 / 3, 6 / 3, 4.5 / 3]);
    // Through the detector: thresh never scores below 0 and keeps the default members.
    const { train, test } = planted(5);
    const s = new AutoDetector({ members: MEMBERS, combine: 'thresh', seed: 2 }).fit(train).scoreSamples(test);
    assert.ok(s.every((v) => v >= 0 && Number.isFinite(v)));
  });

  it('scores its own training rows from the members\' training scores (kNN without each row as its own neighbour)', () => {
    const { train: rows } = planted(5);
    const a = new AutoDetector({ members: ['knn', 'ecod'], normalisation: 'tempered', seed: 3 }).fit(rows);
    const want = Float64Array.from(rows, (_, i) => a.fittedMembers.reduce((acc, m) => acc + normalise('tempered', m.stats, m.model.trainingScores![i]), 0) / 2);
    const got = a.trainingScores!;
    for (let i = 0; i < rows.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-9, `row ${i}: ${got[i]} vs ${want[i]}`);
    // Scoring the same rows again is scoring new rows: kNN finds each at distance 0, so auto's scores drop.
    const again = a.scoreSamples(rows);
    assert.ok(again.some((v, i) => v < got[i] - 1e-6));
  });

  const { train, test, labels } = planted(4);
  const auto = new AutoDetector({ members: MEMBERS, seed: 9 }).fit(train);
  /** Rows as the members see them: through auto's preprocessing. */
  const inner = (rows: number[][]) => { const t = auto.transform(rows); return { data: t.x, rows: t.rows, cols: t.cols }; };

  it('fits each member as if alone and averages their tempered standardised scores (the default)', () => {
    const scores = auto.scoreSamples(test);
    const per = auto.fittedMembers.map((m) => {
      // The member detector fitted directly on the raw rows, with the seed auto gave it.
      const alone = createDetector(m.detector, m.params).fit(train);
      const s = alone.scoreSamples(test), ref = m.model.scoreSamples(inner(test));
      for (let i = 0; i < s.length; i++) assert.ok(Math.abs(s[i] - ref[i]) <= 1e-4 * Math.max(1, Math.abs(s[i])), `${m.detector} row ${i}: ${s[i]} vs ${ref[i]}`);
      const st = memberStats(alone.trainingScores!);
      return Array.from(s, (v) => normalise('tempered', st, v));
    });
    for (let i = 0; i < test.length; i++) {
      const want = per.reduce((a, p) => a + p[i], 0) / per.length;
      assert.ok(Math.abs(scores[i] - want) <= 1e-3 * Math.max(1, Math.abs(want)), `row ${i}: ${scores[i]} vs ${want}`);
    }
    assert.deepEqual(auto.fittedMembers.map((m) => m.detector), MEMBERS);
    assert.match(auto.explain(), /iforest, pca, ecod/);
  });

  it('finds planted anomalies at least as well as its weakest member', () => {
    const a = auroc(auto.scoreSamples(test), Uint8Array.from(labels));
    const weakest = Math.min(...auto.fittedMembers.map((m) => auroc(m.model.scoreSamples(inner(test)), Uint8Array.from(labels))));
    assert.ok(a >= weakest, `auto ${a} < weakest member ${weakest}`);
    // Anomalies sit 25 noise standard deviations off the inliers' plane: any sensible ensemble ranks them first.
    assert.ok(a > 0.95, `AUROC ${a}`);
  });

  it('records its members in the model file and restores them exactly', () => {
    const bytes = auto.toBytes();
    const { manifest } = decodeModelFile(bytes);
    const resolved = (manifest.config as { resolved: { members: { detector: string }[] } }).resolved;
    assert.deepEqual(resolved.members.map((m) => m.detector), MEMBERS);
    const back = loadDetector(bytes) as AutoDetector;
    assert.deepEqual(Array.from(back.scoreSamples(test)), Array.from(auto.scoreSamples(test)));
    assert.deepEqual(back.fittedMembers.map((m) => m.params), auto.fittedMembers.map((m) => m.params));
    assert.equal(back.threshold, auto.threshold);
  });

  it('the report lists each member\'s score for the top anomalies, and they average to the row\'s score', () => {
    const table = toTable(test);
    const input = buildReportInput(auto, table, { top: 5 });
    assert.equal(input.topAnomalies.length, 5);
    for (const a of input.topAnomalies) {
      assert.deepEqual(a.members!.map((m) => m.detector), MEMBERS);
      const mean = a.members!.reduce((s, m) => s + m.score, 0) / MEMBERS.length;
      assert.ok(Math.abs(mean - a.score) <= 1e-9 * Math.max(1, Math.abs(a.score)), `row ${a.row}: ${mean} vs ${a.score}`);
    }
    assert.match(renderReportHtml(input), /members \(normalised score\)/);
  });

  it('is deterministic for a seed and differs between seeds (iforest is random)', () => {
    const again = new AutoDetector({ members: MEMBERS, seed: 9 }).fit(train).scoreSamples(test);
    assert.deepEqual(Array.from(again), Array.from(auto.scoreSamples(test)));
    const other = new AutoDetector({ members: MEMBERS, seed: 10 }).fit(train).scoreSamples(test);
    assert.notDeepEqual(Array.from(other), Array.from(again));
  });

  it('on a handful of rows lowers the k it chose for knn to the other rows, keeps it in the model file, and keeps a k it was given', () => {
    for (const rows of [2, 3, 5]) {
      const data = Float32Array.from({ length: rows * 2 }, (_, i) => (i * 7919) % 13);
      const auto = new AutoDetector({ seed: 2 }).fit({ data, rows, cols: 2 });
      const knn = auto.fittedMembers.find((m) => m.detector === 'knn')!;
      assert.equal(knn.params.nNeighbors, rows - 1);
      assert.equal(knn.model.resolvedConfig().nNeighbors, rows - 1);
      const scores = auto.scoreSamples({ data, rows, cols: 2 });
      assert.ok(scores.every(Number.isFinite));
      const back = loadDetector(auto.toBytes()) as AutoDetector;
      assert.deepEqual(Array.from(back.scoreSamples({ data, rows, cols: 2 })), Array.from(scores));
    }
    // Six rows leave the default k (5) as it is.
    const six = new AutoDetector({ seed: 2 }).fit({ data: Float32Array.from({ length: 12 }, (_, i) => (i * 7919) % 13), rows: 6, cols: 2 });
    assert.equal(six.fittedMembers.find((m) => m.detector === 'knn')!.params.nNeighbors, undefined);
  });

  it('rejects unknown, self and repeated members, naming them', () => {
    assert.throws(() => new AutoDetector({ members: ['iforest', 'nosuch'] }), /unknown member detector "nosuch"/);
    assert.throws(() => new AutoDetector({ members: ['auto'] }), /auto cannot be its own member/);
    assert.throws(() => new AutoDetector({ members: ['pca', 'pca'] }), /member 2 .* repeats member 1/);
    assert.throws(() => new AutoDetector({ members: [] }), /members/);
    // A member that cannot be fitted (knn with a k the user gave needs more rows) is named, with the way out.
    const twoRows = { data: Float32Array.from([0, 1, 2, 3]), rows: 2, cols: 2 };
    const withK = ['iforest', { detector: 'knn', params: { nNeighbors: 5 } }];
    assert.throws(() => new AutoDetector({ seed: 1, members: withK }).fit(twoRows), /auto: member 2 \(knn\) could not be fitted on 2 rows x 2 columns: .*nNeighbors \(5\).*--model iforest/);
    // The same detector with different parameters is two members.
    assert.doesNotThrow(() => new AutoDetector({ members: ['pca', { detector: 'pca', params: { score: 'reconstruction' } }] }));
  });
});
