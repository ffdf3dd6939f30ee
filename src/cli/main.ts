#!/usr/bin/env node
/** The aberrant command line. Thin: every command calls the library's public entry points. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { backendInfo, useBestBackend, parseNumericCsv, PAPER_CONFIGS, scoreEnergies, trainDagmm, Rng, auroc, type BackendPreference } from '../index.js';
import { registerBench } from './commands/bench.js';
import { registerModelCommands } from './commands/model.js';
import { registerReport } from './commands/report.js';
import { registerServe } from './commands/serve.js';
import { registerStream } from './commands/stream.js';
import { printable } from './terminal.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const version = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${v}"`);
    return n;
  };
}

const program = new Command();
program.name('aberrant').description('Deep unsupervised anomaly detection for tabular data').version(version)
  .addOption(new Option('--backend <name>', 'compute backend').choices(['auto', 'native', 'typescript']).default('auto'))
  .showHelpAfterError();

program.command('demo')
  .description('Train DAGMM (the paper\'s Thyroid network) on the bundled Thyroid data and print the most anomalous test rows')
  .option('--epochs <n>', 'training epochs', positiveInt('epochs'), 200)
  .option('--seed <n>', 'seed for the split, initialisation, shuffling and dropout', positiveInt('seed'), 1)
  .option('--top <n>', 'rows to print', positiveInt('top'), 10)
  .option('--json', 'print one JSON object instead of a table')
  .addHelpText('after', '\nExamples:\n  aberrant demo\n  aberrant demo --epochs 500 --seed 3 --json')
  .action((o: { epochs: number; seed: number; top: number; json?: boolean }) => {
    useBestBackend(program.opts<{ backend: BackendPreference }>().backend);
    const file = join(packageRoot, 'data', 'thyroid.csv');
    const table = parseNumericCsv(readFileSync(file, 'utf8'), { labelColumn: 'label', source: file });
    const { rows, cols, x, labels } = table;
    // Random 50/50 split; the model sees the training half without labels.
    const perm = new Rng(o.seed).fork('split').permutation(rows);
    const nTrain = Math.floor(rows / 2);
    const pick = (idx: ArrayLike<number>): Float32Array => {
      const out = new Float32Array(idx.length * cols);
      for (let i = 0; i < idx.length; i++) out.set(x.subarray(idx[i] * cols, (idx[i] + 1) * cols), i * cols);
      return out;
    };
    const trainIdx = perm.subarray(0, nTrain), testIdx = perm.subarray(nTrain);
    const cfg = PAPER_CONFIGS.thyroid;
    const log = (s: string): void => { if (!o.json) process.stderr.write(s); };
    const { backend, threads } = backendInfo();
    log(`DAGMM on thyroid.csv: ${rows} rows x ${cols} features, train ${nTrain} / test ${rows - nTrain} (seed ${o.seed})\n`);
    log(`compression ${cfg.compression}\nestimation  ${cfg.estimation}\nbackend ${backend} (${threads} thread${threads > 1 ? 's' : ''}), ${o.epochs} epochs, batch ${cfg.batchSize}\n`);
    const trained = trainDagmm(cfg, pick(trainIdx), nTrain, {
      epochs: o.epochs, batchSize: cfg.batchSize, learningRate: cfg.learningRate, seed: o.seed,
      onEpoch: (ep, s) => { if (ep === o.epochs || ep % Math.max(1, Math.floor(o.epochs / 5)) === 0) log(`  epoch ${ep}: loss ${s.loss.toFixed(4)} (reconstruction ${s.recon.toFixed(4)}, energy ${s.energy.toFixed(4)})\n`); },
    });
    const nTest = testIdx.length;
    const energies = scoreEnergies(trained.net, trained.gmm, pick(testIdx), nTest);
    const testLabels = Uint8Array.from(testIdx, (i) => labels![i]);
    const order = Array.from({ length: nTest }, (_, i) => i).sort((a, b) => energies[b] - energies[a]);
    const flagged = Math.round(cfg.anomalyRatio * nTest);
    let hits = 0;
    for (let i = 0; i < flagged; i++) hits += testLabels[order[i]];
    const result = {
      dataset: 'thyroid', model: 'dagmm', backend, threads, epochs: o.epochs, seed: o.seed,
      train_seconds: trained.seconds, steps: trained.steps,
      test_rows: nTest, test_anomalies: testLabels.reduce((p, q) => p + q, 0),
      auroc: auroc(energies, testLabels), precision_at_ratio: hits / flagged, flagged,
      top: order.slice(0, o.top).map((i) => ({ row: testIdx[i] + 2, energy: energies[i], label: testLabels[i] })),
    };
    if (o.json) { console.log(JSON.stringify(result)); return; }
    console.log(`\ntrained ${trained.steps} steps in ${trained.seconds.toFixed(2)} s`);
    console.log(`test AUROC ${result.auroc.toFixed(4)}; top ${flagged} (${cfg.anomalyRatio * 100}%) by energy hold ${hits} of ${result.test_anomalies} anomalies (precision ${result.precision_at_ratio.toFixed(3)})\n`);
    console.log('most anomalous test rows (higher energy = more anomalous):');
    console.log('  line in thyroid.csv   energy      label');
    for (const t of result.top) console.log(`  ${String(t.row).padStart(17)}   ${t.energy.toFixed(4).padStart(9)}   ${t.label ? 'anomaly' : 'normal'}`);
  });

const setup = (): void => { useBestBackend(program.opts<{ backend: BackendPreference }>().backend); };
registerModelCommands(program, setup);
registerReport(program, setup);
registerServe(program, setup);
registerStream(program, setup);

const bench = program.command('bench').description('Benchmarks and paper reproductions');
registerBench(bench, setup);

program.command('info')
  .description('Print the version and the compute backend in use')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExamples:\n  aberrant info\n  aberrant --backend typescript info --json')
  .action((o: { json?: boolean }) => {
    useBestBackend(program.opts<{ backend: BackendPreference }>().backend);
    const info = { version, ...backendInfo(), node: process.version };
    console.log(o.json ? JSON.stringify(info) : `aberrant ${info.version}: ${info.backend} backend, ${info.threads} thread(s), Node ${info.node}`);
  });

/** Every failure is one line on stderr and exit code 1: never a stack trace, never raw control characters. */
function die(e: unknown): never {
  const message = e instanceof Error ? e.message : String(e);
  // Messages listing several problems put each on an indented line ("\n  name: problem"): join them with "; ".
  process.stderr.write(`aberrant: ${printable(message.replace(/\n {2}/g, '; '))}\n`);
  process.exit(1);
}

// A closed pipe (`aberrant score ... | head -1`) means the reader has what it wants: stop quietly.
const quietOnEpipe = (e: NodeJS.ErrnoException): void => { if (e.code === 'EPIPE') process.exit(0); else die(e); };
process.stdout.on('error', quietOnEpipe);
process.stderr.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); });
process.on('uncaughtException', die);
process.on('unhandledRejection', die);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  die(e);
}
