// Vite config of the web app: `npm run build:web` writes flat static files to dist/web (served by
// `aberrant serve` under /app/, or by any static file server: every URL in the build is relative).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: { outDir: '../dist/web', emptyOutDir: true, assetsDir: '', target: 'es2022', chunkSizeWarningLimit: 2000 },
  worker: { format: 'es' },
});
