/** reportViews: the report's pieces for an interactive page, at any threshold, with the histogram's axis. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reportViews } from '../../src/report/views.js';
import { smallInput } from './make-input.js';

/** x of the dashed threshold line in a histogram SVG. */
function thresholdLineX(svg: string): number {
  const m = /<line x1="([\d.]+)" y1="[\d.]+" x2="[\d.]+" y2="[\d.]+" stroke="[^"]+" stroke-width="1.5" stroke-dasharray="5 3"\/>/.exec(svg);
  assert.ok(m, 'the histogram has a threshold line');
  return Number(m[1]);
}

describe('reportViews', () => {
  it('counts rows strictly above the threshold it is given', () => {
    assert.equal(reportViews(smallInput()).flaggedCount, 3); // scores 6, 7, 8 > 5.5
    assert.equal(reportViews(smallInput({ threshold: 0.5 })).flaggedCount, 8);
    assert.equal(reportViews(smallInput({ threshold: 8 })).flaggedCount, 0);
    assert.equal(reportViews(smallInput({ threshold: 7 })).rows, 8);
  });

  it('gives the histogram axis that maps a score to the threshold line\'s pixel (for dragging)', () => {
    for (const t of [2.25, 5.5, 7.9]) {
      const v = reportViews(smallInput({ threshold: t }));
      const { domain: [d0, d1], pixels: [p0, p1], width } = v.scoreAxis;
      assert.equal(width, 560);
      assert.deepEqual([d0, d1], [1, 8]); // every score and the threshold lie in [1, 8]
      const px = p0 + ((t - d0) / (d1 - d0)) * (p1 - p0);
      assert.ok(Math.abs(thresholdLineX(v.scores[0].svg) - px) <= 0.05, `threshold ${t}: line at ${thresholdLineX(v.scores[0].svg)}, axis says ${px}`);
    }
  });

  it('has ROC, precision-recall and the confusion matrix only with labels, the learned space only with an embedding', () => {
    const v = reportViews(smallInput());
    assert.deepEqual(v.scores.map((f) => f.key), ['score-histogram', 'score-cdf']);
    assert.deepEqual(v.evaluation.map((f) => f.key), ['roc', 'precision-recall']);
    // Labelled anomalies: rows 3, 7, 8; flagged: 6, 7, 8.
    assert.match(v.confusion!, /TP 2<\/td>.*FP 1<\/td>.*FN 1<\/td>.*TN 4<\/td>/);
    assert.match(v.confusion!, /3 of 8 rows are labelled anomalies/);
    assert.deepEqual(v.embedding.map((f) => f.key), ['embedding-1', 'embedding-2']);
    const bare = reportViews(smallInput({ labels: null, embedding: null }));
    assert.deepEqual([bare.evaluation, bare.confusion, bare.embedding], [[], null, []]);
  });

  it('renders the top-anomalies table, one body row per anomaly, with contributions', () => {
    const html = reportViews(smallInput()).topAnomalies;
    assert.equal(html.match(/<tr><td data-value/g)?.length, 2);
    assert.match(html, /<span class="feature">bytes<\/span>/);
  });
});
