/**
 * Float32 tensors and the reverse-mode tape.
 *
 * A tensor is a row-major Float32Array with a shape. Ops (in ./ops) compute their output eagerly and,
 * when a tape is recording and an input needs a gradient, push one node holding the backward closure.
 * The tape owns every buffer it hands out, so one training step's intermediates are recycled by the
 * next step instead of being reallocated.
 */

export type Shape = readonly number[];

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeString(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export class Tensor {
  readonly shape: Shape;
  readonly size: number;
  data: Float32Array;
  /** Gradient of the last backward pass (same size as data), or null. */
  grad: Float32Array | null = null;
  /** Parameters and anything derived from them need gradients. */
  readonly requiresGrad: boolean;

  constructor(data: Float32Array, shape: Shape, requiresGrad = false) {
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new Error(`tensor data has ${data.length} values but shape ${shapeString(shape)} needs ${size}`);
    }
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`invalid tensor shape ${shapeString(shape)}`);
    }
    this.data = data;
    this.shape = shape;
    this.size = size;
    this.requiresGrad = requiresGrad;
  }

  get rank(): number { return this.shape.length; }
  /** Rows of a 2-D tensor (or the length of a 1-D one). */
  get rows(): number { return this.shape[0] ?? 1; }
  /** Columns of a 2-D tensor (1 for a 1-D one). */
  get cols(): number { return this.shape.length >= 2 ? this.shape[this.shape.length - 1] : 1; }

  /** The gradient buffer, allocated (zeroed) on first use. */
  gradBuffer(): Float32Array {
    if (!this.grad) {
      this.grad = activeTape && producedByOp.has(this) ? activeTape.alloc(this.size) : new Float32Array(this.size);
    }
    return this.grad;
  }

  zeroGrad(): void {
    if (this.grad) this.grad.fill(0);
  }

  item(): number {
    if (this.size !== 1) throw new Error(`item() needs a 1-element tensor, got shape ${shapeString(this.shape)}`);
    return this.data[0];
  }

  toArray(): number[] { return Array.from(this.data); }

  /** Rows as nested arrays (2-D tensors). */
  to2D(): number[][] {
    const out: number[][] = [];
    const c = this.cols;
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.data.subarray(i * c, (i + 1) * c)));
    return out;
  }

  clone(): Tensor { return new Tensor(this.data.slice(), this.shape, false); }
}

export function tensor(values: ArrayLike<number>, shape?: Shape): Tensor {
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  return new Tensor(data, shape ?? [data.length]);
}

export function zeros(shape: Shape): Tensor {
  return new Tensor(new Float32Array(shapeSize(shape)), shape);
}

export function fromRows(rows: readonly (readonly number[])[]): Tensor {
  const m = rows.length, n = m ? rows[0].length : 0;
  const data = new Float32Array(m * n);
  rows.forEach((r, i) => {
    if (r.length !== n) throw new Error(`row ${i} has ${r.length} values, expected ${n}`);
    data.set(r, i * n);
  });
  return new Tensor(data, [m, n]);
}

/** A trainable tensor: its data persists across steps and it always gets a gradient. */
export function parameter(data: Float32Array, shape: Shape): Tensor {
  return new Tensor(data, shape, true);
}

interface TapeNode {
  outputs: readonly Tensor[];
  /** Receives dLoss/d output for each output (null where an output got no gradient). */
  backward: (grads: readonly (Float32Array | null)[]) => void;
}

/** Free buffers by length, reused across steps. */
class BufferPool<T extends Float32Array | Float64Array> {
  private readonly free = new Map<number, T[]>();
  constructor(private readonly make: (n: number) => T) {}
  take(n: number, zero: boolean): T {
    const buf = this.free.get(n)?.pop();
    if (buf) { if (zero) buf.fill(0); return buf; }
    return this.make(n);
  }
  give(buf: T): void {
    let list = this.free.get(buf.length);
    if (!list) { list = []; this.free.set(buf.length, list); }
    list.push(buf);
  }
}

let activeTape: Tape | null = null;

function swapActive(t: Tape | null): Tape | null {
  const prev = activeTape;
  activeTape = t;
  return prev;
}

/**
 * Records ops while `record` runs, then `backward` fills the gradients of every tensor that needs one.
 * Intermediate tensors of a recording stay valid until the next `record` or `release`.
 */
export class Tape {
  /** False for inference scopes: buffers are pooled but no backward nodes are recorded. */
  readonly grad: boolean;
  private nodes: TapeNode[] = [];
  private owned: Float32Array[] = [];
  private owned64: Float64Array[] = [];
  private readonly pool = new BufferPool<Float32Array>((n) => new Float32Array(n));
  private readonly pool64 = new BufferPool<Float64Array>((n) => new Float64Array(n));

  constructor(options: { grad?: boolean } = {}) {
    this.grad = options.grad ?? true;
  }

  static get active(): Tape | null { return activeTape; }

  record<T>(fn: () => T): T {
    this.release();
    const prev = swapActive(this);
    try {
      return fn();
    } finally {
      swapActive(prev);
    }
  }

  /** A buffer owned by this tape until release; zeroed unless `zero` is false. */
  alloc(n: number, zero = true): Float32Array {
    const buf = this.pool.take(n, zero);
    this.owned.push(buf);
    return buf;
  }

  /** A zeroed float64 buffer owned by this tape until release. */
  alloc64(n: number): Float64Array {
    const buf = this.pool64.take(n, true);
    this.owned64.push(buf);
    return buf;
  }

  push(node: TapeNode): void { this.nodes.push(node); }

  /** Backpropagate from a scalar (or from `seed`, a gradient of the output's shape). */
  backward(output: Tensor, seed?: Float32Array): void {
    if (!output.requiresGrad) throw new Error('backward: the output does not depend on any parameter');
    if (!seed && output.size !== 1) {
      throw new Error(`backward: output has shape ${shapeString(output.shape)}; pass a seed gradient for non-scalars`);
    }
    const prev = swapActive(this);
    try {
      const g = output.gradBuffer();
      if (seed) g.set(seed); else g[0] = 1;
      for (let i = this.nodes.length - 1; i >= 0; i--) {
        const node = this.nodes[i];
        const outs = node.outputs;
        if (outs.length === 1) {
          if (outs[0].grad) node.backward([outs[0].grad]);
        } else if (outs.some((o) => o.grad)) {
          node.backward(outs.map((o) => o.grad));
        }
      }
    } finally {
      swapActive(prev);
    }
  }

  /** Returns every intermediate buffer to the pool; parameters keep their data and gradients. */
  release(): void {
    for (const node of this.nodes) for (const o of node.outputs) o.grad = null;
    for (const buf of this.owned) this.pool.give(buf);
    for (const buf of this.owned64) this.pool64.give(buf);
    this.owned = [];
    this.owned64 = [];
    this.nodes = [];
  }
}

const producedByOp = new WeakSet<Tensor>();

/** Whether ops should record: a tape is active and some input needs a gradient. */
export function needsGrad(inputs: readonly Tensor[]): boolean {
  if (!activeTape || !activeTape.grad) return false;
  for (const t of inputs) if (t.requiresGrad) return true;
  return false;
}

/**
 * An output buffer: from the active tape's pool when recording, fresh otherwise. Pass zero = false only
 * when the op overwrites every element.
 */
export function allocData(n: number, zero = true): Float32Array {
  return activeTape ? activeTape.alloc(n, zero) : new Float32Array(n);
}

/** A zeroed float64 work buffer that lives as long as the active tape's recording. */
export function allocData64(n: number): Float64Array {
  return activeTape ? activeTape.alloc64(n) : new Float64Array(n);
}

/**
 * Wraps an op's result: when gradients are needed, records `backward`, which receives dLoss/dOutput and
 * must accumulate into the inputs' gradBuffer().
 */
export function makeOutput(data: Float32Array, shape: Shape, inputs: readonly Tensor[],
  backward: (gradOut: Float32Array, out: Tensor) => void): Tensor {
  const record = needsGrad(inputs);
  const out = new Tensor(data, shape, record);
  if (record && activeTape) {
    producedByOp.add(out);
    activeTape.push({ outputs: [out], backward: (g) => backward(g[0]!, out) });
  }
  return out;
}

/**
 * Several outputs from one op and one backward node (e.g. every layer of a fused MLP): `backward`
 * receives the gradient of each output, or null where nothing downstream used it.
 */
export function makeOutputs(datas: readonly Float32Array[], shapes: readonly Shape[], inputs: readonly Tensor[],
  backward: (grads: readonly (Float32Array | null)[], outs: readonly Tensor[]) => void): Tensor[] {
  const record = needsGrad(inputs);
  const outs = datas.map((d, i) => new Tensor(d, shapes[i], record));
  if (record && activeTape) {
    for (const o of outs) producedByOp.add(o);
    const own = outs.slice(); // the caller may reuse the returned array
    activeTape.push({ outputs: own, backward: (g) => backward(g, own) });
  }
  return outs;
}
