/** fit, score, eval and inspect: the model lifecycle from the command line. */
import { readFileSync, statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { backendInfo, decodeModelFile, writeModelBytes, detectorEntry, detectorNames, parameterDocs, confusionAt, auroc, averagePrecision } from '../../index.js';
import { addDetectorOptions, addReadOptions, type ReadOptionValues, detectorParams, fmt, list, readData, readModel, writeOutput, type DetectorOptionValues } from '../common.js';
import { progressBar } from '../progress.js';

interface FitOpts extends DetectorOptionValues, ReadOptionValues {
  model: string; out: string; labelColumn?: string; drop?: string[]; categorical?: string[]; numeric?: string[]; json?: boolean;
}

export function registerModelCommands(program: Command, setup: () => void): void {
  const paramHelp = detectorNames().map((n) => `\nParameters of ${n} (--param key=value):\n${parameterDocs(n).map((p) => `  ${p.name.padEnd(24)} ${p.description}${p.default !== undefined ? ` (default ${JSON.stringify(p.default)})` : ''}`).join('\n')}`).join('\n');

  addReadOptions(addDetectorOptions(program.command('fit')
    .description('Fit a detector on a data file (CSV, JSON Lines, Arrow IPC or Parquet) and save it as one model file')
    .argument('<data>', 'training data file')
    .addOption(new Option('--model <name>', 'detector').choices(detectorNames()).default('dagmm'))
    .requiredOption('--out <file>', 'model file to write (e.g. model.abr)')
    .option('--label-column <name>', 'column with labels: left out of the features (fit never reads it)')
    .option('--drop <cols>', 'comma-separated columns to leave out', list)
    .option('--categorical <cols>', 'comma-separated columns to treat as categorical', list)
    .option('--numeric <cols>', 'comma-separated columns to treat as numeric', list)
    .option('--json', 'print the fitted model summary as JSON on stdout')))
    .addHelpText('after', `\nExamples:\n  aberrant fit data/thyroid.csv --label-column label --out thyroid.abr\n  aberrant fit flows.parquet --drop flow_id --contamination 0.02 --param gmmK=4 --out flows.abr\n${paramHelp}`)
    .action(async (data: string, o: FitOpts) => {
      setup();
      const table = await readData(data, o);
      const det = detectorEntry(o.model).create(detectorParams(o));
      const bar = progressBar(`fitting ${o.model}`);
      det.fit(table, { labelColumn: o.labelColumn, drop: o.drop, categorical: o.categorical, numeric: o.numeric, onProgress: (d, t, info) => bar.update(d, t, info) });
      bar.done();
      await writeModelBytes(o.out, det.toBytes());
      const schema = det.dataSchema;
      const summary = {
        model: o.out, data, rows: table.rowCount, ...det.describe(), ...backendInfo(),
        schema: schema?.columns.map((c) => ({ name: c.name, kind: c.kind, role: c.role, ...(c.reason ? { reason: c.reason } : {}) })),
        suggestedLabel: schema?.suggestedLabel ?? null,
      };
      if (o.json) { console.log(JSON.stringify(summary)); return; }
      const r = det.resolvedConfig();
      const err = (s: string): void => { process.stderr.write(`${s}\n`); };
      err(`${o.model} fitted on ${data}: ${det.training?.rows} rows, ${det.featureNames.length} features after preprocessing, ${det.training?.seconds.toFixed(1)} s`);
      if (schema) {
        const dropped = schema.columns.filter((c) => c.role !== 'feature');
        if (dropped.length) err(`columns not used: ${dropped.map((c) => `${c.name} (${c.reason ?? c.role})`).join('; ')}`);
        if (schema.suggestedLabel && !o.labelColumn) err(`note: column "${schema.suggestedLabel}" looks like a label and was left out; pass --label-column ${schema.suggestedLabel} to say so, or --numeric/--categorical to use it`);
      }
      err('configuration (auto = chosen from the data\'s shape):');
      const auto = new Set((r.auto as string[] | undefined) ?? []);
      for (const [k, v] of Object.entries(r)) if (k !== 'auto') err(`  ${k.padEnd(22)} ${JSON.stringify(v)}${auto.has(k) ? '  (auto)' : ''}`);
      err(`threshold ${fmt(det.threshold, 6)} (${det.thresholdRule})`);
      console.log(o.out);
    });

  addReadOptions(program.command('score')
    .description('Score rows with a saved model: row, score, label (1 = anomaly) and rank-probability, as CSV or JSON Lines')
    .argument('<model>', 'model file')
    .argument('<data>', 'data file with the columns the model was fitted on (extra columns are ignored)')
    .option('--out <file>', 'write here instead of stdout (.jsonl/.ndjson = JSON Lines)')
    .addOption(new Option('--output-format <f>', 'output format (default csv; jsonl for .jsonl/.ndjson --out)').choices(['csv', 'jsonl']))
    .option('--json', 'write JSON Lines'))
    .addHelpText('after', '\nColumns: row (1-based data row), score (higher = more anomalous), label (score > threshold), proba\n(fraction of calibration rows scoring lower: a rank, not a calibrated probability).\n\nExamples:\n  aberrant score thyroid.abr data/thyroid.csv > scores.csv\n  aberrant score thyroid.abr new.jsonl --json --out scores.jsonl')
    .action(async (modelPath: string, data: string, o: { out?: string; outputFormat?: string; json?: boolean } & ReadOptionValues) => {
      setup();
      const det = readModel(modelPath);
      const table = await readData(data, o);
      const scores = det.scoreSamples(table);
      const t = det.threshold;
      const proba = det.rankScores(scores);
      const format = o.json ? 'jsonl' : o.outputFormat ?? (o.out && /\.(jsonl|ndjson)$/i.test(o.out) ? 'jsonl' : 'csv');
      const lines: string[] = format === 'csv' ? ['row,score,label,proba'] : [];
      for (let i = 0; i < scores.length; i++) {
        const label = scores[i] > t ? 1 : 0;
        lines.push(format === 'csv' ? `${i + 1},${scores[i]},${label},${proba[i]}` : JSON.stringify({ row: i + 1, score: scores[i], label, proba: proba[i] }));
      }
      writeOutput(o.out, `${lines.join('\n')}\n`);
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
      const det = readModel(modelPath);
      const table = await readData(data, o);
      const labels = det.labelsOf(table, o.labelColumn, o.positive);
      const scores = det.scoreSamples(table);
      const c = confusionAt(scores, labels, det.threshold);
      const res = {
        model: modelPath, data, rows: scores.length, anomalies: labels.reduce((a, b) => a + b, 0), threshold: det.threshold,
        thresholdRule: det.thresholdRule, auroc: auroc(scores, labels), ap: averagePrecision(scores, labels), ...c,
      };
      if (o.json) { console.log(JSON.stringify(res)); return; }
      console.log(`${data}: ${res.rows} rows, ${res.anomalies} anomalies`);
      console.log(`AUROC ${fmt(res.auroc)}  average precision ${fmt(res.ap)}`);
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
      const det = readModel(modelPath); // validates everything
      const bytes = readFileSync(modelPath);
      const { manifest } = decodeModelFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), modelPath);
      const info = { file: modelPath, bytes: statSync(modelPath).size, checksum: 'ok', ...manifest, features: det.featureNames };
      if (o.json) { console.log(JSON.stringify(info)); return; }
      console.log(`${modelPath}: ${info.bytes} bytes, checksum ok, format ${manifest.formatVersion}, written by aberrant ${manifest.libraryVersion} at ${manifest.createdAt}`);
      console.log(`detector ${manifest.detector}`);
      const resolved = (manifest.config as { resolved?: Record<string, unknown> }).resolved ?? {};
      for (const [k, v] of Object.entries(resolved)) console.log(`  ${k.padEnd(22)} ${JSON.stringify(v)}`);
      console.log(`threshold ${fmt(det.threshold, 6)} (${det.thresholdRule})`);
      console.log(`features (${det.featureNames.length}): ${det.featureNames.slice(0, 20).join(', ')}${det.featureNames.length > 20 ? ', ...' : ''}`);
      const tr = det.training;
      if (tr) console.log(`training: ${tr.rows} rows${tr.holdoutRows ? ` (+${tr.holdoutRows} held out)` : ''}, ${tr.steps} steps, ${tr.seconds.toFixed(1)} s, ${tr.finishedAt}`);
      console.log(`weights: ${manifest.tensors.map((t) => `${t.name} [${t.shape.join('x')}]`).join(', ')}`);
    });
}
