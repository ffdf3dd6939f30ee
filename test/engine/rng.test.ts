import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';

describe('Rng', () => {
  it('is a pure function of the seed', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const sa = Array.from({ length: 20 }, () => a.nextU32());
    assert.deepEqual(sa, Array.from({ length: 20 }, () => b.nextU32()));
    assert.notDeepEqual(sa, Array.from({ length: 20 }, () => c.nextU32()));
  });
  it('fork streams depend on the label and seed, not on how much the parent drew', () => {
    const a = new Rng(1), b = new Rng(1);
    b.uniform(); b.uniform();
    assert.equal(a.fork('x').uniform(), b.fork('x').uniform());
    assert.notEqual(a.fork('x').uniform(), a.fork('y').uniform());
  });
  it('uniform and normal have the right moments', () => {
    const r = new Rng(3);
    let s = 0, s2 = 0, n = 0, n2 = 0;
    const N = 100000;
    for (let i = 0; i < N; i++) { const u = r.uniform(); s += u; s2 += u * u; const g = r.normal(); n += g; n2 += g * g; }
    assert.ok(Math.abs(s / N - 0.5) < 0.01 && Math.abs(s2 / N - 1 / 3) < 0.01);
    assert.ok(Math.abs(n / N) < 0.02 && Math.abs(n2 / N - 1) < 0.02);
  });
  it('int covers [0, n) uniformly and rejects bad n', () => {
    const r = new Rng(4), counts = new Array(7).fill(0);
    for (let i = 0; i < 70000; i++) counts[r.int(7)]++;
    assert.ok(counts.every((c) => Math.abs(c - 10000) < 500), counts.join(','));
    assert.throws(() => r.int(0), /positive integer/);
    assert.throws(() => new Rng(NaN), /finite/);
  });
  it('fillKeepMask draws exactly what uniform() < keep would', () => {
    for (const keep of [0.5, 0.1, 0.9, 1]) {
      const a = new Rng(9), b = new Rng(9);
      for (let i = 0; i < 3; i++) a.nextU32(); for (let i = 0; i < 3; i++) b.nextU32();
      const mask = new Float32Array(5000);
      a.fillKeepMask(mask, mask.length, keep, 2);
      for (let i = 0; i < mask.length; i++) assert.equal(mask[i], b.uniform() < keep ? 2 : 0, `keep ${keep}, element ${i}`);
      assert.equal(a.nextU32(), b.nextU32(), 'streams continue in step');
    }
  });
  it('permutation is a permutation', () => {
    const p = new Rng(5).permutation(1000);
    assert.deepEqual([...p].sort((a, b) => a - b), [...Array(1000).keys()]);
  });
});
