/** A one-line progress bar on stderr, only when stderr is a terminal (quiet and machine-readable otherwise). */
export interface Progress { update(done: number, total: number, info?: string): void; done(message?: string): void }

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  let last = 0;
  const t0 = Date.now();
  return {
    update(done, total, info = '') {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const width = 30, frac = total > 0 ? Math.min(1, done / total) : 0;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '-');
      const secs = (now - t0) / 1000, eta = frac > 0 ? secs / frac - secs : 0;
      stream.write(`\r${label} [${bar}] ${done}/${total} ${info} ${secs.toFixed(0)}s elapsed, ~${eta.toFixed(0)}s left\x1b[K`);
    },
    done(message) { stream.write(`\r\x1b[K${message ? `${message}\n` : ''}`); },
  };
}
