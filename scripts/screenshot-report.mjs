// Screenshot of an HTML report with Debian's headless Chromium:
//   node scripts/screenshot-report.mjs <report.html> <out.png> [--height 3200] [--width 1280]
// The page height is not known to the command line, so pass --height tall enough for the report.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

function fail(message) {
  console.error(`screenshot-report: ${message}`);
  process.exit(1);
}

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args.splice(i, 2)[1]);
  if (!(Number.isInteger(v) && v > 0)) fail(`${name} needs a positive integer`);
  return v;
};
const height = option('--height', 3200), width = option('--width', 1280);
if (args.length !== 2) fail('usage: node scripts/screenshot-report.mjs <report.html> <out.png> [--height N] [--width N]');
const [input, output] = args.map((p) => resolve(p));
if (!existsSync(input)) fail(`no such file: ${input}`);
if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} not found: install Debian's chromium package (apt-get install -y chromium) or set CHROMIUM`);

const profile = mkdtempSync(join(tmpdir(), 'aberrant-chromium-'));
try {
  const r = spawnSync(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--hide-scrollbars', '--force-device-scale-factor=1',
    `--user-data-dir=${profile}`, `--window-size=${width},${height}`, `--screenshot=${output}`, pathToFileURL(input).href,
  ], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) fail(`could not run ${CHROMIUM}: ${r.error.message}`);
  if (r.status !== 0 || !existsSync(output)) fail(`chromium exited with ${r.status}\n${r.stderr}`);
  console.log(`${output}: ${width}x${height}, ${statSync(output).size} bytes`);
} finally {
  rmSync(profile, { recursive: true, force: true });
}
