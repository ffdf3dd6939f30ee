/**
 * The native kernels must build where there is no AVX2 (an ARM machine, or AB_FORCE_PORTABLE): every x86-only
 * function and intrinsics header sits behind AB_X86. Two sessions broke that unnoticed, because the x86 build never
 * compiles the portable branches; this compiles each kernel source with AB_FORCE_PORTABLE (syntax and types only,
 * warnings as errors) with the C compiler the addon's build uses.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const SOURCES = join(process.cwd(), 'native', 'src');
const CC = process.env.CC ?? 'cc';
const hasCompiler = spawnSync(CC, ['--version'], { encoding: 'utf8' }).status === 0;

describe('native kernels, portable build', { skip: hasCompiler ? false : `no C compiler (${CC})` }, () => {
  // addon.c holds the Node-API glue and no intrinsics; it needs node's headers, which the build finds itself.
  const files = readdirSync(SOURCES).filter((f) => f.endsWith('.c') && f !== 'addon.c');

  it('finds the kernel sources', () => {
    assert.ok(files.includes('forest.c') && files.includes('jsexp.c') && files.length >= 10, files.join(', '));
  });

  for (const file of files) {
    it(`${file} compiles with AB_FORCE_PORTABLE`, () => {
      const r = spawnSync(CC, ['-std=c11', '-fsyntax-only', '-DAB_FORCE_PORTABLE', '-D_GNU_SOURCE', '-Wall', '-Wextra',
        '-Wno-unused-parameter', '-Werror', join(SOURCES, file)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    });
  }
});
