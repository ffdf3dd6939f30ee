// Report rendering speed: milliseconds to render the HTML report for 200,000 rows (after a warm-up), and
// the output size (the report subsamples, so it must stay bounded). Prints one JSON object.
//   node dist/bench/report.js [--rows N]
import { renderReportHtml } from '../src/report/index.js';
import { randomInput } from '../test/report/make-input.js';

const argv = process.argv.slice(2);
const ri = argv.indexOf('--rows');
const rows = ri >= 0 ? Number(argv[ri + 1]) : 200_000;
renderReportHtml(randomInput(2000)); // compile the hot paths first
const input = randomInput(rows, 5);
const times: number[] = [];
let chars = 0;
for (let k = 0; k < 5; k++) {
  const t0 = performance.now();
  chars = renderReportHtml(input).length;
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ bench: 'report-html', rows, rounds: times.length, median_ms: times[2], min_ms: times[0], html_chars: chars, target_ms: 1000 }));
