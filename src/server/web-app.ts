/**
 * The web app (web/, built by `npm run build:web` into dist/web) under /app/: a flat directory of static files
 * (the build writes no subdirectories), served as they are. The page trains and scores in the browser; it
 * calls no route of this server, so it is open even when the server has a token.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** dist/web beside dist/src (this file is dist/src/server/web-app.js once compiled). */
export const DEFAULT_WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml',
  png: 'image/png', json: 'application/json', wasm: 'application/wasm', ico: 'image/x-icon', map: 'application/json',
};
/** A plain file name: no directory part, no leading dot. */
const FILE_NAME = /^[\w-][\w.-]*$/;
/** Vite's hashed output names (name-HASH.ext) never change content, so browsers may keep them. */
const HASHED = /-[\w]{8,}\.(js|css)$/;

export function registerWebApp(app: FastifyInstance, root: string): void {
  const send = async (reply: FastifyReply, file: string) => {
    let body: Buffer;
    try { body = await readFile(join(root, file)); } catch {
      const built = await readFile(join(root, 'index.html')).then(() => true, () => false);
      const error = built ? `no file "${file}" in the web app` : `the web app is not built (no ${join(root, 'index.html')}): run npm run build:web`;
      return reply.code(404).send({ error });
    }
    const ext = file.slice(file.lastIndexOf('.') + 1).toLowerCase();
    return reply
      .type(TYPES[ext] ?? 'application/octet-stream')
      .header('cache-control', HASHED.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache')
      .send(body);
  };
  app.get('/app', async (_req, reply) => reply.redirect('/app/'));
  app.get('/app/', async (_req, reply) => send(reply, 'index.html'));
  app.get<{ Params: { file: string } }>('/app/:file', async (req, reply) => {
    const file = req.params.file;
    if (!FILE_NAME.test(file)) return reply.code(404).send({ error: `no file "${file}" in the web app` });
    return send(reply, file);
  });
}
