/** serve: the HTTP scoring server (src/server/) over a directory of model files. */
import { Option, type Command } from 'commander';
import { createServer, SERVE_DEFAULTS } from '../../server/app.js';
import { nonNegativeInt } from '../common.js';

function positive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${v}"`);
    return n;
  };
}

interface ServeOpts {
  models: string; port: number; host: string; token?: string; bodyLimit: number; maxRows: number; timeout: number;
  batchWindow: number; workers: number; workerRows: number; logLevel: string;
}

export function registerServe(program: Command, setup: () => void): void {
  program.command('serve')
    .description('Serve every model file (*.abr) in a directory over HTTP: the Open Inference Protocol v2 (/v2), plain JSON and CSV scoring (/models/<name>/score), /metrics, /openapi.json and /docs')
    .requiredOption('--models <dir>', 'directory of model files; thyroid.abr is served as model "thyroid"; watched for added, replaced and removed files')
    .option('--port <n>', 'TCP port (0: any free port)', nonNegativeInt('port'), 8080)
    .option('--host <h>', 'address to listen on (0.0.0.0: every interface)', '127.0.0.1')
    .option('--token <t>', 'require "Authorization: Bearer <t>" on every route but health, /openapi.json and /docs (default: env ABERRANT_TOKEN)')
    .option('--body-limit <bytes>', 'largest request body', positive('body-limit'), SERVE_DEFAULTS.bodyLimit)
    .option('--max-rows <n>', 'most rows one request may score', positive('max-rows'), SERVE_DEFAULTS.maxRows)
    .option('--timeout <ms>', 'time to receive a request, and for a worker-thread scoring job to finish', positive('timeout'), SERVE_DEFAULTS.timeoutMs)
    .option('--batch-window <ms>', 'micro-batching window for small requests (0: off)', (v) => {
      const n = Number(v);
      if (!(n >= 0 && n <= 1000)) throw new Error(`--batch-window must be between 0 and 1000 ms, got "${v}"`);
      return n;
    }, SERVE_DEFAULTS.batchWindowMs)
    .option('--workers <n>', 'worker threads for large requests (0: score in the main thread)', nonNegativeInt('workers'), SERVE_DEFAULTS.workers)
    .option('--worker-rows <n>', 'requests with at least this many rows are scored in a worker thread', positive('worker-rows'), SERVE_DEFAULTS.workerRows)
    .addOption(new Option('--log-level <level>', 'log level (JSON lines on stdout)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
    .addHelpText('after', '\nTraining is not offered over HTTP: fit with `aberrant fit` and drop the file into the directory.\nSee docs/serving.md.\n\nExamples:\n  aberrant serve --models models/\n  ABERRANT_TOKEN=s3cret aberrant serve --models /models --host 0.0.0.0 --port 8080')
    .action(async (o: ServeOpts) => {
      setup();
      const server = await createServer({
        models: o.models, token: o.token ?? process.env.ABERRANT_TOKEN ?? null, bodyLimit: o.bodyLimit, maxRows: o.maxRows,
        timeoutMs: o.timeout, batchWindowMs: o.batchWindow, workers: o.workers, workerRows: o.workerRows, logger: { level: o.logLevel },
      });
      await server.listen(o.port, o.host);
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          server.app.log.info({ signal }, 'shutting down: finishing requests in flight');
          process.once(signal, () => process.exit(1)); // a second signal does not wait
          server.close().then(resolve, (e: unknown) => { server.app.log.error({ err: e }, 'shutdown failed'); process.exit(1); });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}
