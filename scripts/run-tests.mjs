// Runs every compiled test file with node's test runner, streams its report, and ends with the plain
// "N passed, N failed, N skipped" line that CI reads (skipped: e.g. native-backend tests without the addon).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    // Browser end-to-end tests need dist/web and Chromium: `npm run test:e2e` runs them.
    if (statSync(p).isDirectory()) { if (name !== 'e2e') find(p, out); }
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const root = process.argv[2] ?? 'dist/test';
let files;
try { files = find(root).sort(); } catch { files = []; }
if (files.length === 0) {
  console.error(`no test files under ${root}: run npm run build first`);
  process.exit(1);
}
const child = spawn(process.execPath, ['--test', '--test-reporter=tap', ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
let pass = 0, fail = 0, skipped = 0, buffered = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  buffered += chunk.toString();
  const lines = buffered.split('\n');
  buffered = lines.pop();
  for (const l of lines) {
    let m = /^# pass (\d+)/.exec(l); if (m) pass = Number(m[1]);
    m = /^# fail (\d+)/.exec(l); if (m) fail = Number(m[1]);
    // A skipped suite (describe with skip) is one "ok N - name # SKIP" line and is not in node's counts.
    if (/^\s*ok \d+ - .*# SKIP/.test(l)) skipped++;
  }
});
child.on('close', (code) => {
  console.log(`${pass} passed, ${fail} failed, ${skipped} skipped`);
  process.exit(code === 0 && fail === 0 ? 0 : 1);
});
