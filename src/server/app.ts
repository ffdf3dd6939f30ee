/**
 * The scoring server: a thin fastify app over the library. It reads rows (OIP tensors, JSON rows or CSV),
 * preprocesses them with the model's own pipeline, scores them (micro-batched, or in a worker thread for
 * large requests) and answers score, is_anomaly and rank as `aberrant score` computes them (labelScores).
 * Training is not offered: see docs/serving.md.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import {
  backendInfo, contributionsFromErrors, DEFAULT_CONTRIBUTIONS_PER_ROW, labelScores, LIBRARY_VERSION, parseCsv, tableFromRecords,
  CONTRIBUTION_METHOD, NO_CONTRIBUTIONS, type Table,
} from '../index.js';
import type * as z from '../zod.js';
import { badRequest, HttpError, notFound } from './errors.js';
import { createMetrics, type Metrics } from './metrics.js';
import { ModelStore, type ModelEntry } from './model-store.js';
import { inferResponse, modelMetadata, requestedOutputs, tableFromInfer } from './oip.js';
import { DOCS_PAGE, openApiDocument, ROUTES } from './openapi.js';
import { describeIssues, InferRequest, ScoreQuery, ScoreRequest, type ScoreResponse } from './schemas.js';
import { Scorer } from './scorer.js';
import { DEFAULT_WEB_ROOT, registerWebApp } from './web-app.js';

export interface ServeOptions {
  /** Directory of model files (*.abr). */
  models: string;
  /** Bearer token every route but the health, /openapi.json and /docs routes requires (null: no auth). */
  token: string | null;
  /** Largest request body in bytes. */
  bodyLimit: number;
  /** Most rows one request may score. */
  maxRows: number;
  /** Milliseconds to receive a request, and for a worker-thread scoring job to finish. */
  timeoutMs: number;
  /** Micro-batching window in ms (0 disables batching). */
  batchWindowMs: number;
  /** A micro-batch is scored as soon as it holds this many rows. */
  maxBatchRows: number;
  /** Requests with at least this many rows are scored in a worker thread. */
  workerRows: number;
  /** Worker threads (0: score everything in the main thread). */
  workers: number;
  /** pino log level, or fastify logger options (tests pass a stream). */
  logger: FastifyServerOptions['logger'];
  /** Wait after a change in the model directory before rescanning it. */
  watchDebounceMs: number;
  /** The built web app served under /app/ (default dist/web; null: no /app routes). */
  webRoot: string | null;
}

export const SERVE_DEFAULTS: Omit<ServeOptions, 'models'> = {
  token: null, bodyLimit: 16 * 1024 * 1024, maxRows: 100_000, timeoutMs: 30_000, batchWindowMs: 1, maxBatchRows: 512,
  workerRows: 512, workers: Math.max(1, Math.min(4, availableParallelism() - 1)), logger: { level: 'info' }, watchDebounceMs: 50,
  webRoot: DEFAULT_WEB_ROOT,
};

export interface ScoringServer {
  app: FastifyInstance;
  store: ModelStore;
  scorer: Scorer;
  metrics: Metrics;
  options: ServeOptions;
  /** Routes as registered ("GET /v2/models/:model"), for the test that holds them to the OpenAPI document. */
  routes: string[];
  listen(port: number, host: string): Promise<string>;
  /** Stops taking requests, finishes those in flight, then stops the workers and the directory watch. */
  close(): Promise<void>;
}

const toFastifyPath = (p: string): string => p.replace(/\{(\w+)\}/g, ':$1');
const OPEN_ROUTES = new Set(ROUTES.filter((r) => r.open).map((r) => toFastifyPath(r.path)));

function parse<S extends z.ZodMiniType>(schema: S, value: unknown, root: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw badRequest(describeIssues(r.error, root));
  return r.data;
}

/** Errors the library throws while reading rows (bad value, missing column) are the client's: 400. */
function asBadRequest<T>(f: () => T): T {
  try { return f(); } catch (e) { throw e instanceof HttpError ? e : badRequest((e as Error).message); }
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export async function createServer(opts: Partial<ServeOptions> & { models: string }): Promise<ScoringServer> {
  const o: ServeOptions = { ...SERVE_DEFAULTS, ...opts };
  for (const [k, v] of Object.entries({ bodyLimit: o.bodyLimit, maxRows: o.maxRows, timeoutMs: o.timeoutMs, maxBatchRows: o.maxBatchRows, workerRows: o.workerRows })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`serve: ${k} must be a positive integer, got ${v}`);
  }
  if (!(o.batchWindowMs >= 0 && o.batchWindowMs <= 1000)) throw new Error(`serve: batchWindowMs must be between 0 and 1000, got ${o.batchWindowMs}`);
  if (!Number.isInteger(o.workers) || o.workers < 0) throw new Error(`serve: workers must be a non-negative integer, got ${o.workers}`);
  const tokenDigest = o.token ? digest(o.token) : null;

  const app = Fastify({
    logger: o.logger,
    bodyLimit: o.bodyLimit,
    requestTimeout: o.timeoutMs,
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && /^[\w.:-]{1,128}$/.test(h) ? h : randomUUID();
    },
  });
  const metrics = createMetrics();
  const scorer = new Scorer({
    batchWindowMs: o.batchWindowMs, maxBatchRows: o.maxBatchRows, workerRows: o.workerRows, workers: o.workers, timeoutMs: o.timeoutMs,
    backend: backendInfo().backend, onBatch: (requests) => metrics.batchRequests.observe(requests),
  });
  const store = new ModelStore(o.models, app.log.child({ component: 'models' }), {
    onLoaded: (_e, old) => { if (old) scorer.forget(old); metrics.modelsLoaded.set(store.list().length); },
    onRemoved: (e) => { scorer.forget(e); metrics.modelsLoaded.set(store.list().length); },
    onLoadError: (name) => metrics.loadErrors.inc({ model: name }),
  }, o.watchDebounceMs);
  const routes: string[] = [];

  app.addHook('onRoute', (r) => { for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push(`${m} ${r.url}`); });
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    if (!tokenDigest || OPEN_ROUTES.has(req.routeOptions.url ?? '')) return;
    const h = req.headers.authorization;
    const given = typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : null;
    if (given !== null && timingSafeEqual(digest(given), tokenDigest)) return;
    reply.code(401).header('www-authenticate', 'Bearer').send({ error: given === null ? 'this server needs a bearer token: send "Authorization: Bearer <token>"' : 'wrong bearer token' });
    return reply;
  });
  // While shutting down, each response closes its connection: a keep-alive connection would otherwise hold
  // close() open until the keep-alive timeout.
  let shuttingDown = false;
  app.addHook('onSend', async (_req, reply) => { if (shuttingDown) reply.header('connection', 'close'); });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    let message = err.message;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') message = `request body larger than this server's limit of ${o.bodyLimit} bytes (--body-limit)`;
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') message = `unsupported content type ${JSON.stringify(req.headers['content-type'] ?? '')}: send application/json${req.routeOptions.url === '/models/:model/score' ? ' or text/csv' : ''}`;
    if (status >= 500) req.log.error({ err }, 'request failed');
    reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((req, reply) => { reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]} (see /docs)` }); });

  const model = (name: string, version?: string): ModelEntry => {
    const e = store.get(name);
    if (!e) {
      const names = store.list().map((m) => m.name);
      throw notFound(`no model "${name}" (serving: ${names.length ? names.join(', ') : 'none'})`);
    }
    if (version !== undefined && version !== e.version) throw notFound(`model "${name}" has no version "${version}" (serving version ${e.version})`);
    return e;
  };

  /** Preprocess, score (batched / worker / in-thread), label: the rows' scores, labels, ranks and notes. */
  const score = async (e: ModelEntry, table: Table, explain: boolean) => {
    const m = asBadRequest(() => e.det.transform(table));
    const r = await scorer.score(e, m.x, m.rows, explain);
    metrics.scoringJobs.inc({ path: r.path });
    metrics.rowsScored.inc({ model: e.name }, m.rows);
    return { ...labelScores(e.det, r.scores), scores: r.scores, errors: r.errors, m };
  };
  const checkRows = (n: number): void => {
    if (n > o.maxRows) throw new HttpError(413, `the request has ${n} rows, more than this server's limit of ${o.maxRows} per request (--max-rows); split it`);
  };

  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_req, reply) => {
    const ready = store.started && store.list().length > 0;
    return reply.code(ready ? 200 : 400).send({ ready });
  });
  app.get('/v2', async () => ({ name: 'aberrant', version: LIBRARY_VERSION, extensions: [] }));

  type P = { Params: { model: string; version?: string } };
  const metadata = async (req: { params: P['Params'] }) => modelMetadata(model(req.params.model, req.params.version));
  const ready = async (req: { params: P['Params'] }) => ({ name: model(req.params.model, req.params.version).name, ready: true });
  const infer = async (req: { params: P['Params']; body: unknown }) => {
    const e = model(req.params.model, req.params.version);
    const body = parse(InferRequest, req.body, 'body');
    requestedOutputs(body); // an unknown output name is an error before any work
    const table = tableFromInfer(body, e, o.maxRows);
    if (table.rowCount === 0) return inferResponse(body, e, new Float64Array(0), new Uint8Array(0), new Float64Array(0));
    const s = await score(e, table, false);
    return inferResponse(body, e, s.scores, s.isAnomaly, s.rank);
  };
  app.get<P>('/v2/models/:model', metadata);
  app.get<P>('/v2/models/:model/ready', ready);
  app.post<P>('/v2/models/:model/infer', infer);
  app.get<P>('/v2/models/:model/versions/:version', metadata);
  app.get<P>('/v2/models/:model/versions/:version/ready', ready);
  app.post<P>('/v2/models/:model/versions/:version/infer', infer);

  app.get('/models', async () => ({
    models: store.list().map((e) => ({ name: e.name, version: e.version, detector: e.det.name, file: e.file, loaded_at: e.loadedAt.toISOString() })),
  }));

  app.post<P>('/models/:model/score', async (req): Promise<ScoreResponse> => {
    const e = model(req.params.model);
    const q = parse(ScoreQuery, req.query, 'query');
    const explain = q.explain === '1' || q.explain === 'true';
    const top = q.top_features ? Number(q.top_features) : DEFAULT_CONTRIBUTIONS_PER_ROW;
    let table: Table;
    if (typeof req.body === 'string') {
      const text = req.body;
      table = asBadRequest(() => parseCsv(text, { source: 'request.csv' }));
    } else {
      const rows = (req.body as { rows?: unknown } | null)?.rows;
      if (Array.isArray(rows)) checkRows(rows.length); // before validating a million rows
      const body = parse(ScoreRequest, req.body, 'body');
      if (body.rows.length === 0) return { model: e.name, model_version: e.version, threshold: e.det.threshold, results: [] };
      table = asBadRequest(() => tableFromRecords(body.rows, 'request'));
    }
    checkRows(table.rowCount);
    if (table.rowCount === 0) return { model: e.name, model_version: e.version, threshold: e.det.threshold, results: [] };
    const s = await score(e, table, explain);
    const pre = e.det.preprocessing;
    const results = Array.from(s.scores, (score, i) => ({
      score, is_anomaly: s.isAnomaly[i] === 1, rank: s.rank[i],
      ...(explain ? { contributions: s.errors ? contributionsFromErrors(pre, table, s.errors, i, top) : [] } : {}),
    }));
    const { unseen, clamped, unseenByColumn, clampedByColumn } = s.m;
    return {
      model: e.name, model_version: e.version, threshold: e.det.threshold, results,
      ...(unseen > 0 || clamped > 0 ? { notes: { unseen, clamped, unseenByColumn, clampedByColumn } } : {}),
      ...(explain ? { contribution_method: s.errors ? CONTRIBUTION_METHOD : NO_CONTRIBUTIONS } : {}),
    };
  });

  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  const doc = openApiDocument(LIBRARY_VERSION, tokenDigest !== null);
  app.get('/openapi.json', async () => doc);
  app.get('/docs', async (_req, reply) => reply.type('text/html; charset=utf-8').send(DOCS_PAGE));
  if (o.webRoot !== null) registerWebApp(app, o.webRoot);

  await store.start();
  metrics.modelsLoaded.set(store.list().length);
  await app.ready();

  let closing: Promise<void> | null = null;
  return {
    app, store, scorer, metrics, options: o, routes,
    listen: (port, host) => app.listen({ port, host }),
    close: () => closing ??= (async () => {
      shuttingDown = true;
      store.close();
      await app.close(); // stops accepting, answers 503 to new requests, waits for those in flight
      await scorer.close();
    })(),
  };
}
