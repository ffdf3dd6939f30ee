/** fit, score, eval and inspect: the model lifecycle from the command line. */
import { Option, type Command } from 'commander';
import { backendInfo, decodeModelFile, writeModelBytes, detectorEntry, detectorNames, parameterDocs, confusionAt, auroc, averagePrecision, scoreRows,
  SCORE_CSV_HEADER, scoreCsvLine } from '../../index.js';
import {
  addDetectorOptions, addReadOptions, type ReadOptionValues, detectorParams, fmt, list, nonNegativeInt, OutputSink, prepareOutputPath,
  readData, readModel, reportTransformNotes, type DetectorOptionValues,
} from '../common.js';
import { progressBar } from '../progress.js';
import { printable, safeJson, shortPrintable } from '../terminal.js';

interface FitOpts extends DetectorOptionValues, ReadOptionValues {
  model: string; out: string; force?: boolean; labelColumn?: string; drop?: string[]; categorical?: string[]; numeric?: string[];
  maxCategories?: number; json?: boolean;
}

/** Lines of score output are written in chunks of about this many characters. */
const OUTPUT_CHUNK_CHARS = 1 << 20;

/** JSON for one line: numbers to 6 significant digits, long arrays cut to their first 6 values and a count. */
function compactJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'number' && Number.isFinite(x) && !Number.isInteger(x)) return Number(x.toPrecision(6));
    if (Array.isArray(x) && x.length > 6) return [...x.slice(0, 6), `... ${x.length} values`];
    return x;
  });
}

/** A resolved `members` list (auto's): entries that name a detector. */
function isMemberList(v: unknown): v is { detector: string; params?: unknown; resolved?: unknown }[] {
  return Array.isArray(v) && v.length > 0 && v.every((m) => typeof m === 'object' && m !== null && typeof (m as { detector?: unknown }).detector === 'string');
}

/**
 * A resolved configuration as display lines, shared by fit and inspect: keys chosen from the data marked (auto),
 * auto's members one per line. Values are escaped and cut at `maxChars` (a model file may come from anyone).
 */
function configLines(resolved: Record<string, unknown>, maxChars: number): string[] {
  const chosen = new Set(Array.isArray(resolved.auto) ? resolved.auto : []);
  const lines: string[] = [];
  for (const [k, v] of Object.entries(resolved)) {
    if (k === 'auto') continue;
    const key = shortPrintable(k, 64), mark = chosen.has(k) ? '  (auto)' : '';
    if (isMemberList(v)) { // auto's members: one line each, so the list reads like the rest of the table
      lines.push(`  ${key}${mark}`);
      v.forEach((m, i) => lines.push(`    ${i + 1}. ${shortPrintable(m.detector, 64).padEnd(10)} ${shortPrintable(compactJson(m.resolved ?? m.params ?? {}), maxChars)}`));
    } else lines.push(`  ${key.padEnd(22)} ${shortPrintable(JSON.stringify(v) ?? 'undefined', maxChars)}${mark}`);
  }
  return lines;
}

export function registerModelCommands(program: Command, setup: () => void): void {
  const paramHelp = (n: string): string => `\nParameters of ${n} (--param key=value):\n${parameterDocs(n).map((p) => `  ${p.name.padEnd(24)} ${p.description}${p.default !== undefined ? ` (default ${JSON.stringify(p.default)})` : ''}`).join('\n')}`;
  // Every detector's parameters would be hundreds of lines: the list names them, --model X --help shows X's.
  const modelHelp = (cmd: Command): string => {
    const chosen = (cmd.opts() as { model?: string }).model;
    if (chosen && cmd.getOptionValueSource('model') !== 'default') return paramHelp(chosen);
    const width = Math.max(...detectorNames().map((n) => n.length));
    return `\nDetectors (aberrant fit --model NAME --help lists NAME's parameters):\n${detectorNames().map((n) => `  ${n.padEnd(width)}  ${detectorEntry(n).summary}`).join('\n')}\n${paramHelp('auto')}`;
  };

  addReadOptions(addDetectorOptions(program.command('fit')
    .description('Fit a detector on a data file (CSV, JSON Lines, Arrow IPC or Parquet) and save it as one model file')
    .argument('<data>', 'training data file')
    .addOption(new Option('--model <name>', 'detector (default auto: iforest, knn, pca and ecod combined; see docs/benchmarks.md)').choices(detectorNames()).default('auto'))
    .requiredOption('--out <file>', 'model file to write (e.g. model.abr); an existing file needs --force')
    .option('--force', 'replace an existing --out file (never one of the inputs)')
    .option('--max-categories <n>', 'most distinct values a categorical column may have (default 100)', nonNegativeInt('max-categories'))
    .option('--label-column <name>', 'column with labels: left out of the features (fit never reads it)')
    .option('--drop <cols>', 'comma-separated columns to leave out', list)
    .option('--categorical <cols>', 'comma-separated columns to treat as categorical', list)
    .option('--numeric <cols>', 'comma-separated columns to treat as numeric', list)
    .option('--json', 'print the fitted model summary as JSON on stdout')))
    .addHelpText('after', ({ command }) => `\nExamples:\n  aberrant fit data/thyroid.csv --label-column label --out thyroid.abr\n  aberrant fit flows.parquet --drop flow_id --contamination 0.02 --param gmmK=4 --out flows.abr\n  aberrant fit flows.csv --model iforest --help   (iforest's parameters)\n${modelHelp(command)}`)
    .action(async (data: string, o: FitOpts) => {
      setup();
      prepareOutputPath(o.out, [data], o.force, 'model');
      const table = await readData(data, o);
      const entry = detectorEntry(o.model), det = entry.create(detectorParams(o));
      if (entry.unreliable) process.stderr.write(`warning: ${o.model} does not rank rows reliably: ${printable(entry.unreliable)}\n`);
      if (entry.slowScoring) process.stderr.write(`note: ${o.model} is slow to score: ${printable(entry.slowScoring)}\n`);
      const bar = progressBar(`fitting ${o.model}`);
      det.fit(table, {
        labelColumn: o.labelColumn, drop: o.drop, categorical: o.categorical, numeric: o.numeric, maxCategories: o.maxCategories,
        onProgress: (d, t, info) => bar.update(d, t, info),
      });
      bar.done();
      prepareOutputPath(o.out, [data], o.force, 'model'); // again: the file may have appeared while training
      await writeModelBytes(o.out, det.toBytes());
      const schema = det.dataSchema;
      const summary = {
        model: o.out, data, rows: table.rowCount, ...det.describe(), ...backendInfo(),
        schema: schema?.columns.map((c) => ({ name: c.name, kind: c.kind, role: c.role, ...(c.reason ? { reason: c.reason } : {}) })),
        suggestedLabel: schema?.suggestedLabel ?? null,
      };
      if (o.json) { console.log(safeJson(summary)); return; }
      const r = det.resolvedConfig();
      const err = (s: string): void => { process.stderr.write(`${printable(s)}\n`); };
      err(`${o.model} fitted on ${data}: ${det.training?.rows} rows, ${det.featureNames.length} features after preprocessing, ${det.training?.seconds.toFixed(1)} s`);
      if (schema) {
        const dropped = schema.columns.filter((c) => c.role !== 'feature');
        if (dropped.length) err(`columns not used: ${dropped.map((c) => `${shortPrintable(c.name)} (${c.reason ?? c.role})`).join('; ')}`);
        if (schema.suggestedLabel && !o.labelColumn) err(`note: column "${schema.suggestedLabel}" looks like a label and was left out; pass --label-column ${schema.suggestedLabel} to say so, or --numeric/--categorical to use it`);
      }
      err('configuration (auto = chosen from the data\'s shape):');
      for (const line of configLines(r, Infinity)) err(line);
      const why = det.explain();
      if (why) err(why);
      err(`threshold ${fmt(det.threshold, 6)} (${det.thresholdRule})`);
      console.log(printable(o.out));
    });

  addReadOptions(program.command('score')
    .description('Score rows with a saved model: row, score, label (1 = anomaly) and rank-probability, as CSV or JSON Lines')
    .argument('<model>', 'model file')
    .argument('<data>', 'data file with the columns the model was fitted on (extra columns are ignored)')
    .option('--out <file>', 'write here instead of stdout (.jsonl/.ndjson = JSON Lines); an existing file needs --force')
    .option('--force', 'replace an existing --out file (never one of the inputs)')
    .addOption(new Option('--output-format <f>', 'output format (default csv; jsonl for .jsonl/.ndjson --out)').choices(['csv', 'jsonl']))
    .option('--json', 'write JSON Lines'))
    .addHelpText('after', '\nColumns: row (1-based data row), score (higher = more anomalous), label (score > threshold), proba\n(fraction of calibration rows scoring lower: a rank, not a calibrated probability).\nData "-" is standard input (CSV unless --format says otherwise).\n\nExamples:\n  aberrant score thyroid.abr data/thyroid.csv > scores.csv\n  aberrant score thyroid.abr new.jsonl --json --out scores.jsonl\n  cat new.csv | aberrant score thyroid.abr - | head')
    .action(async (modelPath: string, data: string, o: { out?: string; force?: boolean; outputFormat?: string; json?: boolean } & ReadOptionValues) => {
      setup();
      if (o.out && o.out !== '-') prepareOutputPath(o.out, [modelPath, data], o.force, 'scores');
      const { det } = readModel(modelPath);
      const table = await readData(data, o);
      const scored = scoreRows(det, table);
      reportTransformNotes(scored);
      const { scores, isAnomaly, rank: proba } = scored;
      const format = o.json ? 'jsonl' : o.outputFormat ?? (o.out && /\.(jsonl|ndjson)$/i.test(o.out) ? 'jsonl' : 'csv');
      const sink = new OutputSink(o.out);
      let chunk = format === 'csv' ? `${SCORE_CSV_HEADER}\n` : '';
      for (let i = 0; i < scores.length; i++) {
        const label = isAnomaly[i];
        chunk += format === 'csv' ? scoreCsvLine(i, scores[i], label, proba[i]) : `${JSON.stringify({ row: i + 1, score: scores[i], label, proba: proba[i] })}\n`;
        if (chunk.length >= OUTPUT_CHUNK_CHARS) { await sink.write(chunk); chunk = ''; }
      }
      if (chunk) await sink.write(chunk);
      await sink.close();
    });

  addReadOptions(program.command('eval')
    .description('Evaluate a saved model on labelled data: AUROC, average precision, and precision/recall/F1 at the model\'s threshold')
    .argument('<model>', 'model file')
    .argument('<data>', 'labelled data file')
    .requiredOption('--label-column <name>', 'column with labels (1/true/anomaly value = anomaly)')
    .option('--positive <value>', 'label value that means anomaly, for text labels')
    .option('--json', 'print JSON'))
    .addHelpText('after', '\nExample:\n  aberrant eval thyroid.abr data/thyroid.csv --label-column label')
    .action(async (modelPath: string, data: string, o: { labelColumn: string; positive?: string; json?: boolean } & ReadOptionValues) => {
      setup();
      const { det } = readModel(modelPath);
      const table = await readData(data, o);
      const labels = det.labelsOf(table, o.labelColumn, o.positive);
      const scored = det.scoreDetailed(table);
      reportTransformNotes(scored);
      const { scores } = scored;
      const c = confusionAt(scores, labels, det.threshold);
      const anomalies = labels.reduce((a, b) => a + b, 0);
      // AUROC and AP compare the two classes: with one class they do not exist (not NaN, not 0.5).
      const bothClasses = anomalies > 0 && anomalies < labels.length;
      const oneClass = bothClasses ? null
        : `label column "${o.labelColumn}" has only ${anomalies === 0 ? 'normal rows' : 'anomalies'} (${anomalies} anomalies in ${labels.length} rows): AUROC and average precision need both classes`;
      const res = {
        model: modelPath, data, rows: scores.length, anomalies, threshold: det.threshold,
        thresholdRule: det.thresholdRule, auroc: bothClasses ? auroc(scores, labels) : null, ap: bothClasses ? averagePrecision(scores, labels) : null,
        ...c, ...(oneClass ? { note: oneClass } : {}),
      };
      if (o.json) { console.log(safeJson(res)); return; }
      console.log(printable(`${data}: ${res.rows} rows, ${res.anomalies} anomalies`));
      if (oneClass) console.log(`note: ${printable(oneClass)}`);
      else console.log(`AUROC ${fmt(res.auroc!)}  average precision ${fmt(res.ap!)}`);
      console.log(`at threshold ${fmt(res.threshold, 6)} (${res.thresholdRule}):`);
      console.log(`  flagged ${c.truePositives + c.falsePositives}: precision ${fmt(c.precision)} recall ${fmt(c.recall)} F1 ${fmt(c.f1)}  (TP ${c.truePositives} FP ${c.falsePositives} FN ${c.falseNegatives} TN ${c.trueNegatives})`);
    });

  program.command('inspect')
    .description('Show what a model file holds: detector, configuration, preprocessing, threshold, training, weights')
    .argument('<model>', 'model file')
    .option('--json', 'print the manifest as JSON')
    .addHelpText('after', '\nExample:\n  aberrant inspect thyroid.abr')
    .action((modelPath: string, o: { json?: boolean }) => {
      setup();
      const { det, bytes } = readModel(modelPath); // one bounded read; validates everything
      const { manifest } = decodeModelFile(bytes, modelPath);
      const info = { file: modelPath, bytes: bytes.length, checksum: 'ok', ...manifest, features: det.featureNames };
      if (o.json) { console.log(safeJson(info)); return; }
      const p = printable, sp = (t: string): string => shortPrintable(t, 64);
      console.log(`${p(modelPath)}: ${info.bytes} bytes, checksum ok, format ${manifest.formatVersion}, written by aberrant ${sp(manifest.libraryVersion)} at ${sp(manifest.createdAt)}`);
      console.log(`detector ${sp(manifest.detector)}`);
      const resolved = (manifest.config as { resolved?: Record<string, unknown> }).resolved ?? {};
      for (const line of configLines(resolved, 200)) console.log(line);
      console.log(`threshold ${fmt(det.threshold, 6)} (${p(det.thresholdRule)})`);
      console.log(`features (${det.featureNames.length}): ${det.featureNames.slice(0, 20).map(sp).join(', ')}${det.featureNames.length > 20 ? ', ...' : ''}`);
      const tr = det.training;
      if (tr) console.log(`training: ${tr.rows} rows${tr.holdoutRows ? ` (+${tr.holdoutRows} held out)` : ''}, ${tr.steps} steps, ${tr.seconds.toFixed(1)} s, ${sp(tr.finishedAt)}`);
      console.log(`weights: ${manifest.tensors.slice(0, 50).map((t) => `${sp(t.name)} [${t.shape.join('x')}]`).join(', ')}${manifest.tensors.length > 50 ? `, ... (${manifest.tensors.length} tensors)` : ''}`);
    });
}
