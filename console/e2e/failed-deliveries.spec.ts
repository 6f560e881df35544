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

/** Tells the EPJ simulator how to answer, over HTTP as a tester would (POST /mode). */
async function setEpjMode(mode: object): Promise<void> {
  const response = await fetch(new URL('/mode', system.epj.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(mode) });
  expect(response.status, await response.text()).toBe(200);
}

test('a journal entry the EPJ refused is listed for the supervisor, sent again once the EPJ is healthy, and shown delivered', async ({ browser }, testInfo) => {
  const shot = async (page: Page, name: string) => page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
  const kari = await (await browser.newContext({ viewport: { width: 1500, height: 900 } })).newPage();
  const vigdis = await (await browser.newContext({ viewport: { width: 1500, height: 900 } })).newPage();
  await logIn(kari, system, 'operator');
  await logIn(vigdis, system, 'supervisor');

  // The EPJ refuses every entry: a 4xx is final, so the entry is set aside at once, not retried.
  await setEpjMode({ reject: 422 });

  const resident = system.manifest.residents[0]!;
  const sent = await sim(['fall', '--resident', resident.name, '--manifest', system.manifestPath]);
  expect(sent.code, sent.output).toBe(0);
  const fallRow = kari.locator(`[data-testid="alarm-row"][data-code="4.1"]`, { hasText: resident.name }).first();
  await expect(fallRow).toBeVisible({ timeout: 5000 });
  const alarmId = (await fallRow.getAttribute('data-alarm-id'))!;
  await fallRow.click();
  await kari.keyboard.press('t');
  const detail = kari.getByTestId('alarm-detail');
  await expect(detail).toHaveAttribute('data-state', 'being-handled');
  await kari.getByTestId('close-cause').selectOption('fall');
  await kari.locator('[data-testid="close-measure"][value="responder-visit"]').check();
  await kari.getByTestId('close-submit').click();
  await expect(detail).toHaveAttribute('data-alarm-id', alarmId);
  const badge = kari.getByTestId('journal-status');
  await expect(badge).toHaveAttribute('data-status', 'failed', { timeout: 15_000 });
  await shot(kari, '1-journaling-failed');

  // The supervisor's service-level page lists it, with the EPJ's refusal in plain words and as it said it.
  await vigdis.getByTestId('nav-service-levels').click();
  await expect(vigdis).toHaveURL(/\/service-levels$/);
  const panel = vigdis.getByTestId('failed-deliveries');
  await expect(panel.getByRole('heading', { name: 'Journalføring som feilet' })).toBeVisible();
  const row = panel.getByTestId('failed-delivery').filter({ hasText: resident.name });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Avvist av EPJ');
  await expect(row).toContainText('EPJ answered 422');
  await expect(row).toContainText('4.1');
  await panel.scrollIntoViewIfNeeded();
  await shot(vigdis, '2-listed-for-the-supervisor');

  // The EPJ is healthy again; sending the entry again takes it off the list and journals the alarm.
  await setEpjMode({});
  await row.getByTestId('retry-delivery').click();
  await expect(row).toHaveCount(0);
  await expect(panel.getByRole('status')).toContainText(`Sendt på nytt: ${resident.name}`);
  await expect(badge).toHaveAttribute('data-status', 'delivered', { timeout: 15_000 });
  await expect(badge).toContainText('Journalført');
  const journaled = system.epj.received().filter((entry) => JSON.stringify(entry.resource).includes(alarmId) || entry.identifier.value.includes(alarmId));
  expect(journaled.map((entry) => entry.type).sort()).toEqual(['Composition', 'DetectedIssue']);
  await panel.getByRole('button', { name: 'Oppdater' }).click();
  await expect(panel.getByTestId('failed-deliveries-none')).toBeVisible();
  await panel.scrollIntoViewIfNeeded();
  await shot(vigdis, '3-sent-again');
  await shot(kari, '4-journaled');
});
