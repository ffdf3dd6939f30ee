/**
 * The paper's network notation, parsed: "FC(120,60,tanh)-FC(60,30,tanh)-Drop(0.5)-FC(10,4,softmax)".
 * FC(in, out, activation) is a dense layer; Drop(p) is dropout (the DAGMM paper writes the keep
 * probability; with 0.5 the two readings agree, and `dropMeans` makes the reading explicit).
 * Leaky ReLU takes an optional slope: `leaky_relu` is slope 0.01 (PyTorch's default, and what models saved
 * before slopes existed were trained with), `lrelu` is 0.2 (the GAN convention), `leaky_relu(0.1)` or
 * `lrelu(0.1)` give it explicitly.
 */
import type { ActName } from '../engine/backend/kernels.js';

export type LayerActivation = ActName | 'softmax';

export type LayerSpec =
  | { kind: 'dense'; in: number; out: number; activation: LayerActivation; /** leakyRelu only */ slope?: number }
  | { kind: 'dropout'; p: number };

const ACTIVATIONS: Record<string, LayerActivation> = {
  none: 'none', linear: 'none', identity: 'none', tanh: 'tanh', sigmoid: 'sigmoid', relu: 'relu',
  leaky_relu: 'leakyRelu', leakyrelu: 'leakyRelu', lrelu: 'leakyRelu', softplus: 'softplus', softmax: 'softmax',
};

/** The slope the engine's leaky-ReLU kernels use when none is given. */
export const DEFAULT_LEAKY_SLOPE = 0.01;
const DEFAULT_SLOPES: Record<string, number> = { leaky_relu: DEFAULT_LEAKY_SLOPE, leakyrelu: DEFAULT_LEAKY_SLOPE, lrelu: 0.2 };

/** `name` or `name(slope)` for leaky ReLU; an error names the layer. */
function parseActivation(token: string, layer: string): { activation: LayerActivation; slope?: number } {
  const m = /^([a-z_]+)(?:\((.*)\))?$/.exec(token.toLowerCase());
  const activation = m ? ACTIVATIONS[m[1]] : undefined;
  if (!m || !activation) throw new Error(`network spec: unknown activation "${token}" in ${layer} (known: ${Object.keys(ACTIVATIONS).join(', ')})`);
  if (activation !== 'leakyRelu') {
    if (m[2] !== undefined) throw new Error(`network spec: activation "${m[1]}" in ${layer} takes no argument`);
    return { activation };
  }
  const slope = m[2] === undefined ? DEFAULT_SLOPES[m[1]] : Number(m[2]);
  if (m[2] === '' || !Number.isFinite(slope)) throw new Error(`network spec: leaky ReLU slope "${m[2]}" in ${layer} is not a number`);
  return { activation, slope };
}

export interface ParseOptions {
  /** How to read Drop(p): 'keep' (the DAGMM paper: p is the keep probability) or 'drop'. */
  dropMeans?: 'keep' | 'drop';
}

/** Parses a network spec; errors name the offending token and position. */
export function parseNetworkSpec(spec: string, options: ParseOptions = {}): LayerSpec[] {
  const src = spec.replace(/\s+/g, '');
  if (!src) throw new Error('network spec is empty');
  const layers: LayerSpec[] = [];
  const re = /(FC|Drop)\(((?:[^()]|\([^()]*\))*)\)/gy;
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
      const act = parseActivation(args[2] ?? 'none', m[0]);
      const prev = [...layers].reverse().find((l) => l.kind === 'dense');
      if (prev && prev.kind === 'dense' && prev.out !== i) {
        throw new Error(`network spec: ${m[0]} takes ${i} inputs but the previous layer gives ${prev.out}`);
      }
      layers.push({ kind: 'dense', in: i, out: o, ...act });
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
  return layers.map((l) => (l.kind === 'dense' ? `FC(${l.in},${l.out},${formatActivation(l)})` : `Drop(${1 - l.p})`)).join('-');
}

function formatActivation(l: Extract<LayerSpec, { kind: 'dense' }>): string {
  if (l.activation !== 'leakyRelu') return l.activation;
  const slope = l.slope ?? DEFAULT_LEAKY_SLOPE;
  return slope === DEFAULT_LEAKY_SLOPE ? 'leaky_relu' : `leaky_relu(${slope})`;
}

/** The leaky-ReLU slope a fused run of dense layers needs: the one all its leaky layers share (null if they differ). */
export function sharedLeakySlope(layers: readonly LayerSpec[]): number | null {
  let slope: number | null = null;
  for (const l of layers) {
    if (l.kind !== 'dense' || l.activation !== 'leakyRelu') continue;
    const s = l.slope ?? DEFAULT_LEAKY_SLOPE;
    if (slope !== null && s !== slope) return null;
    slope = s;
  }
  return slope ?? DEFAULT_LEAKY_SLOPE;
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
