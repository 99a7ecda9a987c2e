import { writeFileSync } from 'node:fs';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// `npm run dev` proxies the API to a running `marquee serve` (MARQUEE_URL, default :8080).
const api = process.env.MARQUEE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [
    react(),
    {
      // web/dist is embedded by web.go (//go:embed all:dist); the committed
      // dist/.gitkeep keeps that compiling on a fresh clone, and the build
      // (which empties dist) puts it back.
      name: 'marquee-keep-dist',
      apply: 'build',
      closeBundle() {
        writeFileSync(new URL('./dist/.gitkeep', import.meta.url), '');
      },
    },
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
  },
  server: {
    proxy: { '/api': api, '/.well-known': api },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    // CI shares 2 cores with Go builds and Chromium: the default 5 s is too tight under load.
    testTimeout: 20_000,
  },
});
