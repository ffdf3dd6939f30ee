/**
 * The CLI does not load node-redis until a stream worker connects: node-redis declares a String subclass with
 * a class field, after which V8 runs string operations in the whole process on a slower path (CSV reading in
 * `aberrant fit` took twice as long). Checked in a child process, from Node's module cache (node-redis is CommonJS).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

const loadsRedis = (url: string): boolean => {
  const script = `import(${JSON.stringify(url)}).then(() => console.log(Object.keys(require.cache).some((k) => k.includes('@redis'))));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() === 'true';
};

describe('node-redis stays unloaded until a stream worker runs', () => {
  it('the stream worker module and the CLI\'s stream command load without it; the client itself does load it', () => {
    assert.equal(loadsRedis(new URL('../../src/stream/worker.js', import.meta.url).href), false);
    assert.equal(loadsRedis(new URL('../../src/cli/commands/stream.js', import.meta.url).href), false);
    // The check can tell: importing node-redis directly shows up.
    assert.equal(loadsRedis('redis'), true);
  });
});
