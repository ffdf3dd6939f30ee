/**
 * The scoring server (src/server/): every route, the error cases, scores equal to `aberrant score`, reloads,
 * the worker and micro-batch paths equal to the in-thread path, a real socket and a graceful shutdown.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backendInfo, buildReportInput, createDetector, parseCsv, scoreRows, tableFromRecords, writeModelBytes, type Detector } from '../../src/index.js';
import { createServer, type ScoringServer, type ServeOptions } from '../../src/server/app.js';
import { Rng } from '../../src/engine/rng.js';
import { CLI_PATH } from '../support/cli.js';

type Row = { a: number; b: number; proto: string; ok: string };

/** Rows of a small mixed table (two numeric, one categorical, one boolean column) with a few planted outliers. */
function makeRows(n: number, seed: number): Row[] {
  const r = new Rng(seed), rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const t = r.uniform(), far = i % 10 === 9;
    rows.push({ a: far ? 8 + r.uniform() : t + 0.05 * r.normal(), b: far ? -5 : 2 * t + 0.05 * r.normal(), proto: ['tcp', 'udp'][i % 2], ok: i % 3 ? 'yes' : 'no' });
  }
  return rows;
}

const csvOf = (rows: Row[]): string => `a,b,proto,ok\n${rows.map((r) => `${r.a},${r.b},${r.proto},${r.ok}`).join('\n')}\n`;

/** `aberrant score` on the same backend as this process: rows of {score, label, proba}. */
function cliScore(model: string, csv: string): { score: number; label: number; proba: number }[] {
  const r = spawnSync(process.execPath, [CLI_PATH, '--backend', backendInfo().backend, 'score', model, csv], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], 'row,score,label,proba');
  return lines.slice(1).map((l) => { const [, s, lab, p] = l.split(','); return { score: Number(s), label: Number(lab), proba: Number(p) }; });
}

interface ScoreBody { results: { score: number; is_anomaly: boolean; rank: number; contributions?: { feature: string; value: number | string; contribution: number }[] }[]; model_version: string; contribution_method?: string; error?: string }

async function call(s: ScoringServer, method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) {
  const r = await s.app.inject({ method, url, payload: payload as string | object | undefined, headers });
  const isJson = (r.headers['content-type'] ?? '').toString().includes('json');
  return { status: r.statusCode, body: (isJson ? r.json() : r.body) as never, headers: r.headers };
}

async function until(what: string, f: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('aberrant serve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aberrant-serve-'));
  const models = join(dir, 'models');
  const train = makeRows(200, 1), test = makeRows(40, 2);
  const testCsv = join(dir, 'test.csv');
  const numericCsv = join(dir, 'numeric.csv');
  let mixed: Detector, numeric: Detector;
  const servers: ScoringServer[] = [];
  const start = async (o: Partial<ServeOptions> = {}): Promise<ScoringServer> => {
    const s = await createServer({ models, logger: false, workers: 0, batchWindowMs: 0, watchDebounceMs: 20, ...o });
    servers.push(s);
    return s;
  };
  let s: ScoringServer;

  before(async () => {
    mkdirSync(models);
    mixed = createDetector('ae', { seed: 1, epochs: 5 }).fit(tableFromRecords(train));
    numeric = createDetector('ae', { seed: 2, epochs: 5 }).fit(tableFromRecords(train.map(({ a, b }) => ({ a, b }))));
    await writeModelBytes(join(models, 'mixed.abr'), mixed.toBytes());
    await writeModelBytes(join(models, 'numeric.abr'), numeric.toBytes());
    writeFileSync(testCsv, csvOf(test));
    writeFileSync(numericCsv, `a,b\n${test.map((r) => `${r.a},${r.b}`).join('\n')}\n`);
    s = await start();
  });
  after(async () => {
    await Promise.all(servers.map((x) => x.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the OIP health, server and model metadata routes', async () => {
    assert.deepEqual((await call(s, 'GET', '/v2/health/live')).body, { live: true });
    assert.deepEqual(await call(s, 'GET', '/v2/health/ready').then((r) => [r.status, r.body]), [200, { ready: true }]);
    const meta = await call(s, 'GET', '/v2');
    assert.equal((meta.body as { name: string }).name, 'aberrant');
    assert.deepEqual((meta.body as { extensions: string[] }).extensions, []);
    const m = (await call(s, 'GET', '/v2/models/mixed')).body as { name: string; versions: string[]; platform: string; inputs: unknown[]; outputs: { name: string }[] };
    assert.equal(m.name, 'mixed');
    assert.equal(m.platform, 'aberrant_ae');
    assert.deepEqual(m.inputs, [
      { name: 'a', datatype: 'FP32', shape: [-1] }, { name: 'b', datatype: 'FP32', shape: [-1] },
      { name: 'proto', datatype: 'BYTES', shape: [-1] }, { name: 'ok', datatype: 'BOOL', shape: [-1] },
    ]);
    assert.deepEqual(m.outputs.map((o) => o.name), ['score', 'is_anomaly', 'rank']);
    assert.match(m.versions[0], /^[0-9a-f]{12}$/);
    assert.deepEqual((await call(s, 'GET', '/v2/models/mixed/ready')).body, { name: 'mixed', ready: true });
    assert.equal((await call(s, 'GET', `/v2/models/mixed/versions/${m.versions[0]}`)).status, 200);
    assert.equal((await call(s, 'GET', `/v2/models/mixed/versions/${m.versions[0]}/ready`)).status, 200);
    const list = (await call(s, 'GET', '/models')).body as { models: { name: string; detector: string }[] };
    assert.deepEqual(list.models.map((x) => `${x.name}:${x.detector}`), ['mixed:ae', 'numeric:ae']);
  });

  it('scores exactly as `aberrant score` does: OIP per-column, OIP [N, F], JSON rows and CSV upload', async () => {
    const cli = cliScore(join(models, 'mixed.abr'), testCsv);
    assert.equal(cli.length, test.length);
    assert.ok(cli.some((c) => c.label === 1) && cli.some((c) => c.label === 0), 'the test rows hold both labels');
    const expect = (got: { score: number; is_anomaly: boolean; rank: number }[], want: typeof cli): void => {
      assert.deepEqual(got.map((g) => [g.score, g.is_anomaly ? 1 : 0, g.rank]), want.map((w) => [w.score, w.label, w.proba]));
    };
    const json = await call(s, 'POST', '/models/mixed/score', { rows: test });
    assert.equal(json.status, 200);
    expect((json.body as ScoreBody).results, cli);
    const csv = await call(s, 'POST', '/models/mixed/score', csvOf(test), { 'content-type': 'text/csv' });
    assert.equal(csv.status, 200);
    expect((csv.body as ScoreBody).results, cli);

    const n = test.length;
    const infer = await call(s, 'POST', '/v2/models/mixed/infer', {
      id: 'r1',
      inputs: [
        { name: 'ok', shape: [n], datatype: 'BOOL', data: test.map((r) => r.ok === 'yes') },
        { name: 'a', shape: [n], datatype: 'FP64', data: test.map((r) => r.a) },
        { name: 'b', shape: [n, 1], datatype: 'FP64', data: test.map((r) => [r.b]) },
        { name: 'proto', shape: [n], datatype: 'BYTES', data: test.map((r) => r.proto) },
      ],
    });
    assert.equal(infer.status, 200, JSON.stringify(infer.body));
    const ib = infer.body as { model_name: string; id: string; outputs: { name: string; datatype: string; shape: number[]; data: (number | boolean)[] }[] };
    assert.equal(ib.model_name, 'mixed');
    assert.equal(ib.id, 'r1');
    assert.deepEqual(ib.outputs.map((o) => [o.name, o.datatype, o.shape]), [['score', 'FP64', [n]], ['is_anomaly', 'BOOL', [n]], ['rank', 'FP64', [n]]]);
    expect(ib.outputs[0].data.map((score, i) => ({ score: score as number, is_anomaly: ib.outputs[1].data[i] as boolean, rank: ib.outputs[2].data[i] as number })), cli);

    const matrix = await call(s, 'POST', '/v2/models/numeric/infer', {
      inputs: [{ name: 'input', shape: [n, 2], datatype: 'FP64', data: test.map((r) => [r.a, r.b]) }], outputs: [{ name: 'score' }],
    });
    assert.equal(matrix.status, 200, JSON.stringify(matrix.body));
    const mb = matrix.body as { outputs: { name: string; data: number[] }[] };
    assert.deepEqual(mb.outputs.map((o) => o.name), ['score']);
    // scoreRows is what `aberrant score` runs (one CLI spawn above is enough to tie the two together)
    assert.deepEqual(mb.outputs[0].data, Array.from(scoreRows(numeric, parseCsv(readFileSync(numericCsv, 'utf8'))).scores));
  });

  it('?explain=1 gives the contributions the HTML report shows for the same rows', async () => {
    const r = await call(s, 'POST', '/models/mixed/score?explain=1&top_features=3', { rows: test });
    assert.equal(r.status, 200);
    const body = r.body as ScoreBody;
    assert.match(body.contribution_method!, /reconstruction error/);
    const report = buildReportInput(mixed, tableFromRecords(test), { top: test.length, featuresPerRow: 3 });
    for (const a of report.topAnomalies) assert.deepEqual(body.results[a.row - 1].contributions, a.contributions);
    assert.equal(body.results[0].contributions!.length, 3);
    const plain = (await call(s, 'POST', '/models/mixed/score', { rows: test })).body as ScoreBody;
    assert.equal(plain.results[0].contributions, undefined);
  });

  it('answers 404 for unknown models, versions and routes', async () => {
    for (const [m, u] of [['GET', '/v2/models/nope'], ['GET', '/v2/models/nope/ready'], ['POST', '/v2/models/nope/infer'], ['POST', '/models/nope/score'], ['GET', '/v2/models/mixed/versions/000000000000']] as const) {
      const r = await call(s, m, u, m === 'POST' ? { rows: [] } : undefined);
      assert.equal(r.status, 404, u);
      assert.match((r.body as { error: string }).error, /no model "nope" \(serving: mixed, numeric\)|has no version "000000000000"/);
    }
    const r = await call(s, 'GET', '/nothing/here');
    assert.deepEqual([r.status, (r.body as { error: string }).error], [404, 'no route GET /nothing/here (see /docs)']);
  });

  it('answers 400 naming the input, row and expected type', async () => {
    const bad = async (url: string, payload: unknown, re: RegExp, headers?: Record<string, string>): Promise<void> => {
      const r = await call(s, 'POST', url, payload, headers);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match((r.body as { error: string }).error, re);
    };
    const col = (name: string, datatype: string, data: unknown[], shape = [data.length]) => ({ name, datatype, shape, data });
    const good = [col('a', 'FP32', [1, 2]), col('b', 'FP32', [1, 2]), col('proto', 'BYTES', ['tcp', 'udp']), col('ok', 'BOOL', [true, false])];
    const infer = '/v2/models/mixed/infer';
    await bad(infer, { inputs: [...good.slice(0, 3), col('ok', 'BOOL', [true, 'x'])] }, /^input "ok" row 2: expected a boolean for BOOL, got the string "x"$/);
    await bad(infer, { inputs: [col('a', 'INT64', [1, 2.5]), ...good.slice(1)] }, /^input "a" row 2: expected an integer for INT64, got number 2.5$/);
    await bad(infer, { inputs: [col('a', 'BYTES', ['1', '2']), ...good.slice(1)] }, /^input "a": datatype BYTES, expected FP32 .* for this numeric column$/);
    await bad(infer, { inputs: [...good, col('c', 'FP32', [1, 2])] }, /^input "c": the model has no such column \(its inputs: a, b, proto, ok\)$/);
    await bad(infer, { inputs: good.slice(0, 2) }, /^missing inputs "proto", "ok" \(the model reads: a FP32, b FP32, proto BYTES, ok BOOL\)$/);
    await bad(infer, { inputs: [col('a', 'FP32', [1, 2], [3]), ...good.slice(1)] }, /^input "a": shape \[3\] needs 3 values, data has 2$/);
    await bad(infer, { inputs: [good[0], col('b', 'FP32', [1, 2, 3]), ...good.slice(2)] }, /^input "b": shape \[3\] but earlier inputs have 2 rows/);
    await bad(infer, { inputs: [col('x', 'FP32', [1, 2, 3, 4], [2, 2])] }, /^input "x": a \[N, F\] matrix input needs every column numeric, but "proto" is categorical, "ok" is boolean/);
    await bad('/v2/models/numeric/infer', { inputs: [col('x', 'FP32', [1, 2, 3], [1, 3])] }, /^input "x": shape \[1, 3\] has 3 columns, the model reads 2 \(a, b\)$/);
    await bad(infer, { inputs: good, outputs: [{ name: 'energy' }] }, /^output "energy": no such output \(outputs: score, is_anomaly, rank\)$/);
    await bad(infer, { inputs: 'a' }, /^body\.inputs: /);
    await bad(infer, { inputs: [{ ...good[0], datatype: 'FP128' }] }, /^body\.inputs\.0\.datatype: /);
    await bad('/models/mixed/score', { rows: [{ a: 1, b: 2, proto: 'tcp', ok: 'yes' }, { a: 'x', b: 2, proto: 'tcp', ok: 'yes' }] }, /^request row 2, column "a": expected a number, got "x"$/);
    await bad('/models/mixed/score', { rows: [{ a: 1, b: 2, ok: 'yes', proto: 'tcp' }, { a: 1, b: 2, proto: 'tcp', ok: 'maybe' }] }, /^request row 2, column "ok": expected true\/false\/yes\/no, got "maybe"$/);
    await bad('/models/mixed/score', { rows: [{ a: 1, b: 2 }] }, /missing column "proto"|missing columns "proto", "ok"/);
    await bad('/models/mixed/score', { rows: [{ a: { deep: 1 } }] }, /^body\.rows\.0\.a: /);
    await bad('/models/mixed/score', 'a,b,proto,ok\n1,x,tcp,yes\n', /^request\.csv row 1 \(line 2\), column "b": expected a number, got "x"$/, { 'content-type': 'text/csv' });
    await bad('/models/mixed/score?explain=maybe', { rows: [] }, /^query\.explain: /);
    await bad('/models/mixed/score', '{"rows": [', /JSON/, { 'content-type': 'application/json' });
    const media = await call(s, 'POST', '/models/mixed/score', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(media.status, 415);
    assert.match((media.body as { error: string }).error, /unsupported content type "application\/x-www-form-urlencoded": send application\/json or text\/csv/);
  });

  it('refuses oversize bodies and too many rows with 413', async () => {
    const small = await start({ bodyLimit: 2000, maxRows: 5 });
    const big = await call(small, 'POST', '/models/mixed/score', { rows: makeRows(60, 3) });
    assert.deepEqual([big.status, (big.body as { error: string }).error], [413, 'request body larger than this server\'s limit of 2000 bytes (--body-limit)']);
    const many = await call(small, 'POST', '/models/mixed/score', { rows: makeRows(6, 3) });
    assert.deepEqual([many.status, (many.body as { error: string }).error], [413, 'the request has 6 rows, more than this server\'s limit of 5 per request (--max-rows); split it']);
    const csv = await call(small, 'POST', '/models/mixed/score', csvOf(makeRows(6, 3)), { 'content-type': 'text/csv' });
    assert.equal(csv.status, 413);
    const oip = await call(small, 'POST', '/v2/models/numeric/infer', { inputs: [{ name: 'x', shape: [6, 2], datatype: 'FP32', data: new Array(12).fill(0) }] });
    assert.equal(oip.status, 413);
    assert.equal((await call(small, 'POST', '/models/mixed/score', { rows: makeRows(5, 3) })).status, 200);
  });

  it('requires the bearer token on every route but health, /openapi.json and /docs', async () => {
    const locked = await start({ token: 's3cret' });
    for (const u of ['/v2/health/live', '/v2/health/ready', '/openapi.json', '/docs']) assert.equal((await call(locked, 'GET', u)).status, 200, u);
    for (const u of ['/v2', '/v2/models/mixed', '/models', '/metrics']) {
      const r = await call(locked, 'GET', u);
      assert.equal(r.status, 401, u);
      assert.equal(r.headers['www-authenticate'], 'Bearer');
      assert.match((r.body as { error: string }).error, /needs a bearer token/);
    }
    const wrong = await call(locked, 'POST', '/models/mixed/score', { rows: test }, { authorization: 'Bearer nope' });
    assert.deepEqual([wrong.status, wrong.body], [401, { error: 'wrong bearer token' }]);
    assert.equal((await call(locked, 'POST', '/models/mixed/score', { rows: test }, { authorization: 'Bearer s3cret' })).status, 200);
    const doc = (await call(locked, 'GET', '/openapi.json')).body as { security: unknown[]; paths: Record<string, Record<string, { security?: unknown[] }>> };
    assert.deepEqual(doc.security, [{ bearer: [] }]);
    assert.deepEqual(doc.paths['/v2/health/live'].get.security, []);
  });

  it('documents every registered route in /openapi.json, with schemas, and serves /docs', async () => {
    const doc = (await call(s, 'GET', '/openapi.json')).body as { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>; components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
    assert.equal(doc.openapi, '3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`)).sort();
    assert.deepEqual(documented, [...s.routes].sort());
    assert.deepEqual(doc.paths['/v2/models/{model}/infer'].post.requestBody!.content['application/json'].schema, { $ref: '#/components/schemas/InferRequest' });
    assert.ok(doc.paths['/models/{model}/score'].post.requestBody!.content['text/csv']);
    assert.deepEqual(Object.keys(doc.components.schemas.InferRequest.properties!).sort(), ['id', 'inputs', 'outputs', 'parameters']);
    assert.deepEqual(Object.keys(doc.components.schemas.InferResponse.properties!).sort(), ['id', 'model_name', 'model_version', 'outputs', 'parameters']);
    const page = await call(s, 'GET', '/docs');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body as string, /fetch\('openapi\.json'\)/);
    assert.doesNotMatch(page.body as string, /<script src=|<link /); // nothing fetched from elsewhere
  });

  it('exports Prometheus metrics: requests by route and status, latency, rows scored', async () => {
    const own = await start();
    await call(own, 'POST', '/models/mixed/score', { rows: test });
    await call(own, 'POST', '/models/nope/score', { rows: test });
    const r = await call(own, 'GET', '/metrics');
    const text = r.body as string;
    assert.match(text, /aberrant_http_requests_total\{method="POST",route="\/models\/:model\/score",status="200"\} 1/);
    assert.match(text, /aberrant_http_requests_total\{method="POST",route="\/models\/:model\/score",status="404"\} 1/);
    assert.match(text, /aberrant_http_request_duration_seconds_count\{method="POST",route="\/models\/:model\/score"\} 2/);
    assert.match(text, new RegExp(`aberrant_rows_scored_total\\{model="mixed"\\} ${test.length}\\n`));
    assert.match(text, /aberrant_models_loaded 2/);
    assert.match(text, /process_resident_memory_bytes \d+/);
    assert.match(String(r.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const echoed = await call(own, 'GET', '/v2/health/live', undefined, { 'x-request-id': 'abc-123' });
    assert.equal(echoed.headers['x-request-id'], 'abc-123');
  });

  it('reloads a replaced model, keeps serving the old one when the new file is corrupt, and follows additions and removals', async () => {
    const dir2 = join(dir, 'models2');
    mkdirSync(dir2);
    await writeModelBytes(join(dir2, 'm.abr'), mixed.toBytes());
    const logs: string[] = [];
    const w = await start({ models: dir2, logger: { level: 'info', stream: { write: (l: string) => { logs.push(l); } } } });
    const version = async (name: string): Promise<string | null> => {
      const r = await call(w, 'GET', `/v2/models/${name}`);
      return r.status === 200 ? (r.body as { versions: string[] }).versions[0] : null;
    };
    const v1 = await version('m');
    assert.ok(v1);
    const score0 = async (): Promise<number> => ((await call(w, 'POST', '/models/m/score', { rows: test.slice(0, 1) })).body as ScoreBody).results[0].score;
    const s1 = await score0();

    // Replace (atomically, as writeModelBytes does) with another model.
    const other = createDetector('ae', { seed: 7, epochs: 5 }).fit(tableFromRecords(train));
    await writeModelBytes(join(dir2, 'm.abr'), other.toBytes());
    await until('the replaced model', async () => (await version('m')) !== v1);
    const v2 = await version('m');
    const s2 = await score0();
    assert.notEqual(s2, s1);
    assert.equal(s2, scoreRows(other, tableFromRecords(test.slice(0, 1))).scores[0]);

    // A corrupt file: refused, logged and counted; the previous version keeps serving.
    const bytes = other.toBytes();
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(join(dir2, 'm.abr'), bytes);
    await until('the load error', async () => /aberrant_model_load_errors_total\{model="m"\} 1/.test((await call(w, 'GET', '/metrics')).body as string));
    assert.equal(await version('m'), v2);
    assert.equal(await score0(), s2);
    const refused = logs.map((l) => JSON.parse(l) as { msg: string; model?: string; serving?: string; err?: string }).find((l) => l.msg === 'model file refused; the previous version keeps serving');
    assert.ok(refused, 'the refusal is logged');
    assert.equal(refused.model, 'm');
    assert.equal(refused.serving, v2);
    assert.match(refused.err!, /checksum|corrupt/i);

    // An added file is served; a removed one is not; temporary (dot) files and other extensions are ignored.
    writeFileSync(join(dir2, '.m2.abr.tmp'), 'partial');
    writeFileSync(join(dir2, 'notes.txt'), 'hello');
    await writeModelBytes(join(dir2, 'n.abr'), numeric.toBytes());
    await until('the added model', async () => (await version('n')) !== null);
    rmSync(join(dir2, 'n.abr'));
    await until('the removed model', async () => (await version('n')) === null);
    assert.deepEqual(w.store.list().map((e) => e.name), ['m']);
  });

  it('logs a warning when it loads a model whose detector is slow to score by design (AnoGAN), and only then', async () => {
    const dir3 = join(dir, 'models3');
    mkdirSync(dir3);
    const anogan = createDetector('anogan', { seed: 3, epochs: 2, batchSize: 32, searchSteps: 5 }).fit(tableFromRecords(train));
    await writeModelBytes(join(dir3, 'slow.abr'), anogan.toBytes());
    await writeModelBytes(join(dir3, 'fast.abr'), mixed.toBytes());
    const logs: string[] = [];
    await start({ models: dir3, logger: { level: 'info', stream: { write: (l: string) => { logs.push(l); } } } });
    const warned = logs.map((l) => JSON.parse(l) as { level: number; msg: string; model?: string; detector?: string; slowScoring?: string })
      .filter((l) => l.msg === 'model is slow to score');
    assert.equal(warned.length, 1, logs.join(''));
    assert.equal(warned[0].model, 'slow');
    assert.equal(warned[0].detector, 'anogan');
    assert.equal(warned[0].level, 40);
    assert.match(warned[0].slowScoring!, /latent search .* rows\/s/);
  });

  it('scores in worker threads exactly as in the main thread (scores and explanations)', async () => {
    const worker = await start({ workers: 1, workerRows: 10 });
    const many = makeRows(300, 5);
    const inThread = (await call(s, 'POST', '/models/mixed/score?explain=1', { rows: many })).body as ScoreBody;
    const viaWorker = (await call(worker, 'POST', '/models/mixed/score?explain=1', { rows: many })).body as ScoreBody;
    assert.deepEqual(viaWorker.results, inThread.results);
    assert.deepEqual(viaWorker.results.map((r) => r.score), Array.from(scoreRows(mixed, tableFromRecords(many)).scores));
    const n = many.length;
    const oip = await call(worker, 'POST', '/v2/models/numeric/infer', { inputs: [{ name: 'x', shape: [n, 2], datatype: 'FP64', data: many.flatMap((r) => [r.a, r.b]) }] });
    assert.deepEqual((oip.body as { outputs: { data: number[] }[] }).outputs[0].data, Array.from(scoreRows(numeric, tableFromRecords(many.map(({ a, b }) => ({ a, b })))).scores));
    const text = (await call(worker, 'GET', '/metrics')).body as string;
    assert.match(text, /aberrant_scoring_jobs_total\{path="worker"\} 2/);
  });

  it('micro-batches concurrent small requests into one scoring call with the same scores', async () => {
    const batched = await start({ batchWindowMs: 30 });
    const rows = makeRows(24, 6);
    const each = await Promise.all(rows.map((r) => call(batched, 'POST', '/models/mixed/score', { rows: [r] })));
    const alone = rows.map((r) => scoreRows(mixed, tableFromRecords([r])));
    assert.deepEqual(each.map((r) => (r.body as ScoreBody).results[0]), alone.map((a) => ({ score: a.scores[0], is_anomaly: a.isAnomaly[0] === 1, rank: a.rank[0] })));
    const text = (await call(batched, 'GET', '/metrics')).body as string;
    const count = Number(/aberrant_microbatch_requests_count (\d+)/.exec(text)![1]), sum = Number(/aberrant_microbatch_requests_sum (\d+)/.exec(text)![1]);
    assert.equal(sum, rows.length);
    assert.ok(count < rows.length, `${rows.length} requests were scored in ${count} batches, expected fewer batches than requests`);
  });

  it('serves over a real socket and finishes a request in flight when shut down', async () => {
    // The request waits in its batch window (long, so a loaded machine cannot flush it early); close() starts only
    // once the scorer holds it, so it is in flight however slowly the request got there.
    const live = await start({ batchWindowMs: 1000 });
    const address = await live.listen(0, '127.0.0.1');
    assert.equal((await fetch(`${address}/v2/health/live`)).status, 200);
    const pending = fetch(`${address}/models/mixed/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: test.slice(0, 1) }) });
    const deadline = Date.now() + 30_000;
    while (live.scorer.batchedRequests === 0) {
      assert.ok(Date.now() < deadline, 'the request never reached the batch window');
      await new Promise((r) => setTimeout(r, 5));
    }
    const closing = live.close();
    const res = await pending;
    assert.equal(res.status, 200);
    const body = await res.json() as ScoreBody;
    assert.equal(body.results[0].score, scoreRows(mixed, tableFromRecords(test.slice(0, 1))).scores[0]);
    await closing;
    await assert.rejects(fetch(`${address}/v2/health/live`));
  });
});
