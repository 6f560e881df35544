import { expect, type Page, test } from '@playwright/test';
import { logIn } from './console-session.js';
import { type RunningSystem, sim, startSystem } from './hub-process.js';

let system: RunningSystem;

test.beforeAll(async () => {
  system = await startSystem();
});
test.afterAll(async () => {
  await system?.stop();
});


test('an operator overrides triage with a reason, then reads the service levels', async ({ browser }, testInfo) => {
  const shot = async (page: Page, name: string) => page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
  const page = await (await browser.newContext({ viewport: { width: 1500, height: 900 } })).newPage();
  await logIn(page, system, 'operator');

  const resident = system.manifest.residents[0]!;
  const sent = await sim(['fall', '--resident', resident.name, '--manifest', system.manifestPath]);
  expect(sent.code, sent.output).toBe(0);
  const fallRow = page.locator(`[data-testid="alarm-row"][data-code="4.1"]`, { hasText: resident.name }).first();
  await expect(fallRow).toBeVisible({ timeout: 5000 });
  await fallRow.click();
  await page.keyboard.press('t');
  const detail = page.getByTestId('alarm-detail');
  await expect(detail).toHaveAttribute('data-state', 'being-handled');

  // A different severity than triage proposed; the button waits for a reason.
  const before = Number(await detail.getByTestId('severity').getAttribute('data-severity'));
  const chosen = before === 40 ? '20' : '40';
  await page.getByTestId('priority-severity').selectOption(chosen);
  await expect(page.getByTestId('priority-submit')).toBeDisabled();
  await page.getByTestId('priority-reason').fill('Bruker svarer ikke på tiltale');
  await page.getByTestId('priority-submit').click();
  await expect(detail.getByTestId('severity')).toHaveAttribute('data-severity', chosen);
  await expect(detail.locator('[data-testid="log-entry"][data-step="action"]')).toContainText('Bruker svarer ikke på tiltale');
  await expect(page.getByTestId('priority-reason')).toHaveValue('');
  await shot(page, '1-priority-changed');

  // Operators now have a top bar with the service-level view.
  await page.getByTestId('nav-service-levels').click();
  await expect(page).toHaveURL(/\/service-levels$/);
  const view = page.getByTestId('service-levels');
  await expect(view).toBeVisible();
  await expect(page.getByTestId('by-hour-row')).toHaveCount(24);
  await expect(page.locator('[data-testid="by-hour-row"][data-peak="true"]')).toHaveCount(3);
  // The alarm was taken within seconds: its municipality's card shows 100 % within 60 s, target met.
  const answered = page.getByTestId('service-level-card').filter({ has: page.locator('[data-testid="service-level-alarms"]:not(:text-is("0"))') });
  await expect(answered.first()).toBeVisible();
  await expect(answered.first().getByTestId('share-60')).toHaveAttribute('data-verdict', 'met');
  await expect(answered.first().getByTestId('share-180')).toHaveAttribute('data-verdict', 'met');
  await expect(answered.first().getByTestId('share-60')).toHaveText('100,0\u00a0%');
  await expect(answered.first()).toHaveAttribute('data-tenant-id', /.+/);
  await page.getByTestId('service-level-period').selectOption('30');
  await expect(answered.first().getByTestId('share-60')).toHaveAttribute('data-verdict', 'met');
  await shot(page, '2-service-levels');

  // A vendor's account has no alarms, and no service levels either.
  const vendor = await (await browser.newContext()).newPage();
  await logIn(vendor, system, 'vendor');
  await expect(vendor.getByTestId('nav-service-levels')).toHaveCount(0);
  await vendor.goto(`${system.url}/service-levels`);
  await expect(vendor).toHaveURL(/\/devices$/);
});
