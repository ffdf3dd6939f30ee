/**
 * Argument checks for the long-running bench scripts: --help prints the usage and exits, and an option the
 * script does not know stops it before any work (a typo must not start hours of runs with the defaults).
 */
export function checkArgs(argv: readonly string[], known: readonly string[], usage: string): void {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage.trim()}\n`);
    process.exit(0);
  }
  for (const a of argv) {
    if (a.startsWith('-') && !known.includes(a.replace(/^--?/, ''))) {
      throw new Error(`unknown option "${a}" (known: ${known.map((k) => `--${k}`).join(', ')}; --help prints the usage)`);
    }
  }
}
