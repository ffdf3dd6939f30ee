/** Finite-difference gradient checks for every differentiable op, on every available backend. */
import { describe, it } from 'node:test';
import { withKernels } from '../../src/engine/backend/index.js';
import { availableBackends } from '../support/backends.js';
import { gradCheck } from '../support/gradcheck.js';
import { opCases } from '../support/op-cases.js';

for (const k of availableBackends()) {
  describe(`gradients on the ${k.name} backend`, () => {
    for (const [name, f, inputs, opts] of opCases) {
      it(name, () => withKernels(k, () => gradCheck(name, f, inputs, { samples: 24, ...(opts ?? {}) })));
    }
  });
}
