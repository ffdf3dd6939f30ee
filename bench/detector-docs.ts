/** Prints docs/detectors.md from the detector registry's parameter schemas (a test checks it is current). */
import { detectorEntries, parameterDocs } from '../src/detectors/registry.js';

export function detectorDocs(): string {
  const out = ['# Detectors', '', 'Generated from each detector\'s parameter schema by `node dist/bench/detector-docs.js > docs/detectors.md`;',
    'the same schema validates parameters and writes the CLI\'s `--help`. Pass parameters as `--param key=value`',
    '(repeatable; values are read as JSON when they parse) or `--params \'{"key": value}\'` on the command line,',
    'or as an object to the detector\'s constructor.', '',
    'A deep detector is a subclass of `DeepDetector` (src/detectors/deep/detector.ts): it declares its configuration,',
    'its networks in the paper\'s notation, the loss of a batch (or, for adversarial models, several training phases per',
    'batch run in order, each with its loss, the networks it updates and its own optimiser: `phases()`, see',
    '`src/detectors/advae`) and the scores of a batch (plus optional hooks); the',
    'template trains (epochs, batches, shuffling, seeding, gradient clipping, early stopping on held-out training rows),',
    'scores in batches and saves the weights. A detector registers itself with `registerDetector` and gets one import',
    'line in src/detectors/builtin.ts; the CLI, this page, `bench paper`/`bench csv` and the conformance suite then',
    'pick it up. `src/detectors/ae` is the smallest example.', '',
    'Benchmarks (`aberrant bench paper --model <name>`, `aberrant bench csv --model <name>`) run every detector through',
    'the same protocol: `paper` flags a fixed ratio of test scores (Table 1\'s, or the file\'s anomaly rate);',
    '`half-normal` flags the test set\'s anomaly rate, which is computed from the test labels (the JSON result says so',
    'in `flagging.usesTestLabels`). Labels otherwise only choose the normal training rows and enter the metrics.', ''];
  for (const e of detectorEntries()) {
    if (e.aliasOf) {
      out.push(`## ${e.name}`, '', `${e.summary} (${e.paper}).`, '', `Another name of \`${e.aliasOf}\`: the same detector, parameters and paper configurations (see \`${e.aliasOf}\`).`, '');
      continue;
    }
    const sets = Object.keys(e.paperConfigs);
    out.push(`## ${e.name}`, '', `${e.summary} (${e.paper}).`, '',
      ...(e.unreliable ? [`**Does not rank rows reliably:** ${e.unreliable}`, ''] : []),
      ...(e.slowScoring ? [`**Slow to score:** ${e.slowScoring}. \`aberrant serve\` and \`aberrant stream\` log a warning when they load such a model.`, ''] : []),
      `Untrained control in benchmarks: ${e.untrainedControl ? e.untrainedControl.description : 'none'}. `
      + `Paper data-set configurations: ${sets.length ? `${sets.join(', ')} (${[...new Set(Object.values(e.paperConfigs).map((c) => c!.source))].join('; ')})` : 'none (defaults)'}.`,
      '', '| parameter | type | default | meaning |', '|---|---|---|---|');
    for (const p of parameterDocs(e.name)) {
      out.push(`| \`${p.name}\` | ${p.type} | ${p.default !== undefined ? `\`${JSON.stringify(p.default)}\`` : /default: (off|no |none)/i.test(p.description) ? '(off)' : '(auto)'} | ${p.description.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

if (process.argv[1]?.endsWith('detector-docs.js')) process.stdout.write(detectorDocs());
