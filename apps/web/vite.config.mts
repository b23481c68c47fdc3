// The web client's build: dist/apps/web, served by the gateway at `/`. `vite` (the dev server)
// proxies the API to a running gateway (JCHAT_GATEWAY, default http://127.0.0.1:8080).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const gateway = process.env['JCHAT_GATEWAY'] ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  resolve: {
    alias: { '@jchat/jmap-client': path.join(root, 'libs/jmap-client/src/index.ts') },
  },
  build: {
    outDir: path.join(root, 'dist/apps/web'),
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: {
      '/auth': gateway,
      '/jmap': { target: gateway, ws: true },
      '/.well-known': gateway,
    },
  },
});
