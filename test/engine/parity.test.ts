/**
 * Numerical agreement with PyTorch: the reference DAGMM network, weights and data of
 * shared/bench/pytorch-reference (common.py), 10 in-order Adam steps without dropout.
 * Expected values: test/fixtures/torch-check.jsonl, printed by `dagmm_torch.py --modes check` (torch 1.13).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { withKernels } from '../../src/engine/backend/index.js';
import { checkSteps } from '../../bench/check-parity.js';
import { availableBackends } from '../support/backends.js';

const fixture = readFileSync(new URL('../../../test/fixtures/torch-check.jsonl', import.meta.url), 'utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l) as { mode: string; steps?: number[][] });
const torch = fixture.find((r) => r.mode === 'check')!.steps!;

for (const k of availableBackends()) {
  describe(`PyTorch parity on the ${k.name} backend`, () => {
    const ours = withKernels(k, () => checkSteps(10));
    it('step 1 loss terms match to float32 tolerance (loss 153.18768)', () => {
      const names = ['loss', 'reconstruction', 'mean energy', 'covariance penalty'];
      ours[0].forEach((v, j) => {
        const ref = torch[0][j];
        assert.ok(Math.abs(v - ref) <= 2e-6 * Math.abs(ref) + 1e-5, `${names[j]}: ours ${v}, torch ${ref}`);
      });
    });
    it('the next steps (gradients and Adam updates) track PyTorch', () => {
      for (let s = 1; s < 10; s++) {
        // The covariance penalty amplifies float32 rounding step by step; early steps agree tightly.
        const tol = s < 4 ? 2e-5 : 2e-3;
        const ref = torch[s][0], v = ours[s][0];
        assert.ok(Math.abs(v - ref) <= tol * Math.abs(ref), `step ${s + 1}: ours ${v}, torch ${ref}`);
      }
    });
  });
}
