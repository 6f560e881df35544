import { expect, type Page } from '@playwright/test';
import type { RunningSystem } from './hub-process.js';

/** Logs in at the console as one of the demo accounts of the fleet manifest. */
export async function logIn(page: Page, system: RunningSystem, username: string): Promise<void> {
  const account = system.manifest.operators.find((candidate) => candidate.username === username)!;
  await page.goto(system.url);
  await page.getByTestId('login-username').fill(account.username);
  await page.getByTestId('login-password').fill(account.password);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('operator-name')).toBeVisible();
}
