import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// NestJS and TypeORM read decorator metadata, which esbuild does not emit: swc compiles the tests.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests share the real PostgreSQL and Redis; files run one after another.
    fileParallelism: false,
  },
});
