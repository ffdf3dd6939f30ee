import { kernels } from '../backend/index.js';
import { Bin } from '../backend/kernels.js';
import { allocData, makeOutput, type Tensor, tensor } from '../tensor.js';
import { broadcastIndex, broadcastShapes } from './broadcast.js';

type Operand = Tensor | number;
type BinOp = 'add' | 'sub' | 'mul' | 'div';

function asTensor(x: Operand): Tensor {
  return typeof x === 'number' ? tensor([x], []) : x;
}

function apply(op: BinOp, av: number, bv: number): number {
  switch (op) {
    case 'add': return av + bv;
    case 'sub': return av - bv;
    case 'mul': return av * bv;
    case 'div': return av / bv;
  }
}

/** Elementwise a op b with NumPy broadcasting; gradients are summed back over broadcast axes. */
function binary(op: BinOp, aIn: Operand, bIn: Operand): Tensor {
  const a = asTensor(aIn), b = asTensor(bIn);
  const shape = broadcastShapes(a.shape, b.shape);
  const ia = broadcastIndex(shape, a.shape), ib = broadcastIndex(shape, b.shape);
  const ad = a.data, bd = b.data;
  const out = allocData(ia || ib ? ia?.length ?? ib!.length : a.size, false);
  const n = out.length;
  if (!ia && !ib) {
    kernels().binary(Bin[op], n, ad, bd, out);
  } else if (!ia && b.size === 1) {
    const bv = bd[0];
    for (let i = 0; i < n; i++) out[i] = apply(op, ad[i], bv);
  } else {
    for (let i = 0; i < n; i++) out[i] = apply(op, ad[ia ? ia[i] : i], bd[ib ? ib[i] : i]);
  }
  return makeOutput(out, shape, [a, b], (g, res) => {
    if (a.requiresGrad) {
      const ga = a.gradBuffer();
      for (let i = 0; i < n; i++) {
        const j = ia ? ia[i] : i;
        let d: number;
        switch (op) {
          case 'add': case 'sub': d = g[i]; break;
          case 'mul': d = g[i] * bd[ib ? ib[i] : i]; break;
          case 'div': d = g[i] / bd[ib ? ib[i] : i]; break;
        }
        ga[j] += d;
      }
    }
    if (b.requiresGrad) {
      const gb = b.gradBuffer();
      const r = res.data;
      for (let i = 0; i < n; i++) {
        const j = ib ? ib[i] : i;
        let d: number;
        switch (op) {
          case 'add': d = g[i]; break;
          case 'sub': d = -g[i]; break;
          case 'mul': d = g[i] * ad[ia ? ia[i] : i]; break;
          case 'div': d = -g[i] * r[i] / bd[j]; break;
        }
        gb[j] += d;
      }
    }
  });
}

export function add(a: Operand, b: Operand): Tensor { return binary('add', a, b); }
export function sub(a: Operand, b: Operand): Tensor { return binary('sub', a, b); }
export function mul(a: Operand, b: Operand): Tensor { return binary('mul', a, b); }
export function div(a: Operand, b: Operand): Tensor { return binary('div', a, b); }

/** x + bias with bias broadcast over rows (bias shape [cols]). */
export function addBias(x: Tensor, bias: Tensor): Tensor {
  if (bias.rank !== 1 || bias.size !== x.cols) {
    throw new Error(`addBias: bias of shape [${bias.shape.join(', ')}] does not match ${x.cols} columns`);
  }
  return binary('add', x, bias);
}

export function neg(x: Tensor): Tensor { return scale(x, -1); }

/** x * s for a constant s. */
export function scale(x: Tensor, s: number): Tensor {
  const out = allocData(x.size, false);
  const d = x.data;
  for (let i = 0; i < out.length; i++) out[i] = d[i] * s;
  return makeOutput(out, x.shape, [x], (g) => {
    const gx = x.gradBuffer();
    for (let i = 0; i < g.length; i++) gx[i] += g[i] * s;
  });
}
