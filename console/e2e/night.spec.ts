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

/** The row of the resident's alarm with this code, as the operator's queue shows it. */
const rowOf = (page: Page, firstName: string, code: string) => page.locator(`[data-testid="alarm-row"][data-code="${code}"]`, { hasText: firstName });

test('a scripted night through the simulators: the right alarms and priorities, one outage incident for 50 homes, escalations to the supervisor', async ({ browser }, testInfo) => {
  test.setTimeout(240_000);
  const desk = { viewport: { width: 1500, height: 1000 } };
  const kari = await (await browser.newContext(desk)).newPage();
  const vigdis = await (await browser.newContext(desk)).newPage();
  await logIn(kari, system, 'operator');
  await logIn(vigdis, system, 'supervisor');

  // The whole night as a tester runs it: it prints PASS or FAIL for each expectation it checks through the API.
  const night = await sim(['night', '--manifest', system.manifestPath, '--pace', '0.5', '--answer-limit', '5', '--hold', '3']);
  expect(night.output).not.toContain('FAIL');
  expect(night.output).toContain('7 expectations, 7 met, 0 not');
  expect(night.code, night.output).toBe(0);

  // What the operator sees of it, live, most urgent first.
  const fall = rowOf(kari, 'Astrid', '4.1');
  await expect(fall).toHaveAttribute('data-severity', '40');
  await expect(fall.getByTestId('escalated')).toBeVisible();
  const presses = rowOf(kari, 'Kåre', '4.13');
  await expect(presses).toHaveCount(1);
  await expect(presses).toHaveAttribute('data-severity', '30');
  await expect(presses.getByTestId('repeated')).toHaveText('Gjentatt ×2');
  await expect(rowOf(kari, 'Ingrid', '4.15')).toHaveAttribute('data-severity', '40');
  await expect(rowOf(kari, 'Olav', '1.1')).toHaveAttribute('data-severity', '30');
  await expect(rowOf(kari, 'Solveig', '4.15')).toHaveCount(0);
  await expect(rowOf(kari, 'Arne', '1.1')).toHaveCount(0);

  // The power cut is one row listing all 50 homes, not 50 rows.
  const incident = kari.getByTestId('incident-row');
  await expect(incident).toHaveCount(1);
  await expect(incident.getByTestId('incident-device-count')).toHaveText('50 enheter');
  await expect(kari.locator('[data-testid="alarm-row"][data-code="3"], [data-testid="alarm-row"][data-code="1.19"]')).toHaveCount(0);
  await incident.getByRole('button', { expanded: false }).click();
  await expect(kari.getByTestId('incident-member')).toHaveCount(50);

  // The supervisor heard of the alarms no one answered in time.
  await expect(vigdis.locator('[data-testid="supervisor-alert"][data-kind="not-answered"]').first()).toBeVisible();
  await vigdis.screenshot({ path: testInfo.outputPath('night-supervisor.png'), fullPage: true });

  // One take and one close handle the whole outage.
  await incident.getByTestId('incident-take').click();
  await expect(incident).toHaveAttribute('data-state', 'being-handled');
  await incident.getByTestId('incident-measure').first().check();
  await incident.getByTestId('incident-close').click();
  await expect(incident).toHaveAttribute('data-state', 'closed');
  await kari.screenshot({ path: testInfo.outputPath('night-operator.png'), fullPage: true });
});
