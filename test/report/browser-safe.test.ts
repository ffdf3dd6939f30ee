/**
 * src/report/ must stay browser-safe: walk the compiled import graph from the report's index and fail on any
 * Node built-in, so the report can be wired into the browser entry.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const distSrc = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

describe('report import graph', () => {
  it('reaches no Node built-in module', () => {
    const seen = new Set<string>();
    const offenders: string[] = [];
    const stack = [resolve(distSrc, 'report', 'index.js')];
    while (stack.length) {
      const file = stack.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1];
        if (spec.startsWith('.')) stack.push(resolve(dirname(file), spec));
        else offenders.push(`${file.slice(distSrc.length + 1)} imports ${spec}`);
      }
    }
    assert.ok(seen.has(resolve(distSrc, 'report', 'html.js')) && seen.has(resolve(distSrc, 'metrics', 'curves.js')), 'walked the report');
    assert.deepEqual(offenders, []);
  });
});
