/** stream: a scoring worker on a Redis Streams consumer group (src/stream/worker.ts). */
import { Option, type Command } from 'commander';
import { detectorEntry } from '../../index.js';
import { defaultConsumerName, jsonLogger, STREAM_DEFAULTS, StreamWorker } from '../../stream/worker.js';
import { nonNegativeInt, readModel } from '../common.js';

function positive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${v}"`);
    return n;
  };
}

interface StreamCliOpts {
  redis: string; input: string; output: string; group: string; consumer?: string; deadLetter?: string; batch: number; block: number;
  start: '0' | '$'; claimIdle: number; claimInterval: number; maxDeliveries: number; statsInterval: number; outputMaxlen?: number;
}

export function registerStream(program: Command, setup: () => void): void {
  program.command('stream')
    .description('Score rows from a Redis stream through a consumer group: one result entry (id, score, is_anomaly, rank) per input entry, acknowledged only once written; bad entries go to a dead-letter stream')
    .argument('<model>', 'model file (.abr)')
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://127.0.0.1:6379 (rediss:// for TLS, redis://user:pass@host/db)')
    .requiredOption('--input <stream>', 'stream of rows: one entry per row, fields named by the model\'s raw columns')
    .requiredOption('--output <stream>', 'stream the results are added to')
    .requiredOption('--group <g>', 'consumer group (created if missing); workers in one group share the entries')
    .option('--consumer <c>', 'this worker\'s name in the group; keep it stable across restarts so a restarted worker re-reads its own pending entries (default: <hostname>-<pid>)')
    .option('--dead-letter <stream>', 'where entries that cannot be scored go (default: <input>:dead)')
    .option('--batch <n>', 'entries per read (XREADGROUP COUNT), scored in one call', positive('batch'), STREAM_DEFAULTS.batch)
    .option('--block <ms>', 'how long a read waits for new entries (XREADGROUP BLOCK); also bounds how long a stop signal waits', positive('block'), STREAM_DEFAULTS.blockMs)
    .addOption(new Option('--start <id>', 'where a group this worker creates starts: 0 = every entry already in the stream, $ = only entries added later (an existing group keeps its position)').choices(['0', '$']).default(STREAM_DEFAULTS.start))
    .option('--claim-idle <ms>', 'take over entries another consumer has held unacknowledged this long (XAUTOCLAIM min-idle-time); longer than the slowest batch', positive('claim-idle'), STREAM_DEFAULTS.claimIdleMs)
    .option('--claim-interval <ms>', 'how often to look for such entries', positive('claim-interval'), STREAM_DEFAULTS.claimIntervalMs)
    .option('--max-deliveries <n>', 'an entry delivered more often than this goes to the dead-letter stream unscored', positive('max-deliveries'), STREAM_DEFAULTS.maxDeliveries)
    .option('--stats-interval <ms>', 'throughput log line every this many ms (0: none)', nonNegativeInt('stats-interval'), STREAM_DEFAULTS.statsIntervalMs)
    .option('--output-maxlen <n>', 'trim the output stream to about this many entries (XADD MAXLEN ~; default: never trim)', positive('output-maxlen'))
    .addHelpText('after', '\nLogs are JSON lines on stderr. SIGTERM or SIGINT: the batch in hand is scored, written and acknowledged, then the worker exits.\nSee docs/streaming.md.\n\nExamples:\n  aberrant stream model.abr --redis redis://127.0.0.1:6379 --input rows --output scores --group scorers --consumer worker-1\n  redis-cli XADD rows \'*\' bytes 1200 proto tcp && redis-cli XREAD STREAMS scores 0')
    .action(async (model: string, o: StreamCliOpts) => {
      setup();
      const { det } = readModel(model);
      const consumer = o.consumer ?? defaultConsumerName();
      const log = jsonLogger(undefined, { component: 'stream', consumer });
      const slow = detectorEntry(det.name).slowScoring;
      if (slow) log.warn('model is slow to score', { detector: det.name, slowScoring: slow });
      const worker = new StreamWorker(det, {
        redis: o.redis, input: o.input, output: o.output, group: o.group, consumer, deadLetter: o.deadLetter ?? `${o.input}:dead`,
        batch: o.batch, blockMs: o.block, start: o.start, claimIdleMs: o.claimIdle, claimIntervalMs: o.claimInterval,
        maxDeliveries: o.maxDeliveries, statsIntervalMs: o.statsInterval, outputMaxLen: o.outputMaxlen ?? null,
      }, log);
      const stop = (signal: string): void => {
        log.info('stopping: finishing the batch in hand', { signal });
        process.once(signal, () => process.exit(1)); // a second signal does not wait
        worker.stop();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      await worker.run();
    });
}
