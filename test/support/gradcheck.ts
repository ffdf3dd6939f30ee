import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng.js';
import { parameter, Tape, type Tensor } from '../../src/engine/tensor.js';

export interface GradCheckOptions {
  eps?: number;
  rtol?: number;
  atol?: number;
  /** Elements checked per input (all when the input is smaller). */
  samples?: number;
  seed?: number;
}

/**
 * Compares the tape's gradient of L = sum(r * f(inputs)) (r fixed random weights) with central
 * finite differences, element by element. Inputs are float32, so eps and tolerances are float32-sized.
 */
export function gradCheck(name: string, f: (xs: Tensor[]) => Tensor, inputs: { data: number[] | Float32Array; shape: number[] }[],
  o: GradCheckOptions = {}): void {
  const eps = o.eps ?? 1e-3, rtol = o.rtol ?? 2e-2, atol = o.atol ?? 2e-3;
  const rng = new Rng(o.seed ?? 7);
  const params = inputs.map((i) => parameter(Float32Array.from(i.data), i.shape));
  const tape = new Tape();
  const out = tape.record(() => f(params));
  const r = new Float32Array(out.size);
  for (let i = 0; i < r.length; i++) r[i] = rng.range(0.5, 1.5) * (rng.uniform() < 0.5 ? -1 : 1);
  const evalLoss = (): number => {
    const t2 = new Tape();
    const y = t2.record(() => f(params));
    let s = 0;
    for (let i = 0; i < y.size; i++) s += r[i] * y.data[i];
    t2.release();
    return s;
  };
  tape.backward(out, r);
  const analytic = params.map((p) => Float64Array.from(p.grad ?? new Float32Array(p.size)));
  tape.release();
  params.forEach((p, q) => {
    const idx = [...Array(p.size).keys()];
    const pick = o.samples && p.size > o.samples ? new Rng(q + 1).shuffle(idx).slice(0, o.samples) : idx;
    for (const i of pick) {
      const orig = p.data[i];
      const h = eps * Math.max(1, Math.abs(orig));
      p.data[i] = orig + h; const up = evalLoss();
      p.data[i] = orig - h; const down = evalLoss();
      p.data[i] = orig;
      const hUsed = (Math.fround(orig + h) - Math.fround(orig - h)) / 2;
      const numeric = (up - down) / (2 * hUsed);
      const a = analytic[q][i];
      assert.ok(Number.isFinite(a), `${name}: analytic gradient of input ${q}[${i}] is ${a}`);
      const tol = atol + rtol * Math.max(Math.abs(a), Math.abs(numeric));
      assert.ok(Math.abs(a - numeric) <= tol,
        `${name}: d/d input ${q}[${i}] analytic ${a} vs numeric ${numeric} (tol ${tol.toExponential(2)})`);
    }
  });
}

/** Seeded values in [lo, hi), optionally kept at least `gap` away from `avoid` (kinks). */
export function randomData(n: number, seed: number, lo = -1, hi = 1, avoid?: number, gap = 0.05): number[] {
  const rng = new Rng(seed);
  const out: number[] = [];
  while (out.length < n) {
    const v = rng.range(lo, hi);
    if (avoid !== undefined && Math.abs(v - avoid) < gap) continue;
    out.push(v);
  }
  return out;
}
