/** GMM math against closed forms and direct computations. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/engine/rng.js';
import { gmmEnergies, gmmParamsFromJSON, gmmParamsFromMemberships, gmmParamsToJSON } from '../../src/gmm/gmm.js';

describe('GMM energy', () => {
  it('equals -log of the closed-form mixture density', () => {
    const p = gmmParamsFromJSON({ k: 2, d: 2, phi: [0.3, 0.7], mu: [0, 0, 2, 1], cov: [1, 0.5, 0.5, 2, 0.5, 0, 0, 0.25] });
    const pts = [[0, 0], [1, -1], [2, 1], [5, 5]];
    const e = gmmEnergies(Float32Array.from(pts.flat()), pts.length, p);
    pts.forEach(([x, y], i) => {
      // Component 1: det = 1*2 - 0.25 = 1.75, inverse = [2, -0.5; -0.5, 1] / 1.75.
      const q1 = (2 * x * x - x * y * 1 + y * y) / 1.75;
      const n1 = Math.exp(-0.5 * q1) / (2 * Math.PI * Math.sqrt(1.75));
      const dx = x - 2, dy = y - 1;
      const q2 = dx * dx / 0.5 + dy * dy / 0.25;
      const n2 = Math.exp(-0.5 * q2) / (2 * Math.PI * Math.sqrt(0.125));
      const expected = -Math.log(0.3 * n1 + 0.7 * n2);
      assert.ok(Math.abs(e[i] - expected) < 1e-6 * (1 + Math.abs(expected)), `point ${i}: ${e[i]} vs ${expected}`);
    });
  });
  it('is finite far from every component (log-sum-exp)', () => {
    const p = gmmParamsFromJSON({ k: 1, d: 1, phi: [1], mu: [0], cov: [1e-4] });
    const e = gmmEnergies(Float32Array.from([1e3]), 1, p);
    assert.ok(Number.isFinite(e[0]) && e[0] > 1e9);
  });
});

describe('GMM parameters from memberships', () => {
  const rng = new Rng(8);
  const n = 500, k = 3, d = 2;
  const z = Float32Array.from({ length: n * d }, () => rng.normal() * 2 + 1);
  const gamma = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < k; c++) { gamma[i * k + c] = rng.uniform() + 0.01; s += gamma[i * k + c]; }
    for (let c = 0; c < k; c++) gamma[i * k + c] /= s;
  }
  function direct(): { phi: number[]; mu: number[][]; cov: number[][][] } {
    const phi: number[] = [], mu: number[][] = [], cov: number[][][] = [];
    for (let c = 0; c < k; c++) {
      let s = 0; const m = [0, 0];
      for (let i = 0; i < n; i++) { s += gamma[i * k + c]; for (let a = 0; a < d; a++) m[a] += gamma[i * k + c] * z[i * d + a]; }
      phi.push(s / n); mu.push(m.map((v) => v / s));
      const cv = [[0, 0], [0, 0]];
      for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) {
        cv[a][b] += gamma[i * k + c] * (z[i * d + a] - mu[c][a]) * (z[i * d + b] - mu[c][b]) / s;
      }
      cov.push(cv);
    }
    return { phi, mu, cov };
  }
  it('match eq. (5) computed directly', () => {
    const p = gmmParamsFromMemberships([{ z, gamma, n }], k, d, { covEps: 0 });
    const ref = direct();
    for (let c = 0; c < k; c++) {
      assert.ok(Math.abs(p.phi[c] - ref.phi[c]) < 1e-9);
      for (let a = 0; a < d; a++) {
        assert.ok(Math.abs(p.mu[c * d + a] - ref.mu[c][a]) < 1e-9);
        for (let b = 0; b < d; b++) assert.ok(Math.abs(p.cov[c * d * d + a * d + b] - ref.cov[c][a][b]) < 1e-8);
      }
    }
  });
  it('give the same result from uneven batches as from one', () => {
    const whole = gmmParamsFromMemberships([{ z, gamma, n }], k, d);
    const cut = [0, 1, 130, 499, 500];
    const parts = cut.slice(0, -1).map((s, i) => ({ z: z.subarray(s * d, cut[i + 1] * d), gamma: gamma.subarray(s * k, cut[i + 1] * k), n: cut[i + 1] - s }));
    const batched = gmmParamsFromMemberships(parts, k, d);
    for (let q = 0; q < whole.cov.length; q++) assert.ok(Math.abs(whole.cov[q] - batched.cov[q]) < 1e-10);
    for (let q = 0; q < whole.mu.length; q++) assert.ok(Math.abs(whole.mu[q] - batched.mu[q]) < 1e-10);
  });
  it('serialise and reload to the same energies', () => {
    const p = gmmParamsFromMemberships([{ z, gamma, n }], k, d);
    const q = gmmParamsFromJSON(JSON.parse(JSON.stringify(gmmParamsToJSON(p))));
    const a = gmmEnergies(z, n, p), b = gmmEnergies(z, n, q);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-9);
  });
});
