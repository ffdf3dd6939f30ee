/** bench csv: the paper's protocol on any labelled data file, for any detector. */
import { Option, type Command } from 'commander';
import { backendInfo, labelsFromColumn, detectorNames, runLabelledBenchmark, type Protocol } from '../../index.js';
import { addDetectorOptions, addReadOptions, type ReadOptionValues, detectorParams, fmt, list, nonNegativeInt, readData, type DetectorOptionValues } from '../common.js';

interface BenchCsvOpts extends DetectorOptionValues, ReadOptionValues {
  labelColumn: string; positive?: string; model: string; runs: number; protocol: Protocol; control: boolean; drop?: string[]; json?: boolean;
}

export function registerBenchCsv(bench: Command, setup: () => void): void {
  addReadOptions(addDetectorOptions(bench.command('csv')
    .description('Run the DAGMM paper\'s protocol (20 random 50/50 splits, fit on normal training rows, flag the anomaly rate) on any labelled data file')
    .argument('<file>', 'labelled data file (CSV, JSON Lines, Arrow IPC, Parquet)')
    .requiredOption('--label-column <name>', 'column with labels (1/true/--positive value = anomaly)')
    .option('--positive <value>', 'label value that means anomaly, for text labels')
    .addOption(new Option('--model <name>', 'detector').choices(detectorNames()).default('dagmm'))
    .option('--runs <n>', 'independent runs (seeds seed .. seed+runs-1)', nonNegativeInt('runs'), 20)
    .addOption(new Option('--protocol <name>', 'evaluation protocol').choices(['paper', 'half-normal']).default('paper'))
    .option('--drop <cols>', 'comma-separated columns to leave out', list)
    .option('--no-control', 'skip the untrained control')
    .option('--json', 'print the result as one JSON object (same shape as bench paper)')))
    .addHelpText('after', '\nExamples:\n  aberrant bench csv data/thyroid.csv --label-column label --model dagmm --runs 20 --seed 1 --json\n  aberrant bench csv flows.parquet --label-column attack --positive yes --runs 5 --epochs 50')
    .action(async (file: string, o: BenchCsvOpts) => {
      setup();
      const table = await readData(file, o);
      const labels = labelsFromColumn(table, o.labelColumn, o.positive ?? null);
      const params = detectorParams(o);
      const seed = o.seed ?? 1;
      delete params.seed;
      const res = runLabelledBenchmark(table, labels, file, {
        detector: o.model, params, labelColumn: o.labelColumn, drop: o.drop, runs: o.runs, seed, protocol: o.protocol, noControl: !o.control,
        onRun: (r, i, c) => process.stderr.write(`run ${i + 1}/${o.runs} seed ${r.seed}: precision ${fmt(r.precision)} recall ${fmt(r.recall)} F1 ${fmt(r.f1)} AUROC ${fmt(r.auroc)} AP ${fmt(r.ap)} (${r.seconds.toFixed(1)} s)${c ? `; untrained F1 ${fmt(c.f1)} AUROC ${fmt(c.auroc)}` : ''}\n`),
      });
      const out = { ...res, ...backendInfo() };
      if (o.json) { console.log(JSON.stringify(out)); return; }
      const f = (k: 'precision' | 'recall' | 'f1' | 'auroc' | 'ap'): string => `${fmt(res.mean[k])} ± ${fmt(res.std[k])}`;
      console.log(`\n${file}, ${o.model}, ${o.runs} runs, ${res.seconds.toFixed(1)} s`);
      console.log(`precision ${f('precision')}  recall ${f('recall')}  F1 ${f('f1')}  AUROC ${f('auroc')}  AP ${f('ap')}`);
      if (res.control.runs.length) console.log(`untrained control: F1 ${fmt(res.control.mean.f1)}  AUROC ${fmt(res.control.mean.auroc)}`);
    });
}
