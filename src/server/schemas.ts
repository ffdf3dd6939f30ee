/**
 * Every request and response body of the scoring server, as zod schemas: the handlers validate with them and
 * the OpenAPI document (/openapi.json) is generated from them, so the two cannot disagree.
 * The /v2 shapes are the Open Inference Protocol's (KServe "V2") REST JSON objects, field for field.
 */
import * as z from '../zod.js';

const d = (text: string) => z.describe(text);
const count = z.number().check(z.int(), z.minimum(0));

export const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;
export type Datatype = typeof DATATYPES[number];
const Datatype = z.enum(DATATYPES);
const Parameters = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).check(d('OIP parameters: extra, protocol-defined or free-form settings'));

export const ErrorResponse = z.object({ error: z.string().check(d('what is wrong: which input, row or column, expected versus got')) });

export const LiveResponse = z.object({ live: z.boolean() });
export const ReadyResponse = z.object({ ready: z.boolean() });
export const ModelReadyResponse = z.object({ name: z.string(), ready: z.boolean() });

export const ServerMetadataResponse = z.object({
  name: z.string(), version: z.string(), extensions: z.array(z.string()),
});

const MetadataTensor = z.object({
  name: z.string(), datatype: Datatype,
  shape: z.array(z.number().check(z.int())).check(d('-1 marks the variable batch dimension')),
  parameters: z.optional(Parameters),
});

export const ModelMetadataResponse = z.object({
  name: z.string(),
  versions: z.optional(z.array(z.string()).check(d('the served version: the first 12 hex digits of the model file\'s SHA-256'))),
  platform: z.string(),
  inputs: z.array(MetadataTensor).check(d('one per raw column the model reads, in order; the datatype says which values it takes')),
  outputs: z.array(MetadataTensor),
  parameters: z.optional(Parameters),
});

const RequestInput = z.object({
  name: z.string().check(d('a raw column of the model, or any name for the one [N, F] matrix input')),
  shape: z.array(count),
  datatype: Datatype,
  parameters: z.optional(Parameters),
  data: z.array(z.unknown()).check(d('row-major values, flat or nested; null is a missing value')),
});

export const InferRequest = z.object({
  id: z.optional(z.string()),
  parameters: z.optional(Parameters),
  inputs: z.array(RequestInput).check(z.minLength(1)),
  outputs: z.optional(z.array(z.object({ name: z.string(), parameters: z.optional(Parameters) })).check(d('which of score, is_anomaly, rank to return (default: all)'))),
});
export type InferRequest = z.infer<typeof InferRequest>;

const ResponseOutput = z.object({
  name: z.string(), shape: z.array(count), datatype: Datatype, parameters: z.optional(Parameters),
  data: z.array(z.union([z.number(), z.boolean()])),
});

export const InferResponse = z.object({
  model_name: z.string(), model_version: z.optional(z.string()), id: z.optional(z.string()), parameters: z.optional(Parameters),
  outputs: z.array(ResponseOutput),
});
export type InferResponse = z.infer<typeof InferResponse>;

const CellValue = z.union([z.number(), z.string(), z.boolean(), z.null()]);

export const ScoreRequest = z.object({
  rows: z.array(z.record(z.string(), CellValue)).check(d('one object per row: raw column name -> value; extra columns are ignored, null or an absent column is a missing value')),
});

const ContributionSchema = z.object({
  feature: z.string().check(d('preprocessed feature, e.g. "bytes" or "proto=tcp"')),
  value: z.union([z.number(), z.string()]).check(d('the raw value of the source column')),
  contribution: z.number().check(d('share of the row\'s total squared reconstruction error')),
});

const ScoreResult = z.object({
  score: z.number().check(d('higher = more anomalous; equals `aberrant score` for the same row and model')),
  is_anomaly: z.boolean().check(d('score > the model\'s threshold')),
  rank: z.number().check(d('fraction of the model\'s calibration rows (held-out rows, else training rows) scoring below this row, in [0, 1]; a rank, not a probability')),
  contributions: z.optional(z.array(ContributionSchema).check(d('with ?explain=1: the largest per-feature contributions, as in the HTML report'))),
});

export const ScoreResponse = z.object({
  model: z.string(), model_version: z.string(),
  threshold: z.number(),
  results: z.array(ScoreResult).check(d('one per input row, in order')),
  notes: z.optional(z.object({
    unseen: count, clamped: count,
    unseenByColumn: z.record(z.string(), count), clampedByColumn: z.record(z.string(), count),
  }).check(d('present when preprocessing met category values not seen in training or clamped extreme numbers'))),
  contribution_method: z.optional(z.string()),
});
export type ScoreResponse = z.infer<typeof ScoreResponse>;

export const ScoreQuery = z.object({
  explain: z.optional(z.enum(['0', '1', 'true', 'false'])),
  top_features: z.optional(z.string().check(z.regex(/^[1-9][0-9]{0,3}$/), d('contributions listed per row with explain (default 5)'))),
});

export const ModelListResponse = z.object({
  models: z.array(z.object({ name: z.string(), version: z.string(), detector: z.string(), file: z.string(), loaded_at: z.string() })),
});

/** One problem per line: "inputs.0.shape: expected array, received string". */
export function describeIssues(e: z.core.$ZodError, root: string): string {
  return e.issues.slice(0, 5).map((i) => `${[root, ...i.path.map(String)].join('.')}: ${i.message}`).join('; ') + (e.issues.length > 5 ? `; and ${e.issues.length - 5} more` : '');
}
