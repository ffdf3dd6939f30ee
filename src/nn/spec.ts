/**
 * The paper's network notation, parsed: "FC(120,60,tanh)-FC(60,30,tanh)-Drop(0.5)-FC(10,4,softmax)".
 * FC(in, out, activation) is a dense layer; Drop(p) is dropout (the DAGMM paper writes the keep
 * probability; with 0.5 the two readings agree, and `dropMeans` makes the reading explicit).
 */
import type { ActName } from '../engine/backend/kernels.js';

export type LayerActivation = ActName | 'softmax';

export type LayerSpec =
  | { kind: 'dense'; in: number; out: number; activation: LayerActivation }
  | { kind: 'dropout'; p: number };

const ACTIVATIONS: Record<string, LayerActivation> = {
  none: 'none', linear: 'none', identity: 'none', tanh: 'tanh', sigmoid: 'sigmoid', relu: 'relu',
  leaky_relu: 'leakyRelu', leakyrelu: 'leakyRelu', softplus: 'softplus', softmax: 'softmax',
};

export interface ParseOptions {
  /** How to read Drop(p): 'keep' (the DAGMM paper: p is the keep probability) or 'drop'. */
  dropMeans?: 'keep' | 'drop';
}

/** Parses a network spec; errors name the offending token and position. */
export function parseNetworkSpec(spec: string, options: ParseOptions = {}): LayerSpec[] {
  const src = spec.replace(/\s+/g, '');
  if (!src) throw new Error('network spec is empty');
  const layers: LayerSpec[] = [];
  const re = /(FC|Drop)\(([^()]*)\)/gy;
  let pos = 0;
  while (pos < src.length) {
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) throw new Error(`network spec "${spec}": cannot read a layer at "${src.slice(pos)}" (expected FC(in,out,act) or Drop(p))`);
    const args = m[2].split(',');
    if (m[1] === 'FC') {
      if (args.length < 2 || args.length > 3) throw new Error(`network spec: ${m[0]} needs FC(in,out[,activation])`);
      const [i, o] = args.slice(0, 2).map(Number);
      if (!Number.isInteger(i) || !Number.isInteger(o) || i <= 0 || o <= 0) {
        throw new Error(`network spec: ${m[0]} has non-positive or non-integer sizes`);
      }
      const actName = (args[2] ?? 'none').toLowerCase();
      const activation = ACTIVATIONS[actName];
      if (!activation) throw new Error(`network spec: unknown activation "${args[2]}" in ${m[0]} (known: ${Object.keys(ACTIVATIONS).join(', ')})`);
      const prev = [...layers].reverse().find((l) => l.kind === 'dense');
      if (prev && prev.kind === 'dense' && prev.out !== i) {
        throw new Error(`network spec: ${m[0]} takes ${i} inputs but the previous layer gives ${prev.out}`);
      }
      layers.push({ kind: 'dense', in: i, out: o, activation });
    } else {
      const v = Number(args[0]);
      if (args.length !== 1 || !(v > 0 && v <= 1)) throw new Error(`network spec: ${m[0]} needs one probability in (0, 1]`);
      const p = (options.dropMeans ?? 'keep') === 'keep' ? 1 - v : v;
      if (!(p >= 0 && p < 1)) throw new Error(`network spec: ${m[0]} gives dropout probability ${p}, which must be in [0, 1)`);
      layers.push({ kind: 'dropout', p });
    }
    pos = re.lastIndex;
    if (pos < src.length) {
      if (src[pos] !== '-') throw new Error(`network spec "${spec}": expected "-" between layers at "${src.slice(pos)}"`);
      pos++;
    }
  }
  if (!layers.some((l) => l.kind === 'dense')) throw new Error(`network spec "${spec}" has no FC layer`);
  return layers;
}

/** Writes layers back in the paper's notation. */
export function formatNetworkSpec(layers: readonly LayerSpec[]): string {
  return layers.map((l) => (l.kind === 'dense'
    ? `FC(${l.in},${l.out},${l.activation === 'leakyRelu' ? 'leaky_relu' : l.activation})`
    : `Drop(${1 - l.p})`)).join('-');
}

export function specInputSize(layers: readonly LayerSpec[]): number {
  const d = layers.find((l) => l.kind === 'dense');
  return d && d.kind === 'dense' ? d.in : 0;
}

export function specOutputSize(layers: readonly LayerSpec[]): number {
  const d = [...layers].reverse().find((l) => l.kind === 'dense');
  return d && d.kind === 'dense' ? d.out : 0;
}

/**
 * The shapes of an MLP's parameters, in Mlp.parameters() order (weight [in, out], then bias [out], per dense
 * layer), computed from the spec alone: a model file's tensors can be checked against them before any
 * network is allocated.
 */
export function specParameterShapes(layers: readonly LayerSpec[]): number[][] {
  return layers.flatMap((l) => (l.kind === 'dense' ? [[l.in, l.out], [l.out]] : []));
}
