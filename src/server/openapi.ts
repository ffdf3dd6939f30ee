/** The OpenAPI 3.1 document of the server, generated from the zod schemas the handlers validate with, and the /docs page. */
import * as z from '../zod.js';
import {
  ErrorResponse, InferRequest, InferResponse, LiveResponse, ModelListResponse, ModelMetadataResponse, ModelReadyResponse, ReadyResponse,
  ScoreQuery, ScoreRequest, ScoreResponse, ServerMetadataResponse,
} from './schemas.js';

const SCHEMAS: Record<string, z.ZodMiniType> = {
  Error: ErrorResponse, Live: LiveResponse, Ready: ReadyResponse, ModelReady: ModelReadyResponse, ServerMetadata: ServerMetadataResponse,
  ModelMetadata: ModelMetadataResponse, InferRequest, InferResponse, ScoreRequest, ScoreResponse, ModelList: ModelListResponse,
};

interface RouteDoc {
  method: 'get' | 'post';
  /** OpenAPI path: {param} */
  path: string;
  summary: string;
  /** Open even when the server has a token. */
  open?: boolean;
  body?: { json?: string; csv?: boolean };
  query?: z.ZodMiniObject;
  /** Component name of the 200 body, or a media type for text answers. */
  ok: string | { media: string };
  errors: number[];
}

const MODEL = 'model', VERSION = 'version';

/** Every route the server registers (a test checks the two lists agree). */
export const ROUTES: RouteDoc[] = [
  { method: 'get', path: '/v2/health/live', summary: 'OIP server live: 200 while the process can answer', open: true, ok: 'Live', errors: [] },
  { method: 'get', path: '/v2/health/ready', summary: 'OIP server ready: 200 once the model directory has been read and at least one model is served, else 400', open: true, ok: 'Ready', errors: [400] },
  { method: 'get', path: '/v2', summary: 'OIP server metadata', ok: 'ServerMetadata', errors: [401] },
  { method: 'get', path: `/v2/models/{${MODEL}}`, summary: 'OIP model metadata: inputs are the raw columns, outputs score, is_anomaly, rank', ok: 'ModelMetadata', errors: [401, 404] },
  { method: 'get', path: `/v2/models/{${MODEL}}/ready`, summary: 'OIP model ready', ok: 'ModelReady', errors: [401, 404] },
  { method: 'post', path: `/v2/models/{${MODEL}}/infer`, summary: 'OIP inference: one [N] input per raw column, or one [N, F] input when every column is numeric', body: { json: 'InferRequest' }, ok: 'InferResponse', errors: [400, 401, 404, 413, 503] },
  { method: 'get', path: `/v2/models/{${MODEL}}/versions/{${VERSION}}`, summary: 'OIP model metadata of one version (the served one; another is 404)', ok: 'ModelMetadata', errors: [401, 404] },
  { method: 'get', path: `/v2/models/{${MODEL}}/versions/{${VERSION}}/ready`, summary: 'OIP model version ready', ok: 'ModelReady', errors: [401, 404] },
  { method: 'post', path: `/v2/models/{${MODEL}}/versions/{${VERSION}}/infer`, summary: 'OIP inference on one version (the served one; another is 404)', body: { json: 'InferRequest' }, ok: 'InferResponse', errors: [400, 401, 404, 413, 503] },
  { method: 'get', path: '/models', summary: 'The models served: name, version, detector, file', ok: 'ModelList', errors: [401] },
  { method: 'post', path: `/models/{${MODEL}}/score`, summary: 'Score rows: {"rows": [{column: value}]} as JSON, or a CSV file (text/csv) with a header line', body: { json: 'ScoreRequest', csv: true }, query: ScoreQuery, ok: 'ScoreResponse', errors: [400, 401, 404, 413, 415, 503] },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', ok: { media: 'text/plain' }, errors: [401] },
  { method: 'get', path: '/openapi.json', summary: 'This document', open: true, ok: { media: 'application/json' }, errors: [] },
  { method: 'get', path: '/docs', summary: 'A page listing the routes of this document', open: true, ok: { media: 'text/html' }, errors: [] },
  { method: 'get', path: '/app', summary: 'Redirects to /app/', open: true, ok: { media: 'text/html' }, errors: [] },
  { method: 'get', path: '/app/', summary: 'The web app (train and score in the browser; built by npm run build:web); 404 saying how to build it when it is not built', open: true, ok: { media: 'text/html' }, errors: [404] },
  { method: 'get', path: '/app/{file}', summary: 'A static file of the web app', open: true, ok: { media: 'application/octet-stream' }, errors: [404] },
];

const ERROR_TEXT: Record<number, string> = {
  400: 'bad request: the message names the input, row or column and what was expected', 401: 'missing or wrong bearer token',
  404: 'no such model (or version)', 413: 'body larger than the size limit, or more rows than the row limit', 415: 'unsupported content type',
  503: 'not ready, shutting down, or scoring did not finish within the timeout',
};

function jsonSchema(s: z.ZodMiniType, io: 'input' | 'output'): Record<string, unknown> {
  const js = z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete js.$schema;
  return js;
}

export function openApiDocument(version: string, hasToken: boolean): Record<string, unknown> {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const inputs = new Set(ROUTES.flatMap((r) => (r.body?.json ? [r.body.json] : [])));
  const components: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(SCHEMAS)) components[name] = jsonSchema(s, inputs.has(name) ? 'input' : 'output');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const query = r.query ? Object.entries((jsonSchema(r.query, 'input').properties ?? {}) as Record<string, unknown>).map(([name, schema]) => ({ name, in: 'query', required: false, schema })) : [];
    const content: Record<string, unknown> = {};
    if (r.body?.json) content['application/json'] = { schema: ref(r.body.json) };
    if (r.body?.csv) content['text/csv'] = { schema: { type: 'string', description: 'CSV with a header line naming the raw columns' } };
    const responses: Record<string, unknown> = {
      200: { description: 'OK', content: typeof r.ok === 'string' ? { 'application/json': { schema: ref(r.ok) } } : { [r.ok.media]: { schema: { type: 'string' } } } },
    };
    for (const code of r.errors) responses[code] = { description: ERROR_TEXT[code], content: { 'application/json': { schema: ref('Error') } } };
    (paths[r.path] ??= {})[r.method] = {
      summary: r.summary,
      ...(params.length + query.length > 0 ? { parameters: [...params, ...query] } : {}),
      ...(r.body ? { requestBody: { required: true, content } } : {}),
      responses,
      ...(hasToken && r.open ? { security: [] } : {}),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Aberrant scoring server', version,
      description: 'Anomaly scores from Aberrant model files, on the Open Inference Protocol v2 (/v2) and a plain JSON/CSV route (/models). Higher score = more anomalous.',
    },
    paths,
    components: { schemas: components, ...(hasToken ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {}) },
    ...(hasToken ? { security: [{ bearer: [] }] } : {}),
  };
}

/** A self-contained page (no external scripts or styles) that lists the routes of /openapi.json with their schemas. */
export const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Aberrant scoring server</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{font-size:1rem;margin:1.4rem 0 .3rem}code,pre{font:13px ui-monospace,monospace}
.m{display:inline-block;min-width:3.5rem;font-weight:600}.get{color:#1b6e3a}.post{color:#8a4b00}
pre{background:#f5f5f5;padding:.6rem;overflow:auto;max-height:24rem}details{margin:.2rem 0 .2rem 1rem}
</style></head><body>
<h1>Aberrant scoring server</h1>
<p id="about">Loading <a href="openapi.json">openapi.json</a>…</p>
<div id="routes"></div>
<script>
fetch('openapi.json').then(function (r) { return r.json(); }).then(function (doc) {
  var esc = function (s) { return String(s).replace(/[&<>"]/g, function (c) { return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]; }); };
  var resolve = function (s) { var ref = s && s.$ref; return ref ? doc.components.schemas[ref.split('/').pop()] : s; };
  var block = function (title, s) { return s ? '<details><summary>' + esc(title) + '</summary><pre>' + esc(JSON.stringify(resolve(s), null, 2)) + '</pre></details>' : ''; };
  document.getElementById('about').innerHTML = esc(doc.info.description) + ' Version ' + esc(doc.info.version) + '. Machine-readable: <a href="openapi.json">openapi.json</a>.';
  var html = '';
  Object.keys(doc.paths).forEach(function (p) {
    Object.keys(doc.paths[p]).forEach(function (m) {
      var op = doc.paths[p][m], body = op.requestBody && op.requestBody.content;
      html += '<h2><span class="m ' + m + '">' + m.toUpperCase() + '</span><code>' + esc(p) + '</code></h2><div>' + esc(op.summary) + '</div>';
      (op.parameters || []).filter(function (q) { return q.in === 'query'; }).forEach(function (q) { html += '<div>query <code>' + esc(q.name) + '</code>: ' + esc(q.schema.description || '') + '</div>'; });
      if (body) Object.keys(body).forEach(function (t) { html += block('request body (' + t + ')', body[t].schema); });
      Object.keys(op.responses).forEach(function (code) {
        var c = op.responses[code].content, t = c && Object.keys(c)[0];
        html += block(code + ' ' + op.responses[code].description, t && c[t].schema.$ref ? c[t].schema : null) || '<details><summary>' + esc(code + ' ' + op.responses[code].description) + '</summary></details>';
      });
    });
  });
  document.getElementById('routes').innerHTML = html;
}).catch(function (e) { document.getElementById('about').textContent = 'Could not load openapi.json: ' + e; });
</script></body></html>
`;
