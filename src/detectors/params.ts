/**
 * Parameters shared by every detector, as zod schemas: one schema per detector gives its TypeScript type,
 * validation with messages naming the parameter, the CLI's help and the generated docs (via JSON Schema).
 */
import { z } from 'zod';
import { ThresholdSpecSchema, DEFAULT_THRESHOLD } from './threshold.js';

export const PreprocessingSchema = z.object({
  scaling: z.enum(['minmax', 'standard', 'none']).default('minmax')
    .describe('numeric column scaling, fitted on training rows (columns constant there encode sign(x - constant))'),
  unseenCategory: z.enum(['ignore', 'error']).default('ignore')
    .describe('a category not seen in training: all-zero one-hot (ignore) or an error'),
  missing: z.enum(['impute', 'error']).default('impute')
    .describe('missing values: training median / own category / most frequent (impute) or an error'),
}).strict();

export const CommonParamsSchema = z.object({
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0).describe('seed for every random choice (initialisation, shuffling, dropout, hold-out)'),
  threshold: ThresholdSpecSchema.default(DEFAULT_THRESHOLD)
    .describe('{contamination: c} flags the top c of training scores; {value: t}; or {holdout: f, quantile: q}'),
  preprocessing: PreprocessingSchema.default({ scaling: 'minmax', unseenCategory: 'ignore', missing: 'impute' })
    .describe('scaling: minmax | standard | none (fitted on training rows); unseenCategory: ignore (all-zero one-hot) | error; missing: impute (median / own category / most frequent) | error'),
});

/** Validates parameters against a detector's schema; the error names every bad parameter. */
export function parseParams<S extends z.ZodType>(detector: string, schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const path = i.path.length ? i.path.map(String).join('.') : '(parameters)';
    return `  ${path}: ${i.message}`;
  });
  throw new Error(`${detector}: invalid parameters\n${lines.join('\n')}`);
}
