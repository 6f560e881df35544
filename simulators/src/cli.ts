#!/usr/bin/env node
/** `pnpm sim …`: everything lives in cli-commands.ts so tests can run commands without a process. */
import { run } from './cli-commands.js';

process.exitCode = await run(process.argv.slice(2));
