/**
 * The paper's four benchmark data sets, from the files bundled under data/ (see data/README.md).
 * KDDCUP-Rev is KDDCUP99 with the roles reversed: every `normal.` row is kept as the normal class and
 * attack rows are sampled in each run so that normal : attack = 4 : 1; attacks are the anomalies.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Rng } from '../../engine/rng.js';
import { parseNumericCsv } from '../csv.js';
import { loadKddcupFile } from './kddcup.js';
import type { LabelledDataset } from './types.js';

export const PAPER_DATASETS = ['kddcup', 'kddcup-rev', 'thyroid', 'arrhythmia'] as const;
export type PaperDatasetName = (typeof PAPER_DATASETS)[number];

/** data/ of the installed package. */
export function bundledDataDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'data');
}

export interface BenchDataset {
  name: PaperDatasetName;
  base: LabelledDataset;
  /** The rows and labels of one run (KDDCUP-Rev resamples its attack rows per run). */
  sampleRun(rng: Rng): { idx: Int32Array; labels: Uint8Array };
}

function allRows(base: LabelledDataset): (rng: Rng) => { idx: Int32Array; labels: Uint8Array } {
  const idx = Int32Array.from({ length: base.rows }, (_, i) => i);
  return () => ({ idx, labels: base.labels });
}

export function loadPaperDataset(name: PaperDatasetName, dataDir = bundledDataDir()): BenchDataset {
  switch (name) {
    case 'thyroid':
    case 'arrhythmia': {
      const file = join(dataDir, `${name}.csv`);
      const t = parseNumericCsv(readFileSync(file, 'utf8'), { labelColumn: 'label', source: file });
      const base: LabelledDataset = {
        name, rows: t.rows, cols: t.cols, x: t.x, labels: t.labels!, columns: t.columns,
        description: `ODDS ${name} (${t.rows} rows x ${t.cols} features)`,
      };
      return { name, base, sampleRun: allRows(base) };
    }
    case 'kddcup': {
      const { data } = loadKddcupFile(join(dataDir, 'kddcup.data_10_percent.gz'));
      return { name, base: data, sampleRun: allRows(data) };
    }
    case 'kddcup-rev': {
      const { data, rawLabels } = loadKddcupFile(join(dataDir, 'kddcup.data_10_percent.gz'));
      const normal: number[] = [], attack: number[] = [];
      rawLabels.forEach((l, i) => (l === 'normal.' ? normal : attack).push(i));
      const labels = new Uint8Array(data.rows);
      for (const i of attack) labels[i] = 1;
      const base: LabelledDataset = {
        ...data, name, labels,
        description: `KDDCUP-Rev: all ${normal.length} 'normal.' rows (normal class) + ${Math.floor(normal.length / 4)} attack rows sampled per run (anomalies); ${data.cols} dims`,
      };
      const nAttack = Math.floor(normal.length / 4); // 24,319: Table 1's 121,597 rows
      const attackIdx = Int32Array.from(attack);
      return {
        name, base,
        sampleRun: (rng) => {
          const pick = rng.fork('kddcup-rev attacks').shuffle(attackIdx.slice()).subarray(0, nAttack);
          const idx = new Int32Array(normal.length + nAttack);
          idx.set(normal, 0);
          idx.set(pick, normal.length);
          return { idx, labels };
        },
      };
    }
    default:
      throw new Error(`unknown data set "${String(name)}" (expected one of ${PAPER_DATASETS.join(', ')})`);
  }
}
