/** Op by op, the native backend gives the TypeScript oracle's outputs and gradients (float32 tolerance). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withKernels } from '../../src/engine/backend/index.js';
import type { Kernels } from '../../src/engine/backend/kernels.js';
import { TsKernels } from '../../src/engine/backend/ts-kernels.js';
import { parameter, Tape } from '../../src/engine/tensor.js';
import { nativeKernels } from '../support/backends.js';
import { opCases, type OpCase } from '../support/op-cases.js';

function evaluate(k: Kernels, c: OpCase): { out: Float32Array; grads: Float32Array[] } {
  return withKernels(k, () => {
    const [, f, inputs] = c;
    const params = inputs.map((i) => parameter(Float32Array.from(i.data), i.shape));
    const tape = new Tape();
    const y = tape.record(() => f(params));
    const out = y.data.slice();
    const seed = new Float32Array(y.size).map((_, i) => 1 + ((i * 37) % 11) / 10);
    tape.backward(y, seed);
    const grads = params.map((p) => (p.grad ?? new Float32Array(p.size)).slice());
    tape.release();
    return { out, grads };
  });
}

function close(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= 1e-5 * (1 + scale), `${what}[${i}]: native ${a[i]} vs typescript ${b[i]}`);
  }
}

describe('native vs TypeScript, op by op', { skip: nativeKernels ? false : 'native addon not built' }, () => {
  const ts = new TsKernels();
  for (const c of opCases) {
    it(c[0], () => {
      const a = evaluate(nativeKernels!, c), b = evaluate(ts, c);
      close(a.out, b.out, `${c[0]} output`);
      a.grads.forEach((g, i) => close(g, b.grads[i], `${c[0]} gradient of input ${i}`));
    });
  }
});
