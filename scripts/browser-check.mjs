// Browser parity check: a model file written in Node loads and scores bit for bit the same in a real browser.
//   npm run build:ts && node scripts/browser-check.mjs [--keep]
// Node side: dist/src/browser.js (the TypeScript backend, as in a browser) fits a small DagmmDetector and writes
// its model bytes. Browser side: a bundle (esbuild, platform browser) of dist/src/browser.js decodes the same bytes,
// loadDetector()s them in headless Chromium and scores the same rows; a copy with one byte flipped must be rejected
// with the checksum error. Prints one JSON line; exit 0 only if every score is identical.
// Needs Debian's chromium (/usr/bin/chromium, or set CHROMIUM). Not part of `npm test` (CI has no Chromium).
import { spawnSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const t0 = performance.now();
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const browserEntry = join(root, 'dist', 'src', 'browser.js');
const keep = process.argv.includes('--keep');

function fail(message, extra = {}) {
  console.log(JSON.stringify({ ok: false, error: message, ...extra }));
  console.error(`browser-check: ${message}`);
  process.exit(1);
}

if (!existsSync(browserEntry)) fail(`${browserEntry} not found: run npm run build:ts first`);
if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} not found: install Debian's chromium package (apt-get install -y chromium) or set CHROMIUM`);

let esbuild;
try { esbuild = await import('esbuild'); } catch { fail('esbuild is not installed: run npm install (it is a devDependency)'); }

// ---- Node: fit, write the model file, score -------------------------------------------------------------
const lib = await import(pathToFileURL(browserEntry).href);
const { DagmmDetector, Rng, loadDetector, kernels, LIBRARY_VERSION } = lib;

const FEATURES = 5;
/** Rows on a noisy 2-D manifold in 5-D (correlated features), plus `outliers` rows far off it. */
function synthetic(rng, rows, outliers = 0) {
  const out = [];
  for (let i = 0; i < rows; i++) {
    const a = rng.normal(), b = rng.normal();
    const row = [a, 0.6 * a + 0.4 * b, b, a - b, 0.5 * a * b].map((v) => v + 0.05 * rng.normal());
    if (i >= rows - outliers) row[rng.int(FEATURES)] += 4 + 2 * rng.uniform();
    out.push(row);
  }
  return out;
}
const rng = new Rng(7);
const train = synthetic(rng, 300);
const test = synthetic(rng, 50, 5);

const det = new DagmmDetector({ seed: 1, epochs: 30, batchSize: 64 });
det.fit(train);
const bytes = det.toBytes('2026-01-01T00:00:00.000Z');
const nodeScores = Array.from(det.scoreSamples(test));
const nodePredict = Array.from(det.predict(test));
// Sanity on the Node side too: the reloaded file scores like the fitted detector.
const reloaded = Array.from(loadDetector(bytes).scoreSamples(test));
if (!reloaded.every((s, i) => Object.is(s, nodeScores[i]))) fail('Node: loadDetector(toBytes()) scores differ from the fitted detector');

const tampered = Uint8Array.from(bytes);
const flipAt = Math.floor(bytes.length / 2);
tampered[flipAt] ^= 0xff;

// ---- Bundle the browser script --------------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'aberrant-browser-check-'));
const payload = {
  model: Buffer.from(bytes).toString('base64'),
  tampered: Buffer.from(tampered).toString('base64'),
  rows: test,
};
const entrySource = `
import { loadDetector, kernels, LIBRARY_VERSION } from ${JSON.stringify(browserEntry)};
const payload = JSON.parse(document.getElementById('payload').textContent);
const out = document.getElementById('out');
function decode(b64) { const s = atob(b64); const u = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i); return u; }
const result = { userAgent: navigator.userAgent, libraryVersion: LIBRARY_VERSION, backend: kernels().name };
try {
  const t = performance.now();
  const det = loadDetector(decode(payload.model), 'model.abr');
  result.scores = Array.from(det.scoreSamples(payload.rows));
  result.predict = Array.from(det.predict(payload.rows));
  result.threshold = det.threshold;
  result.milliseconds = performance.now() - t;
  try { loadDetector(decode(payload.tampered), 'tampered.abr'); result.tamper = { rejected: false }; }
  catch (e) { result.tamper = { rejected: true, name: e.name, code: e.code ?? null, message: String(e.message) }; }
} catch (e) {
  result.error = String(e && e.stack || e);
}
out.textContent = JSON.stringify(result);
`;
writeFileSync(join(work, 'entry.js'), entrySource);
const built = await esbuild.build({
  entryPoints: [join(work, 'entry.js')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
  minify: true, write: false, logLevel: 'silent', absWorkingDir: work,
});
const bundle = built.outputFiles[0].text;
const bundleBytes = Buffer.byteLength(bundle);

// file:// pages cannot load module scripts from other files (origin null), so the bundle goes inline; the model
// bytes (base64) and the rows travel as a JSON data block beside it.
const html = `<!doctype html><html><head><meta charset="utf-8"><title>aberrant browser check</title></head>
<body><pre id="out">pending</pre>
<script type="application/json" id="payload">${JSON.stringify(payload).replace(/</g, '\\u003c')}</script>
<script type="module">${bundle.replace(/<\/(script)/gi, '<\\/$1')}</script>
</body></html>`;
const page = join(work, 'check.html');
writeFileSync(page, html);

// ---- Chromium ------------------------------------------------------------------------------------------
const version = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).stdout.trim();
const run = spawnSync(CHROMIUM, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', `--user-data-dir=${join(work, 'profile')}`,
  '--virtual-time-budget=30000', '--dump-dom', pathToFileURL(page).href,
], { encoding: 'utf8', timeout: 180_000, maxBuffer: 256 * 1024 * 1024 });
if (!keep) rmSync(work, { recursive: true, force: true });
if (run.error) fail(`could not run ${CHROMIUM}: ${run.error.message}`);
if (run.status !== 0) fail(`chromium exited with ${run.status}`, { stderr: run.stderr.slice(-2000) });

const m = /<pre id="out">([\s\S]*?)<\/pre>/.exec(run.stdout);
if (!m) fail('no <pre id="out"> in the dumped DOM', { dom: run.stdout.slice(0, 2000) });
const text = m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
if (text === 'pending') fail('the page script did not run (still "pending")', { stderr: run.stderr.slice(-2000) });
const browser = JSON.parse(text);
if (browser.error) fail(`browser: ${browser.error}`);

// ---- Compare ---------------------------------------------------------------------------------------------
// JSON prints the shortest string that round-trips a double, so equality after the round trip is bit equality.
const nodeRoundTrip = JSON.parse(JSON.stringify(nodeScores));
let maxAbsDiff = 0, mismatches = 0;
for (let i = 0; i < nodeScores.length; i++) {
  const a = nodeRoundTrip[i], b = browser.scores[i];
  if (!Object.is(a, b)) mismatches++;
  maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a - b));
}
const identical = browser.scores.length === nodeScores.length && mismatches === 0
  && Object.is(browser.threshold, det.threshold)
  && browser.predict.length === nodePredict.length && browser.predict.every((p, i) => p === nodePredict[i]);
const tamperOk = browser.tamper.rejected && /checksum mismatch/.test(browser.tamper.message);
const nodeBackend = kernels().name;
const ok = identical && tamperOk && browser.libraryVersion === LIBRARY_VERSION && nodeBackend === 'typescript' && browser.backend === 'typescript';

console.log(JSON.stringify({
  ok, rows: nodeScores.length, maxAbsDiff, identical, mismatches,
  threshold: { node: det.threshold, browser: browser.threshold },
  flagged: { node: nodePredict.reduce((s, v) => s + v, 0), browser: browser.predict.reduce((s, v) => s + v, 0) },
  tampered: { flippedByte: flipAt, rejected: browser.tamper.rejected, checksumError: tamperOk, message: browser.tamper.message ?? null },
  modelBytes: bytes.length, bundleBytes, browserScoreMs: Math.round(browser.milliseconds * 10) / 10,
  backend: { node: nodeBackend, browser: browser.backend }, chromium: version, libraryVersion: LIBRARY_VERSION,
  ...(keep ? { kept: work } : {}),
  seconds: Math.round((performance.now() - t0) / 10) / 100,
}));
process.exit(ok ? 0 : 1);
