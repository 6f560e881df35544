import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// Benchmarks print their figures; they assert nothing about time.
export default defineConfig({ ...base, test: { ...base.test, include: ['bench/**/*.bench.ts'] } });
