/**
 * The benchmark protocol (paper.ts) on any labelled table and any registered detector: the table is the
 * source, its anomaly rate the 'paper' protocol's flagged fraction. Same JSON shape as `bench paper`.
 */
import { selectRows, type Table } from '../data/table.js';
import { runBenchmark, type BenchOptions, type BenchResult, type BenchSource } from './paper.js';

export interface LabelledBenchOptions extends Omit<BenchOptions, 'model'> {
  detector: string;
  labelColumn: string;
  drop?: string[];
}

export function runLabelledBenchmark(table: Table, labels: Uint8Array, name: string, o: LabelledBenchOptions): BenchResult {
  return runBenchmark(labelledSource(table, labels, name, o), { ...o, model: o.detector });
}

/** A labelled table as a benchmark source: every row in every run, the file's anomaly rate as the flagged fraction. */
export function labelledSource(table: Table, labels: Uint8Array, name: string, o: { labelColumn: string; drop?: string[] }): BenchSource {
  if (labels.length !== table.rowCount) throw new Error(`labels: ${labels.length} values for ${table.rowCount} rows`);
  const anomalies = labels.reduce((a, b) => a + b, 0);
  if (anomalies === 0 || anomalies === labels.length) throw new Error(`${table.source}: label column "${o.labelColumn}" must contain both classes (found ${anomalies} anomalies in ${labels.length} rows)`);
  const ratio = anomalies / labels.length;
  const idx = Int32Array.from({ length: table.rowCount }, (_, i) => i);
  return {
    name, ratio, ratioSource: 'the file\'s anomaly rate',
    sampleRun: () => ({ idx, labels }),
    rows: (rows) => selectRows(table, rows),
    fitOptions: { labelColumn: o.labelColumn, drop: o.drop },
    config: { labelColumn: o.labelColumn, anomalyRatio: ratio, rows: table.rowCount },
  };
}
