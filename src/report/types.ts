/** What a report is made from: one detector's scores on one data set, with whatever else is known. */
export interface ReportInput {
  title: string;
  generatedAt: string;                  // ISO time, shown in the header
  model: { detector: string; summary: Record<string, string | number> };   // e.g. config, threshold rule, training time
  data: { source: string; rows: number; columns: number };
  scoreName: string;                    // e.g. 'sample energy'
  scores: Float64Array;                 // one per row, higher = more anomalous
  threshold: number;                    // rows with score > threshold are flagged
  thresholdRule: string;                // e.g. 'contamination 0.025 of training scores'
  labels?: Uint8Array | null;           // 1 = anomaly, when the data is labelled
  embedding?: { names: string[]; values: Float32Array } | null;  // rows x names.length: e.g. [z_c..., relative euclidean, cosine]
  topAnomalies: {
    row: number; score: number; contributions: { feature: string; value: number | string; contribution: number }[];
    members?: { detector: string; score: number }[];  // ensembles (auto): each member's normalised score for the row
  }[];
  contributionMethod: string;           // one sentence saying how contributions were computed
}
