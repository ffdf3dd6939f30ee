/**
 * KDDCUP99 10% (data/kddcup.data_10_percent.gz) as the DAGMM paper uses it: the 7 symbolic columns
 * (protocol_type, service, flag, land, logged_in, is_host_login, is_guest_login) are one-hot encoded
 * with the values present in the file, the 34 continuous columns kept as they are; `normal.` traffic
 * (the minority, 19.69%) is the anomaly class.
 *
 * Dimension: one-hot of the 7 symbolic columns gives 3 + 66 + 11 + 2 + 2 + 1 + 2 = 87 columns, so 121 in
 * all; is_host_login takes a single value in the 10% file, so its one-hot block is a constant column and is
 * dropped, leaving 120, the paper's input size.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { LabelledDataset } from './types.js';

const NAMES = ['duration', 'protocol_type', 'service', 'flag', 'src_bytes', 'dst_bytes', 'land', 'wrong_fragment', 'urgent',
  'hot', 'num_failed_logins', 'logged_in', 'num_compromised', 'root_shell', 'su_attempted', 'num_root',
  'num_file_creations', 'num_shells', 'num_access_files', 'num_outbound_cmds', 'is_host_login', 'is_guest_login',
  'count', 'srv_count', 'serror_rate', 'srv_serror_rate', 'rerror_rate', 'srv_rerror_rate', 'same_srv_rate',
  'diff_srv_rate', 'srv_diff_host_rate', 'dst_host_count', 'dst_host_srv_count', 'dst_host_same_srv_rate',
  'dst_host_diff_srv_rate', 'dst_host_same_src_port_rate', 'dst_host_srv_diff_host_rate', 'dst_host_serror_rate',
  'dst_host_srv_serror_rate', 'dst_host_rerror_rate', 'dst_host_srv_rerror_rate'];
const SYMBOLIC = new Set(['protocol_type', 'service', 'flag', 'land', 'logged_in', 'is_host_login', 'is_guest_login']);

export interface KddRaw {
  /** Encoded features of all 494,021 rows. */
  data: LabelledDataset;
  /** The raw label of each row (e.g. "normal.", "smurf."). */
  rawLabels: string[];
}

/** Parses the gzipped KDDCUP99 file; `file` names it in errors. */
export function parseKddcup(gz: Uint8Array, file: string): KddRaw {
  const text = gunzipSync(gz).toString('latin1');
  const lines = text.split('\n');
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  const n = lines.length;
  const symIdx = NAMES.map((nm, i) => (SYMBOLIC.has(nm) ? i : -1)).filter((i) => i >= 0);
  // First pass: category values per symbolic column, in order of first appearance, then sorted for stability.
  const cats = new Map<number, Set<string>>(symIdx.map((i) => [i, new Set<string>()]));
  const cells: string[][] = new Array<string[]>(n);
  for (let r = 0; r < n; r++) {
    const c = lines[r].split(',');
    if (c.length !== 42) throw new Error(`${file}: line ${r + 1}: expected 42 comma-separated values (41 features + label), got ${c.length}`);
    cells[r] = c;
    for (const i of symIdx) cats.get(i)!.add(c[i]);
  }
  const columns: string[] = [];
  const layout: { src: number; value?: string }[] = [];
  NAMES.forEach((nm, i) => {
    if (!SYMBOLIC.has(nm)) { columns.push(nm); layout.push({ src: i }); return; }
    const values = [...cats.get(i)!].sort();
    if (values.length < 2) return; // a constant one-hot column carries no information
    for (const v of values) { columns.push(`${nm}=${v}`); layout.push({ src: i, value: v }); }
  });
  const cols = columns.length;
  const x = new Float32Array(n * cols);
  const labels = new Uint8Array(n);
  const rawLabels: string[] = new Array<string>(n);
  for (let r = 0; r < n; r++) {
    const c = cells[r];
    for (let j = 0; j < cols; j++) {
      const { src, value } = layout[j];
      if (value !== undefined) { x[r * cols + j] = c[src] === value ? 1 : 0; continue; }
      const v = Number(c[src]);
      if (!Number.isFinite(v) || c[src] === '') throw new Error(`${file}: line ${r + 1}, column "${NAMES[src]}": expected a number, got "${c[src]}"`);
      x[r * cols + j] = v;
    }
    const lab = c[41].trim();
    rawLabels[r] = lab;
    labels[r] = lab === 'normal.' ? 1 : 0;
  }
  return {
    data: {
      name: 'kddcup', rows: n, cols, x, labels, columns,
      description: `KDDCUP99 10%: 34 continuous columns + one-hot of 7 symbolic columns (constant one-hot columns dropped) = ${cols} dims; anomaly = 'normal.' traffic`,
    },
    rawLabels,
  };
}

export function loadKddcupFile(path: string): KddRaw {
  return parseKddcup(readFileSync(path), path);
}
