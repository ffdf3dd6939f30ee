/** Prints the loss terms of 10 in-order training steps without dropout, as dagmm_torch.py --modes check. */
import { Adam } from '../src/engine/optim.js';
import { Tape, Tensor } from '../src/engine/tensor.js';
import { makeData, referenceNetwork } from './workload.js';
import { useBestBackend } from '../src/backend-node.js';


export function checkSteps(steps = 10, batch = 1024): number[][] {
  const net = referenceNetwork();
  const X = makeData(steps * batch);
  const opt = new Adam(net.parameters(), { lr: 1e-4 });
  const tape = new Tape();
  const out: number[][] = [];
  for (let i = 0; i < steps; i++) {
    const xb = new Tensor(X.subarray(i * batch * 120, (i + 1) * batch * 120), [batch, 120]);
    opt.zeroGrad();
    const l = tape.record(() => net.loss(xb, false));
    out.push([l.loss.item(), l.recon.item(), l.energy.item(), l.covPenalty.item()]);
    tape.backward(l.loss);
    opt.step();
  }
  tape.release();
  return out;
}

if (process.argv[1]?.endsWith('check-parity.js')) {
  const backend = useBestBackend(process.argv.includes('--typescript') ? 'typescript' : 'auto');
  console.log(JSON.stringify({ mode: 'check', backend, steps: checkSteps() }));
}
