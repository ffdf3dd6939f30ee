/** Runs the built `aberrant` command (TypeScript backend) in a child process, for the CLI tests. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI_PATH = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult { code: number; out: string; err: string; signal: NodeJS.Signals | null }

export function runCli(args: string[], o: { input?: string; timeout?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI_PATH, '--backend', 'typescript', ...args], { encoding: 'utf8', input: o.input, timeout: o.timeout, maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr, signal: r.signal };
}
