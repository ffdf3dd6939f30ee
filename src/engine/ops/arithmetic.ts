import { kernels } from '../backend/index.js';
import { Acc, Bin } from '../backend/kernels.js';
import { allocData, makeOutput, type Tensor, tensor } from '../tensor.js';
import { broadcastIndex, broadcastShapes, rowPeriod, runLength } from './broadcast.js';

type Operand = Tensor | number;
type BinOp = 'add' | 'sub' | 'mul' | 'div';

function asTensor(x: Operand): Tensor {
  return typeof x === 'number' ? tensor([x], []) : x;
}

/** out[i] = a[ia[i]] op b[ib[i]] (null index = identity); one loop per op so no branch runs per element. */
function forwardLoop(op: BinOp, n: number, ad: Float32Array, ia: Int32Array | null, bd: Float32Array, ib: Int32Array | null, out: Float32Array,
  pb: number, qa: number, qb: number): void {
  if (qb > 0) {
    // b holds one value per run of qb outputs (a column): no index array.
    for (let r = 0, i = 0; i < n; r++) {
      const bv = bd[r], e = i + qb;
      switch (op) {
        case 'add': for (; i < e; i++) out[i] = ad[i] + bv; break;
        case 'sub': for (; i < e; i++) out[i] = ad[i] - bv; break;
        case 'mul': for (; i < e; i++) out[i] = ad[i] * bv; break;
        case 'div': for (; i < e; i++) out[i] = ad[i] / bv; break;
      }
    }
    return;
  }
  if (qa > 0) {
    for (let r = 0, i = 0; i < n; r++) {
      const av = ad[r], e = i + qa;
      switch (op) {
        case 'add': for (; i < e; i++) out[i] = av + bd[i]; break;
        case 'sub': for (; i < e; i++) out[i] = av - bd[i]; break;
        case 'mul': for (; i < e; i++) out[i] = av * bd[i]; break;
        case 'div': for (; i < e; i++) out[i] = av / bd[i]; break;
      }
    }
    return;
  }
  if (!ia && ib && pb === 1) {
    const bv = bd[0];
    switch (op) {
      case 'add': for (let i = 0; i < n; i++) out[i] = ad[i] + bv; return;
      case 'sub': for (let i = 0; i < n; i++) out[i] = ad[i] - bv; return;
      case 'mul': for (let i = 0; i < n; i++) out[i] = ad[i] * bv; return;
      case 'div': for (let i = 0; i < n; i++) out[i] = ad[i] / bv; return;
    }
  }
  if (!ia && ib && pb > 0) {
    // b repeats a block of pb values (a bias row): no index array.
    for (let r = 0; r < n; r += pb) {
      switch (op) {
        case 'add': for (let j = 0; j < pb; j++) out[r + j] = ad[r + j] + bd[j]; break;
        case 'sub': for (let j = 0; j < pb; j++) out[r + j] = ad[r + j] - bd[j]; break;
        case 'mul': for (let j = 0; j < pb; j++) out[r + j] = ad[r + j] * bd[j]; break;
        case 'div': for (let j = 0; j < pb; j++) out[r + j] = ad[r + j] / bd[j]; break;
      }
    }
    return;
  }
  const xa = ia ?? identityIndex(n), xb = ib ?? identityIndex(n);
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) out[i] = ad[xa[i]] + bd[xb[i]]; return;
    case 'sub': for (let i = 0; i < n; i++) out[i] = ad[xa[i]] - bd[xb[i]]; return;
    case 'mul': for (let i = 0; i < n; i++) out[i] = ad[xa[i]] * bd[xb[i]]; return;
    case 'div': for (let i = 0; i < n; i++) out[i] = ad[xa[i]] / bd[xb[i]]; return;
  }
}

let identityCache = new Int32Array(0);
/** 0..n-1, shared: lets the broadcast loops index both operands the same way without a branch per element. */
function identityIndex(n: number): Int32Array {
  if (identityCache.length < n) {
    identityCache = new Int32Array(Math.max(n, 2 * identityCache.length));
    for (let i = 0; i < identityCache.length; i++) identityCache[i] = i;
  }
  return identityCache;
}

/** Elementwise a op b with NumPy broadcasting; gradients are summed back over broadcast axes. */
function binary(op: BinOp, aIn: Operand, bIn: Operand): Tensor {
  const a = asTensor(aIn), b = asTensor(bIn);
  const shape = broadcastShapes(a.shape, b.shape);
  const ia = broadcastIndex(shape, a.shape), ib = broadcastIndex(shape, b.shape);
  const ad = a.data, bd = b.data;
  const out = allocData(ia || ib ? ia?.length ?? ib!.length : a.size, false);
  const n = out.length;
  // b broadcast as a repeated block (the common bias-row case) gets index-free loops both ways.
  const pb = !ia && ib ? rowPeriod(shape, b.shape) : 0;
  const pa = ia && !ib ? rowPeriod(shape, a.shape) : 0;
  // ... or as a column, each value repeated over a run of outputs.
  const qb = !ia && ib && pb === 0 ? runLength(shape, b.shape) : 0;
  const qa = ia && !ib && pa === 0 ? runLength(shape, a.shape) : 0;
  if (!ia && !ib) kernels().binary(Bin[op], n, ad, bd, out);
  else if (pa > 0 && op === 'add') kernels().rowBroadcastAdd(n / pa, pa, ad, bd, out);
  else forwardLoop(op, n, ad, ia, bd, ib, out, pb, qa, qb);
  return makeOutput(out, shape, [a, b], (g, res) => {
    // Each sum below is formed in double and rounded once on the store, as the one-loop version did (so does
    // Kernels.accumulate); the index-free loops visit the elements in the same order as the indexed ones.
    if (a.requiresGrad) {
      const ga = a.gradBuffer();
      if (!ia) {
        switch (op) {
          case 'add': case 'sub': kernels().accumulate(Acc.grad, n, g, null, null, ga); break;
          case 'mul':
            if (!ib) kernels().accumulate(Acc.mul, n, g, bd, null, ga);
            else if (pb > 0) for (let r = 0; r < n; r += pb) for (let j = 0; j < pb; j++) ga[r + j] += g[r + j] * bd[j];
            else if (qb > 0) for (let r = 0, i = 0; i < n; r++) { const bv = bd[r]; for (const e = i + qb; i < e; i++) ga[i] += g[i] * bv; }
            else for (let i = 0; i < n; i++) ga[i] += g[i] * bd[ib[i]];
            break;
          case 'div':
            if (!ib) kernels().accumulate(Acc.div, n, g, bd, null, ga);
            else if (pb > 0) for (let r = 0; r < n; r += pb) for (let j = 0; j < pb; j++) ga[r + j] += g[r + j] / bd[j];
            else if (qb > 0) for (let r = 0, i = 0; i < n; r++) { const bv = bd[r]; for (const e = i + qb; i < e; i++) ga[i] += g[i] / bv; }
            else for (let i = 0; i < n; i++) ga[i] += g[i] / bd[ib[i]];
            break;
        }
      } else if (pa > 0 && (op === 'add' || op === 'sub')) {
        kernels().columnAccumulate(n / pa, pa, g, false, ga);
      } else if (qa > 0) {
        for (let r = 0, i = 0; i < n; r++) {
          const e = i + qa;
          switch (op) {
            case 'add': case 'sub': for (; i < e; i++) ga[r] += g[i]; break;
            case 'mul': for (; i < e; i++) ga[r] += g[i] * bd[i]; break;
            case 'div': for (; i < e; i++) ga[r] += g[i] / bd[i]; break;
          }
        }
      } else {
        const xb = ib ?? identityIndex(n);
        switch (op) {
          case 'add': case 'sub': for (let i = 0; i < n; i++) ga[ia[i]] += g[i]; break;
          case 'mul': for (let i = 0; i < n; i++) ga[ia[i]] += g[i] * bd[xb[i]]; break;
          case 'div': for (let i = 0; i < n; i++) ga[ia[i]] += g[i] / bd[xb[i]]; break;
        }
      }
    }
    if (b.requiresGrad) {
      const gb = b.gradBuffer();
      const r = res.data;
      if (!ib) {
        switch (op) {
          case 'add': kernels().accumulate(Acc.grad, n, g, null, null, gb); break;
          case 'sub': kernels().accumulate(Acc.negGrad, n, g, null, null, gb); break;
          case 'mul':
            if (!ia) kernels().accumulate(Acc.mul, n, g, ad, null, gb);
            else if (qa > 0) for (let r = 0, i = 0; i < n; r++) { const av = ad[r]; for (const e = i + qa; i < e; i++) gb[i] += g[i] * av; }
            else for (let i = 0; i < n; i++) gb[i] += g[i] * ad[ia[i]];
            break;
          case 'div': kernels().accumulate(Acc.divByB, n, g, bd, r, gb); break;
        }
      } else if (pb > 0 && (op === 'add' || op === 'sub')) {
        kernels().columnAccumulate(n / pb, pb, g, op === 'sub', gb);
      } else if (qb > 0) {
        for (let q = 0, i = 0; i < n; q++) {
          const e = i + qb;
          switch (op) {
            case 'add': for (; i < e; i++) gb[q] += g[i]; break;
            case 'sub': for (; i < e; i++) gb[q] += -g[i]; break;
            case 'mul': for (; i < e; i++) gb[q] += g[i] * ad[i]; break;
            case 'div': for (; i < e; i++) gb[q] += -g[i] * r[i] / bd[q]; break;
          }
        }
      } else if (pb > 0) {
        for (let q = 0; q < n; q += pb) {
          switch (op) {
            case 'mul': for (let j = 0; j < pb; j++) gb[j] += g[q + j] * ad[q + j]; break;
            case 'div': for (let j = 0; j < pb; j++) gb[j] += -g[q + j] * r[q + j] / bd[j]; break;
          }
        }
      } else {
        const xa = ia ?? identityIndex(n);
        switch (op) {
          case 'add': for (let i = 0; i < n; i++) gb[ib[i]] += g[i]; break;
          case 'sub': for (let i = 0; i < n; i++) gb[ib[i]] += -g[i]; break;
          case 'mul': for (let i = 0; i < n; i++) gb[ib[i]] += g[i] * ad[xa[i]]; break;
          case 'div': for (let i = 0; i < n; i++) gb[ib[i]] += -g[i] * r[i] / bd[ib[i]]; break;
        }
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
