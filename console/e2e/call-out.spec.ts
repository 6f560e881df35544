import { expect, type Page, test } from '@playwright/test';
import pg from 'pg';
import { logIn } from './console-session.js';
import { type RunningSystem, sim, startSystem } from './hub-process.js';

let system: RunningSystem;

test.beforeAll(async () => {
  system = await startSystem();
});
test.afterAll(async () => {
  await system?.stop();
});

test('a call-out end to end: the operator sends the zone team, the responder reports from a phone, the supervisor hears of delays', async ({ browser }, testInfo) => {
  const shot = async (page: Page, name: string) => page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });

  // Short limits, as a municipality sets them: an untaken alarm escalates after 3 s, and a
  // call-out without anyone on site after 6 s tells the supervisor.
  const db = new pg.Client({ connectionString: system.databaseUrl });
  await db.connect();
  await db.query('UPDATE tenants SET answer_limit_seconds = 3, on_site_limit_seconds = 6');
  await db.end();

  const desk = { viewport: { width: 1500, height: 900 } };
  const kari = await (await browser.newContext(desk)).newPage();
  const vigdis = await (await browser.newContext(desk)).newPage();
  const per = await (await browser.newContext({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true })).newPage();
  await logIn(kari, system, 'operator');
  await logIn(vigdis, system, 'supervisor');
  await logIn(per, system, 'responder');

  // A responder lands on the team's call-outs, not the response centre's queue.
  await expect(per).toHaveURL(/\/responder$/);
  await expect(per.getByTestId('operator-name')).toHaveText('Per Pleier');
  await expect(per.getByTestId('call-outs-empty')).toBeVisible();
  await expect(vigdis.getByTestId('nav-service-levels')).toBeVisible();

  // The first demo resident lives in zone Sentrum, served by Per's team.
  const resident = system.manifest.residents[0]!;
  const sent = await sim(['fall', '--resident', resident.name, '--manifest', system.manifestPath]);
  expect(sent.code, sent.output).toBe(0);
  const fallRow = kari.locator('[data-testid="alarm-row"][data-code="4.1"]', { hasText: resident.name }).first();
  await expect(fallRow).toBeVisible({ timeout: 5000 });
  const alarmId = (await fallRow.getAttribute('data-alarm-id'))!;

  // Left untaken past its limit, the supervisor is told.
  const unanswered = vigdis.locator(`[data-testid="supervisor-alert"][data-kind="not-answered"][data-alarm-id="${alarmId}"]`);
  await expect(unanswered).toContainText('Alarm ikke besvart: 4.1', { timeout: 10_000 });
  await expect(unanswered).toContainText(resident.name);
  await expect(unanswered).toContainText(/eskalert \d+ gang/);

  // Kari takes it, puts it back, and takes it again: the buttons follow the state.
  await fallRow.click();
  await kari.keyboard.press('t');
  const detail = kari.getByTestId('alarm-detail');
  await expect(detail).toHaveAttribute('data-state', 'being-handled');
  await kari.getByTestId('action-release').click();
  await expect(detail).toHaveAttribute('data-state', 'reported');
  await expect(kari.getByTestId('call-out-form')).toHaveCount(0);
  await kari.getByTestId('take-button').click();
  await expect(detail).toHaveAttribute('data-state', 'being-handled');

  // The call-out goes to the team of the resident's zone unless Kari chooses another.
  await expect(kari.getByTestId('call-out-team').locator('option[data-default="true"]')).toContainText('Hjemmetjenesten Sentrum');
  await expect(kari.getByTestId('call-out-team')).not.toHaveValue('');
  await kari.getByTestId('call-out-note').fill('Falt på badet, ligger på gulvet');
  await kari.getByTestId('call-out-submit').click();
  await expect(detail).toHaveAttribute('data-state', 'called-out');
  const status = kari.getByTestId('call-out-status');
  await expect(status.getByTestId('call-out-team-name')).toHaveText('Hjemmetjenesten Sentrum');
  await expect(fallRow.getByTestId('row-state')).toHaveText('Utrykning sendt');
  // Closing waits for the call-out to end, and says so.
  await expect(kari.getByTestId('close-waits')).toBeVisible();
  await expect(kari.getByTestId('close-submit')).toBeDisabled();
  await expect(kari.getByTestId('action-release')).toHaveCount(0);
  await shot(kari, '1-called-out');

  // Per's phone shows it live, with what is needed at the door.
  const card = per.locator(`[data-testid="call-out-card"][data-alarm-id="${alarmId}"]`);
  await expect(card).toBeVisible({ timeout: 5000 });
  await expect(card).toContainText(resident.name);
  await expect(card).toContainText('4.1');
  await expect(card.getByTestId('call-out-note')).toHaveText('Fra responssenteret: Falt på badet, ligger på gulvet');
  await expect(card.getByTestId('call-out-phone')).toHaveAttribute('href', /^tel:\d+/);
  await expect(card.getByTestId('call-out-key-box')).not.toBeEmpty();
  // Made for the phone: nothing wider than its screen.
  expect(await per.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await shot(per, '2-phone-call-out');

  // Accept: the operator's panel shows who is on the way.
  await card.getByTestId('respond-accept').tap();
  await expect(card).toHaveAttribute('data-state', 'responder-on-way');
  await expect(status).toHaveAttribute('data-state', 'responder-on-way', { timeout: 2000 });
  await expect(status.getByTestId('call-out-responder')).toHaveText('Per Pleier');
  await expect(fallRow.getByTestId('row-state')).toHaveText('Utrykning på vei');

  // Not on site within the limit: the supervisor is told.
  const late = vigdis.locator(`[data-testid="supervisor-alert"][data-kind="not-on-site"][data-alarm-id="${alarmId}"]`);
  await expect(late).toContainText('Ikke på stedet innen', { timeout: 15_000 });
  await expect(late).toContainText('Hjemmetjenesten Sentrum');
  await expect(vigdis.getByTestId('supervisor-alert').first()).toHaveAttribute('data-kind', 'not-on-site');
  await shot(vigdis, '3-supervisor-alerts');
  await late.getByTestId('supervisor-alert-dismiss').click();
  await expect(late).toHaveCount(0);
  await expect(unanswered).toBeVisible();

  // On site, then done: each step reaches the operator's panel live.
  await card.getByTestId('respond-on-site').tap();
  await expect(card).toHaveAttribute('data-state', 'responder-on-site');
  await expect(status).toHaveAttribute('data-state', 'responder-on-site', { timeout: 2000 });
  await expect(status.getByTestId('call-out-on-site')).toHaveText(/\d\d:\d\d/);
  await shot(kari, '4-on-site');
  await card.getByTestId('respond-done').tap();
  await expect(card).toHaveCount(0);
  await expect(per.getByTestId('call-outs-empty')).toBeVisible();
  await expect(detail).toHaveAttribute('data-state', 'being-handled', { timeout: 2000 });
  await expect(status).toHaveCount(0);
  await expect(detail.locator('[data-testid="log-entry"][data-step="call-out-accepted"]')).toHaveCount(1);
  await expect(detail.locator('[data-testid="log-entry"][data-step="action"]', { hasText: 'Hjemmetjenesten er ferdig' })).toHaveCount(1);

  // Kari closes it; a closed alarm can be reopened.
  await expect(kari.getByTestId('close-waits')).toHaveCount(0);
  await kari.getByTestId('close-cause').selectOption('fall');
  await kari.locator('[data-testid="close-measure"][value="responder-visit"]').check();
  await kari.getByTestId('close-submit').click();
  await expect(detail).toHaveAttribute('data-state', 'closed');
  await kari.getByTestId('action-reopen').click();
  await expect(detail).toHaveAttribute('data-state', 'being-handled');
  await expect(detail.getByTestId('detail-taken-by')).toContainText('Kari');

  // The supervisor's service levels count the call-out and its time to on site.
  await vigdis.getByTestId('nav-service-levels').click();
  const nordby = vigdis.getByTestId('service-level-card').filter({ hasText: 'Nordby' });
  await expect(nordby.getByTestId('service-level-call-outs')).toHaveText('1');
  await expect(nordby.getByTestId('service-level-on-site')).toHaveText(/\d+ (s|min)/);
  await shot(vigdis, '5-service-levels');
});
