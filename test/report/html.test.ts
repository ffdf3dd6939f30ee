/** The HTML report: sections, self-containment, escaping, optional parts, numbers, errors and speed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auroc, averagePrecision } from '../../src/metrics/ranking.js';
import { renderReportHtml } from '../../src/report/html.js';
import { randomInput, smallInput } from './make-input.js';

const count = (text: string, needle: string): number => text.split(needle).length - 1;

describe('renderReportHtml', () => {
  it('has every section and figure for labelled data with an embedding', () => {
    const html = renderReportHtml(smallInput());
    assert.ok(html.startsWith('<!DOCTYPE html>\n<html lang="en">'));
    for (const id of ['summary', 'scores', 'evaluation', 'embedding', 'top-anomalies']) assert.equal(count(html, `id="${id}"`), 1, id);
    for (const fig of ['score-histogram', 'score-cdf', 'roc', 'precision-recall', 'embedding-1', 'embedding-2']) {
      assert.equal(count(html, `id="fig-${fig}"`), 1, fig);
    }
    assert.equal(count(html, '<svg '), 6);
    assert.match(html, /<th scope="row">network<\/th><td>FC\(6,4,tanh\)-FC\(4,1\)<\/td>/);
    assert.match(html, /Generated 2026-01-15T09:30:00.000Z/);
    assert.match(html, /Squared reconstruction error per feature\./);
  });

  it('states the hand-computed numbers', () => {
    // scores 1..8, threshold 5.5: rows 5, 6, 7 flagged; anomalies are rows 2, 6, 7
    const html = renderReportHtml(smallInput());
    assert.match(html, /3 of 8 rows \(37\.5%\) score above the threshold 5\.5 \(fixed for the test\)/);
    assert.match(html, /TP 2<\/td><td class="fp">FP 1<\/td>/);
    assert.match(html, /FN 1<\/td><td class="tn">TN 4<\/td>/);
    assert.match(html, /<th scope="row">F1<\/th><td>0\.6667<\/td>/);
    // Mann-Whitney: 3 beats 2 negatives, 7 and 8 beat all 5 -> 12 / 15; AP = 1/3 + 1/3 + (1/3)(3/6)
    assert.match(html, /ROC curve \(AUROC 0\.8000\)/);
    assert.match(html, /average precision 0\.8333/);
  });

  it('states the AUROC and AP of metrics/ranking.ts on tied random data', () => {
    const input = randomInput(3000, 9);
    input.scores = input.scores.map((s) => Math.round(s * 4) / 4); // coarse grid: many ties across classes
    const html = renderReportHtml(input);
    assert.ok(html.includes(`AUROC ${auroc(input.scores, input.labels!).toFixed(4)}`));
    assert.ok(html.includes(`average precision ${averagePrecision(input.scores, input.labels!).toFixed(4)}`));
  });

  it('references nothing outside the file', () => {
    const html = renderReportHtml(randomInput(3000));
    for (const bad of [/https?:\/\//, /\bsrc\s*=/, /\bhref\s*=/, /url\(/, /@import/, /<link\b/, /<img\b/, /<iframe\b/]) {
      assert.doesNotMatch(html, bad);
    }
    assert.equal(count(html, '<script'), 1, 'only the inline sort script');
  });

  it('escapes text from the input everywhere', () => {
    const evil = '<script>alert(1)</script>';
    const input = smallInput({
      title: `Report ${evil}`,
      scoreName: `energy ${evil}`,
      model: { detector: evil, summary: { [evil]: evil } },
      embedding: { names: [evil, 'b"c', "d'e"], values: new Float32Array(24) },
      contributionMethod: evil,
      topAnomalies: [{ row: 1, score: 2, contributions: [{ feature: evil, value: evil, contribution: 1 }] }],
    });
    const html = renderReportHtml(input);
    assert.equal(count(html, '<script'), 1, 'only the inline sort script');
    assert.ok(count(html, '&lt;script&gt;alert(1)&lt;/script&gt;') >= 10);
    assert.match(html, /b&quot;c/);
    assert.match(html, /d&#39;e/);
  });

  it('works without labels: no evaluation section, flagged rows highlighted', () => {
    const html = renderReportHtml(smallInput({ labels: null }));
    assert.doesNotMatch(html, /id="evaluation"|id="fig-roc"|AUROC|<th scope="col">label<\/th>/);
    assert.match(html, /No labels were given/);
    assert.match(html, /flagged, 3<\/text>/);
    assert.match(html, /not flagged, 5 drawn/);
  });

  it('works without an embedding', () => {
    const html = renderReportHtml(smallInput({ embedding: null }));
    assert.doesNotMatch(html, /id="embedding"/);
    assert.match(html, /id="evaluation"/);
  });

  it('plots a single embedding column against the score', () => {
    const html = renderReportHtml(smallInput({ embedding: { names: ['z'], values: new Float32Array(8) } }));
    assert.match(html, /sample energy against z/);
    assert.equal(count(html, 'id="fig-embedding-'), 1);
  });

  it('says when a scatter plot is subsampled', () => {
    assert.match(renderReportHtml(smallInput()), /All 8 rows drawn\./);
    assert.match(renderReportHtml(randomInput(10000)), /Subsampled: 4,000 of 10,000 rows drawn, every labelled anomaly row/);
  });

  it('numbers top-anomaly rows from 1, as aberrant score does, and labels each with its own row', () => {
    // labels 0,0,1,0,...: row 3 (the third) is an anomaly, row 4 is not.
    const html = renderReportHtml(smallInput({ topAnomalies: [{ row: 3, score: 3, contributions: [] }, { row: 4, score: 4, contributions: [] }] }));
    const cells = [...html.matchAll(/<td data-value="(\d+)">\d+<\/td><td data-value="[^"]*">[^<]*<\/td><td>(anomaly|normal)<\/td>/g)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(cells, ['3 anomaly', '4 normal']);
    assert.match(html, /Rows are numbered from 1/);
  });
  it('lists contributions largest first with bars scaled to the largest', () => {
    const html = renderReportHtml(smallInput());
    const row8 = html.slice(html.indexOf('data-value="8"'), html.indexOf('data-value="2"'));
    assert.ok(row8.indexOf('bytes') < row8.indexOf('proto'));
    assert.match(row8, /class="bar pos" style="width:90px"/);
    assert.match(row8, /class="bar neg" style="width:30px"/);
    assert.match(row8, /<span class="feature">proto<\/span> = <span class="value">udp<\/span>/);
    const many = Array.from({ length: 9 }, (_, i) => ({ feature: `f${i}`, value: i, contribution: i }));
    const more = renderReportHtml(smallInput({ topAnomalies: [{ row: 1, score: 1, contributions: many }] }));
    assert.match(more, /and 3 more/);
    assert.doesNotMatch(more, />f2</);
  });

  it('renders constant scores', () => {
    const html = renderReportHtml(smallInput({ scores: new Float64Array(8).fill(3), threshold: 3 }));
    assert.match(html, /0 of 8 rows \(0%\) score above/);
    assert.match(html, /AUROC 0\.5000/);
  });

  it('renders a single row, whose one label leaves the curves undefined', () => {
    const html = renderReportHtml(smallInput({
      scores: Float64Array.from([2]), threshold: 1, labels: Uint8Array.from([1]), embedding: { names: ['a', 'b'], values: Float32Array.from([1, 2]) }, topAnomalies: [],
    }));
    assert.match(html, /1 of 1 rows \(100%\) score above/);
    assert.match(html, /only anomalies, so ROC and precision-recall curves are undefined/);
    assert.doesNotMatch(html, /id="fig-roc"/);
    assert.match(html, /No anomalies were listed/);
  });

  it('rejects non-finite scores and mismatched inputs, naming the row', () => {
    const scores = Float64Array.from([1, 2, 3, 4, NaN, 6, 7, 8]);
    assert.throws(() => renderReportHtml(smallInput({ scores })), { message: 'report: score at row 4 is NaN; every score must be finite' });
    scores[4] = -Infinity;
    assert.throws(() => renderReportHtml(smallInput({ scores })), { message: 'report: score at row 4 is -Infinity; every score must be finite' });
    assert.throws(() => renderReportHtml(smallInput({ labels: new Uint8Array(3) })), { message: 'report: 8 scores but 3 labels' });
    assert.throws(() => renderReportHtml(smallInput({ embedding: { names: ['a', 'b'], values: new Float32Array(15) } })),
      { message: 'report: embedding has 15 values, expected 8 rows x 2 columns = 16' });
    const values = new Float32Array(16); values[7] = NaN;
    assert.throws(() => renderReportHtml(smallInput({ embedding: { names: ['a', 'b'], values } })),
      { message: 'report: embedding value at row 3, column "b" is NaN' });
    assert.throws(() => renderReportHtml(smallInput({ scores: new Float64Array(0) })), { message: 'report: no scores (need at least one row)' });
    assert.throws(() => renderReportHtml(smallInput({ threshold: NaN })), { message: 'report: threshold must be finite, got NaN' });
  });

  it('keeps the report bounded for 200,000 rows (its speed is measured by bench/report.ts)', () => {
    const html = renderReportHtml(randomInput(200000, 5));
    assert.ok(html.length < 1_000_000, `${html.length} characters`);
    assert.match(html, /Subsampled: [\d,]+ of 200,000 rows drawn, every labelled anomaly row/);
  });
});
