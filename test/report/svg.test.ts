/** Standalone SVG plots and the plot layer: keys, namespaces, escaping, histogram colouring, ECDF points. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyseReport } from '../../src/report/analyse.js';
import { COLORS } from '../../src/report/palette.js';
import { countAtOrBelow, ecdfPoints, scoreHistogram } from '../../src/report/plot-scores.js';
import { renderPlotsSvg } from '../../src/report/plots.js';
import { Plot } from '../../src/report/svg.js';
import { randomInput, smallInput } from './make-input.js';

const count = (text: string, needle: string): number => text.split(needle).length - 1;

describe('renderPlotsSvg', () => {
  it('returns every plot as a standalone SVG document', () => {
    const svgs = renderPlotsSvg(smallInput());
    assert.deepEqual(Object.keys(svgs), ['score-histogram', 'score-cdf', 'roc', 'precision-recall', 'embedding-1', 'embedding-2']);
    for (const [key, svg] of Object.entries(svgs)) {
      assert.ok(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 560 340"'), key);
      assert.ok(svg.endsWith('</svg>\n'), key);
      assert.equal(count(svg, '<svg'), 1, key);
    }
  });
  it('leaves out the label plots without labels', () => {
    assert.deepEqual(Object.keys(renderPlotsSvg(smallInput({ labels: null, embedding: null }))), ['score-histogram', 'score-cdf']);
  });
  it('escapes a feature name in a plot', () => {
    const svgs = renderPlotsSvg(smallInput({ embedding: { names: ['z', '<script>x</script>'], values: new Float32Array(16) } }));
    assert.doesNotMatch(svgs['embedding-1'], /<script/);
    assert.match(svgs['embedding-1'], /&lt;script&gt;x&lt;\/script&gt; against z/);
  });
});

describe('score histogram', () => {
  it('colours the bins wholly above the threshold', () => {
    // scores 1..8 over [1, 8] in 10 bins of 0.7: each score alone in a bin; bins starting at 5.9, 6.6, 7.3 are above 5.5
    const input = smallInput();
    const fig = scoreHistogram(input, analyseReport(input));
    assert.deepEqual(Array.from(fig.histogram.counts), [1, 1, 1, 0, 1, 1, 0, 1, 1, 1]);
    assert.equal(fig.logY, false);
    const svg = fig.plot.toSvg();
    assert.equal(count(svg, `fill="${COLORS.anomaly}"`), 3 + 1, 'three bars and the legend swatch');
    assert.equal(count(svg, `fill="${COLORS.neutral}"`), 5 + 1, 'five bars and the legend swatch');
  });
  it('log-scales the counts when they are very skewed, and the counts sum to n', () => {
    const input = randomInput(20000);
    const fig = scoreHistogram(input, analyseReport(input));
    assert.equal(fig.logY, true);
    assert.match(fig.plot.toSvg(), /rows \(log scale\)/);
    assert.equal(fig.histogram.counts.reduce((s, c) => s + c, 0), 20000);
  });
});

describe('empirical CDF', () => {
  it('has one point per distinct value, padded to the axis ends', () => {
    const { xs, ys } = ecdfPoints(Float64Array.from([1, 2, 2, 5]), [0, 6]);
    assert.deepEqual(Array.from(xs), [0, 1, 2, 5, 6]);
    assert.deepEqual(Array.from(ys), [0, 0.25, 0.75, 1, 1]);
    assert.deepEqual([0.5, 2, 4.9, 5].map((t) => countAtOrBelow(Float64Array.from([1, 2, 2, 5]), t)), [0, 3, 3, 4]);
  });
});

describe('Plot', () => {
  it('escapes its title and axis labels and marks a threshold on the side with room', () => {
    const p = new Plot('<t>', { label: 'a&b', domain: [0, 10] }, { label: '"y"', domain: [0, 1] });
    p.verticalLine(2, 'low');
    p.verticalLine(9, 'high');
    const svg = p.toSvg();
    assert.match(svg, /<title>&lt;t&gt;<\/title>/);
    assert.match(svg, />a&amp;b<\/text>/);
    assert.match(svg, />&quot;y&quot;<\/text>/);
    assert.match(svg, /text-anchor="start"[^>]*>low</);
    assert.match(svg, /text-anchor="end"[^>]*>high</);
    assert.doesNotMatch(svg, /xmlns/);
  });
});
