/**
 * The browser entry (src/browser.ts) and everything it imports must not import Node built-ins, so the
 * library bundles for browsers. Walks the compiled import graph from dist/src/browser.js.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const distSrc = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out;
}

describe('browser entry', () => {
  it('reaches no Node built-in module and no Node-only file', () => {
    const seen = new Set<string>();
    const offenders: string[] = [];
    const stack = [resolve(distSrc, 'browser.js')];
    while (stack.length) {
      const file = stack.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of importsOf(file)) {
        if (spec.startsWith('node:') || ['fs', 'path', 'module', 'url', 'child_process', 'os', 'zlib'].includes(spec)) {
          offenders.push(`${file.slice(distSrc.length + 1)} imports ${spec}`);
        } else if (spec.startsWith('.')) {
          stack.push(resolve(dirname(file), spec));
        }
      }
    }
    assert.ok(seen.size > 10, `walked only ${seen.size} files`);
    assert.ok(!seen.has(resolve(distSrc, 'engine/backend/native.js')), 'the native loader is reachable from the browser entry');
    assert.deepEqual(offenders, []);
  });
});
