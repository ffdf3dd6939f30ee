/**
 * The anomaly ratio of each of the DAGMM paper's data sets (Zong et al. 2018, Table 1): the fraction of
 * test rows the paper's protocol flags, for every detector.
 */
import type { PaperDatasetName } from './bundled.js';

export const PAPER_ANOMALY_RATIOS: Record<PaperDatasetName, number> = { kddcup: 0.2, thyroid: 0.025, arrhythmia: 0.15, 'kddcup-rev': 0.2 };

/** One value per paper data set. */
export function perPaperDataset<T>(f: (name: PaperDatasetName) => T): Record<PaperDatasetName, T> {
  return Object.fromEntries((Object.keys(PAPER_ANOMALY_RATIOS) as PaperDatasetName[]).map((k) => [k, f(k)])) as Record<PaperDatasetName, T>;
}
