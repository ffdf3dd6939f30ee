/** Prints docs/detectors.md from the detector registry's parameter schemas (a test checks it is current). */
import { detectorEntries, parameterDocs } from '../src/detectors/registry.js';

export function detectorDocs(): string {
  const out = ['# Detectors', '', 'Generated from each detector\'s parameter schema by `node dist/bench/detector-docs.js > docs/detectors.md`;',
    'the same schema validates parameters and writes the CLI\'s `--help`. Pass parameters as `--param key=value`',
    '(repeatable; values are read as JSON when they parse) or `--params \'{"key": value}\'` on the command line,',
    'or as an object to the detector\'s constructor.', ''];
  for (const e of detectorEntries()) {
    out.push(`## ${e.name}`, '', `${e.summary} (${e.paper}).`, '', '| parameter | type | default | meaning |', '|---|---|---|---|');
    for (const p of parameterDocs(e.name)) {
      out.push(`| \`${p.name}\` | ${p.type} | ${p.default === undefined ? '(auto)' : `\`${JSON.stringify(p.default)}\``} | ${p.description.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

if (process.argv[1]?.endsWith('detector-docs.js')) process.stdout.write(detectorDocs());
