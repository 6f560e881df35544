import { defineConfig } from '@playwright/test';

// The hub (with the console built into it) must already be running; e2e tests never download a browser.
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  workers: 1,
  timeout: 120_000,
  use: {
    baseURL: process.env.KNUTEPUNKT_URL ?? 'http://127.0.0.1:3000',
    screenshot: 'on',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
