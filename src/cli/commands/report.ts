/** report: one self-contained HTML file (and optionally SVG/PNG plots) for a model on a data file. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildReportInput, renderPlotsSvg, renderReportHtml, labelsFromColumn } from '../../index.js';
import { addReadOptions, nonNegativeInt, prepareOutputPath, readData, readModel, writeOutput, type ReadOptionValues } from '../common.js';
import { printable, safeJson } from '../terminal.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export function registerReport(program: Command, setup: () => void): void {
  addReadOptions(program.command('report')
    .description('Write one self-contained HTML report (score histogram and CDF, ROC/PR and confusion matrix when labelled, the learned low-dimensional space, top anomalies with feature contributions)')
    .argument('<model>', 'model file')
    .argument('<data>', 'data file to report on')
    .requiredOption('--out <file>', 'HTML file to write; an existing file needs --force')
    .option('--force', 'replace existing output files (never one of the inputs)')
    .option('--label-column <name>', 'column with labels, for ROC/PR and the confusion matrix')
    .option('--positive <value>', 'label value that means anomaly, for text labels')
    .option('--top <n>', 'top anomalies to list', nonNegativeInt('top'), 20)
    .option('--svg-dir <dir>', 'also write each plot as a standalone SVG file here')
    .option('--png <file>', 'also write a PNG screenshot of the report (needs Debian\'s chromium)')
    .option('--json', 'print what was written as JSON'))
    .addHelpText('after', '\nExamples:\n  aberrant report thyroid.abr data/thyroid.csv --label-column label --out report.html\n  aberrant report model.abr new.csv --out report.html --svg-dir plots/')
    .action(async (modelPath: string, data: string, o: { out: string; force?: boolean; labelColumn?: string; positive?: string; top: number; svgDir?: string; png?: string; json?: boolean } & ReadOptionValues) => {
      setup();
      const inputs = [modelPath, data];
      prepareOutputPath(o.out, inputs, o.force, 'report');
      if (o.png) prepareOutputPath(o.png, inputs, o.force, 'screenshot');
      const { det } = readModel(modelPath);
      const table = await readData(data, o);
      const labels = o.labelColumn ? labelsFromColumn(table, o.labelColumn, o.positive ?? null) : null;
      const input = buildReportInput(det, table, { labels, top: o.top, source: data, title: `${det.name} on ${data}` });
      const svgs = o.svgDir ? Object.entries(renderPlotsSvg(input)).map(([name, svg]) => ({ file: join(o.svgDir!, `${name}.svg`), svg })) : [];
      for (const { file } of svgs) prepareOutputPath(file, inputs, o.force, 'plot');
      await writeOutput(o.out, renderReportHtml(input));
      for (const { file, svg } of svgs) await writeOutput(file, svg);
      const svgFiles = svgs.map((f) => f.file);
      if (o.png) {
        mkdirSync(dirname(o.png), { recursive: true });
        const script = join(packageRoot, 'scripts', 'screenshot-report.mjs');
        if (!existsSync(script)) throw new Error(`--png: ${script} is missing`);
        execFileSync(process.execPath, [script, o.out, o.png], { stdio: ['ignore', 'ignore', 'inherit'] });
      }
      if (o.json) { console.log(safeJson({ html: o.out, svg: svgFiles, png: o.png ?? null, rows: input.scores.length, labelled: labels !== null, threshold: input.threshold })); return; }
      process.stderr.write(`report: ${printable(o.out)} (${input.scores.length} rows, ${input.topAnomalies.length} top anomalies${labels ? ', labelled' : ''})\n`);
    });
}
