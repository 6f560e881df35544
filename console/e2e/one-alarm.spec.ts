import { expect, type Page, test } from '@playwright/test';
import { Fleet } from '@knutepunkt/simulators';
import { logIn } from './console-session.js';
import { type RunningSystem, sim, startSystem } from './hub-process.js';

let system: RunningSystem;

test.beforeAll(async () => {
  system = await startSystem();
});
test.afterAll(async () => {
  await system?.stop();
});


test('one alarm end to end: fleet, fall, take, log, close, journal', async ({ browser }, testInfo) => {
  const shot = async (page: Page, name: string) => page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
  const kari = await (await browser.newContext({ viewport: { width: 1500, height: 900 } })).newPage();
  const ola = await (await browser.newContext({ viewport: { width: 1500, height: 900 } })).newPage();
  await logIn(kari, system, 'operator');
  await logIn(ola, system, 'operator2');

  // Step 2: the simulated fleet's alarms arrive live, most urgent first, with age counting up.
  const fleet = new Fleet(system.manifest, { ratePerMinute: 600, heartbeatSeconds: 0, seed: 7, log: () => undefined });
  await fleet.start();
  await expect.poll(() => kari.getByTestId('alarm-row').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
  await fleet.stop();
  const severities = await kari.getByTestId('alarm-row').evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-severity'))));
  expect(severities).toEqual([...severities].sort((a, b) => b - a));
  const age = kari.getByTestId('alarm-row').first().getByTestId('alarm-age');
  const ageBefore = await age.textContent();
  await expect(age).not.toHaveText(ageBefore!, { timeout: 3000 });
  await shot(kari, '1-queue-from-fleet');

  // Step 3: a fall from the command line reaches the console.
  const resident = system.manifest.residents[0]!;
  const sent = await sim(['fall', '--resident', resident.name, '--manifest', system.manifestPath]);
  expect(sent.code, sent.output).toBe(0);
  const fallRow = kari.locator(`[data-testid="alarm-row"][data-code="4.1"]`, { hasText: resident.name }).first();
  await expect(fallRow).toBeVisible({ timeout: 5000 });
  const alarmId = (await fallRow.getAttribute('data-alarm-id'))!;
  await shot(kari, '2-fall-arrived');

  // Step 4: take it with one keystroke; the other operator sees it taken at once.
  await fallRow.click();
  await kari.keyboard.press('t');
  await expect(kari.getByTestId('alarm-detail')).toHaveAttribute('data-state', 'being-handled');
  await expect(kari.getByTestId('alarm-detail')).toHaveAttribute('data-alarm-id', alarmId);
  await expect(kari.getByTestId('resident-panel')).toContainText(resident.name);
  await expect(ola.locator(`[data-alarm-id="${alarmId}"]`).getByTestId('taken-by')).toContainText('Kari', { timeout: 2000 });
  await shot(ola, '3-taken-seen-by-other-operator');

  // On a 1280×800 desk the action forms wrap inside the alarm panel instead of running under the resident's.
  await kari.setViewportSize({ width: 1280, height: 800 });
  const panelBox = (await kari.getByTestId('alarm-detail').boundingBox())!;
  for (const button of ['log-add', 'priority-submit', 'call-out-submit']) {
    await expect(kari.getByTestId(button)).toBeVisible();
    const box = (await kari.getByTestId(button).boundingBox())!;
    expect(box.x, button).toBeGreaterThanOrEqual(panelBox.x);
    expect(box.x + box.width, button).toBeLessThanOrEqual(panelBox.x + panelBox.width);
    expect(box.y, button).toBeGreaterThanOrEqual(panelBox.y);
    expect(box.y + box.height, button).toBeLessThanOrEqual(panelBox.y + panelBox.height);
  }
  await shot(kari, '3b-taken-at-1280');
  await kari.setViewportSize({ width: 1500, height: 900 });

  await kari.getByTestId('log-step-select').selectOption('conversation');
  await kari.getByTestId('log-note').fill('Snakket med bruker, har falt på badet, er våken');
  await kari.getByTestId('log-add').click();
  await expect(kari.locator('[data-testid="log-entry"][data-step="conversation"]')).toContainText('Snakket med bruker');

  await kari.getByTestId('close-cause').selectOption('fall');
  await kari.locator('[data-testid="close-measure"][value="responder-visit"]').check();
  await kari.getByTestId('close-submit').click();

  // Step 5: closing journals the alarm into the EPJ, and the console shows it delivered.
  await expect(kari.getByTestId('journal-status')).toHaveAttribute('data-status', 'delivered', { timeout: 15_000 });
  await shot(kari, '4-closed-and-journaled');
  const journaled = system.epj.received().filter((entry) => JSON.stringify(entry.resource).includes(alarmId) || entry.identifier.value.includes(alarmId));
  expect(journaled.map((entry) => entry.type).sort()).toEqual(['Composition', 'DetectedIssue']);
  const issue = journaled.find((entry) => entry.type === 'DetectedIssue')!.resource as { code: { coding: Array<{ code: string }> } };
  expect(issue.code.coding[0]!.code).toBe('4.1');
  const composition = journaled.find((entry) => entry.type === 'Composition')!.resource as { event: Array<{ code: Array<{ coding: Array<{ code: string }> }> }> };
  expect(composition.event.map((event) => event.code[0]!.coding[0]!.code)).toContain('8');
});
