/** Prometheus metrics of one server (its own registry, so several servers in one process stay apart). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry }); // process_resident_memory_bytes, event loop lag, GC, ...
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: 'aberrant_http_requests_total', help: 'HTTP requests answered, by method, route and status', labelNames: ['method', 'route', 'status'] as const, registers }),
    latency: new Histogram({
      name: 'aberrant_http_request_duration_seconds', help: 'Time from request received to response sent, by method and route', labelNames: ['method', 'route'] as const, registers,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    rowsScored: new Counter({ name: 'aberrant_rows_scored_total', help: 'Rows scored, by model', labelNames: ['model'] as const, registers }),
    loadErrors: new Counter({ name: 'aberrant_model_load_errors_total', help: 'Model files refused (corrupt, truncated, invalid), by model', labelNames: ['model'] as const, registers }),
    modelsLoaded: new Gauge({ name: 'aberrant_models_loaded', help: 'Models being served', registers }),
    scoringJobs: new Counter({ name: 'aberrant_scoring_jobs_total', help: 'Scoring calls by where they ran: thread (in the event loop), batch (micro-batched), worker (worker thread)', labelNames: ['path'] as const, registers }),
    batchRequests: new Histogram({ name: 'aberrant_microbatch_requests', help: 'Requests joined into one micro-batch', buckets: [1, 2, 4, 8, 16, 32, 64, 128], registers }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
