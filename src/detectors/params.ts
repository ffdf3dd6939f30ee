/**
 * Parameters shared by every detector, as zod schemas: one schema per detector gives its TypeScript type,
 * validation with messages naming the parameter, the CLI's help and the generated docs (via JSON Schema).
 */
import * as z from '../zod.js';
import { ThresholdSpecSchema, DEFAULT_THRESHOLD } from './threshold.js';

export const PreprocessingSchema = z.strictObject({
  scaling: z._default(z.enum(['minmax', 'standard', 'none']), 'minmax')
    .check(z.describe('numeric column scaling, fitted on training rows (columns constant there encode sign(x - constant))')),
  unseenCategory: z._default(z.enum(['ignore', 'error']), 'ignore')
    .check(z.describe('a category not seen in training: all-zero one-hot (ignore) or an error')),
  missing: z._default(z.enum(['impute', 'error']), 'impute')
    .check(z.describe('missing values: training median / own category / most frequent (impute) or an error')),
});

export const CommonParamsSchema = z.object({
  seed: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(2 ** 31 - 1)), 0)
    .check(z.describe('seed for every random choice (initialisation, shuffling, dropout, hold-out)')),
  threshold: z._default(ThresholdSpecSchema, DEFAULT_THRESHOLD)
    .check(z.describe('{contamination: c} flags the top c of training scores; {quantile: q}: the q quantile of training scores (= contamination 1 - q); {value: t}; or {holdout: f, quantile: q}')),
  preprocessing: z._default(PreprocessingSchema, { scaling: 'minmax', unseenCategory: 'ignore', missing: 'impute' })
    .check(z.describe('scaling: minmax | standard | none (fitted on training rows); unseenCategory: ignore (all-zero one-hot) | error; missing: impute (median / own category / most frequent) | error')),
});

/** Validates parameters against a detector's schema; the error names every bad parameter. */
export function parseParams<S extends z.ZodMiniType>(detector: string, schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  const lines = r.error.issues.map((i) => {
    // An unknown name (a typo, or another detector's parameter): say which names this detector takes.
    if (i.code === 'unrecognized_keys' && i.path.length === 0 && shape) {
      const names = i.keys.map((k) => JSON.stringify(k)).join(', ');
      return `  ${names}: not ${i.keys.length > 1 ? 'parameters' : 'a parameter'} of ${detector} (its parameters: ${Object.keys(shape).join(', ')})`;
    }
    const path = i.path.length ? i.path.map(String).join('.') : '(parameters)';
    return `  ${path}: ${i.message}`;
  });
  throw new Error(`${detector}: invalid parameters\n${lines.join('\n')}`);
}
