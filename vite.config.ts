import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The app is fully static: no server, trace data never leaves the page.
export default defineConfig({
  root: '.',
  base: './',
  plugins: [react()],
  worker: { format: 'es' },
  build: { outDir: 'dist', sourcemap: true, target: 'es2022' },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
