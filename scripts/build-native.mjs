// Builds the native kernels (build/Release/aberrant_native.node) with the node-gyp devDependency,
// offline: it points node-gyp at the local Node headers instead of letting it download them.
// Set ABERRANT_SKIP_NATIVE=1 to skip the build (the pure-TypeScript backend is then used).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.env.ABERRANT_SKIP_NATIVE === '1') {
  console.log('build-native: ABERRANT_SKIP_NATIVE=1, skipping the native build (TypeScript kernels will be used)');
  process.exit(0);
}

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const gyp = join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
if (!existsSync(gyp)) {
  console.error(`build-native: node-gyp not found at ${gyp}; run npm install (or set ABERRANT_SKIP_NATIVE=1)`);
  process.exit(1);
}

const args = [gyp, 'rebuild', '--jobs=max'];
// Use the headers of the running Node when npm has not configured a nodedir (works offline).
if (!process.env.npm_config_nodedir) {
  const prefix = dirname(dirname(process.execPath));
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
}

const started = Date.now();
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.error(
    `build-native: node-gyp rebuild failed (${r.error ? r.error.message : `exit code ${String(r.status)}`}).\n` +
      'build-native: a C11 compiler, make and python3 are needed; set ABERRANT_SKIP_NATIVE=1 to build without the ' +
      'native backend.',
  );
  process.exit(1);
}
console.log(`build-native: built build/Release/aberrant_native.node in ${((Date.now() - started) / 1000).toFixed(1)} s`);
