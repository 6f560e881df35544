import { expect, type Page, test } from '@playwright/test';
import type { LoginResponse } from '@knutepunkt/hub/contract';
import { SimulatedDevice } from '@knutepunkt/simulators';
import { logIn } from './console-session.js';
import { type RunningSystem, startSystem } from './hub-process.js';

let system: RunningSystem;
const connected: SimulatedDevice[] = [];

test.beforeAll(async () => {
  system = await startSystem();
});
test.afterAll(async () => {
  await Promise.all(connected.map((device) => device.stop(true)));
  await system?.stop();
});

async function adminSession(): Promise<LoginResponse> {
  const account = system.manifest.operators.find((candidate) => candidate.username === 'admin')!;
  const response = await fetch(`${system.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: account.username, password: account.password }),
  });
  return (await response.json()) as LoginResponse;
}

/** Today's date on the Oslo calendar, as the hub counts a dispenser's day. */
const osloToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

test('an admin sets how the municipality journals; a time that is none is refused in Norwegian before it is sent; a day’s dispenser summaries are written once', async ({ browser }, testInfo) => {
  const shot = async (page: Page, name: string) => page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
  const admin = await adminSession();
  const tenantId = admin.operator.tenants[0]!.id;
  const storedPolicy = async () =>
    (await (await fetch(`${system.url}/api/tenants/${tenantId}/journal-policy`, { headers: { authorization: `Bearer ${admin.token}` } })).json()) as Record<string, unknown>;

  const page = await (await browser.newContext({ viewport: { width: 1500, height: 1000 } })).newPage();
  await logIn(page, system, 'admin');
  await page.getByTestId('nav-service-levels').click();
  const policy = page.locator(`[data-testid="journal-policy-tenant"][data-tenant-id="${tenantId}"]`);
  await expect(page.getByTestId('journal-policy').getByRole('heading', { name: 'Journalføring' })).toBeVisible();

  // The shipped defaults, and nothing to save until something is changed.
  await expect(policy.getByTestId('journal-policy-technical')).not.toBeChecked();
  await expect(policy.getByTestId('journal-policy-dispenser')).toHaveValue('daily-summary');
  await expect(policy.getByTestId('journal-policy-summary-at')).toHaveValue('06:00');
  await expect(policy.getByTestId('journal-policy-save')).toBeDisabled();

  await policy.getByTestId('journal-policy-technical').check();
  await policy.getByTestId('journal-policy-save').click();
  await expect(policy.getByTestId('journal-policy-saved')).toHaveText('Lagret.');
  await expect(policy.getByTestId('journal-policy-save')).toBeDisabled();
  expect(await storedPolicy()).toEqual({ technicalAlarms: true, dispenserDoses: 'daily-summary', dailySummaryAt: '06:00' });
  await policy.scrollIntoViewIfNeeded();
  await shot(page, '1-technical-alarms-on');

  await page.reload();
  await expect(policy.getByTestId('journal-policy-technical')).toBeChecked();

  // A time of day that is none: the console says so in Norwegian before anything is sent; nothing is stored.
  await policy.getByTestId('journal-policy-summary-at').fill('25:00');
  await policy.getByTestId('journal-policy-save').click();
  const refused = policy.getByTestId('journal-policy-error');
  await expect(refused).toHaveText('Skriv klokkeslettet som TT:MM, for eksempel 06:00 (00:00–23:59).');
  await expect(policy.getByTestId('journal-policy-summary-at')).toHaveAttribute('aria-invalid', 'true');
  await expect(policy.getByTestId('journal-policy-saved')).toHaveCount(0);
  await shot(page, '2-refused-time');
  expect((await storedPolicy()).dailySummaryAt).toBe('06:00');
  // The message is about what was tried: it goes as soon as the admin edits the form again.
  await policy.getByTestId('journal-policy-summary-at').fill('06:3');
  await expect(refused).toHaveCount(0);
  await expect(policy.getByTestId('journal-policy-summary-at')).toHaveAttribute('aria-invalid', 'false');
  await page.reload();
  await expect(policy.getByTestId('journal-policy-summary-at')).toHaveValue('06:00');
  await expect(policy.getByTestId('journal-policy-technical')).toBeChecked();

  // A dose taken out today, then today's summaries written by hand: one entry, and none the second time.
  const resident = system.manifest.residents.find((candidate) => candidate.devices.some((device) => device.model === 'MedDose 2'))!;
  const dispenser = new SimulatedDevice(resident.devices.find((device) => device.model === 'MedDose 2')!, { mqttUrl: system.manifest.mqttUrl, heartbeatSeconds: 0 });
  await dispenser.connect();
  connected.push(dispenser);
  await dispenser.sendDispensed();

  await expect(policy.getByTestId('journal-summary-date')).toHaveValue(/^\d{4}-\d{2}-\d{2}$/);
  const today = osloToday();
  await policy.getByTestId('journal-summary-date').fill(today);
  await policy.getByTestId('journal-summary-write').click();
  const result = policy.getByTestId('journal-summary-result');
  await expect(result).toHaveAttribute('data-written', '1');
  await expect(result).toHaveText(`Skrev 1 notat for ${today.split('-').reverse().join('.')}.`);
  await shot(page, '3-summary-written');
  await policy.getByTestId('journal-summary-write').click();
  await expect(result).toHaveAttribute('data-written', '0');
  await expect(result).toContainText('Ingen nye notater');

  // A supervisor works under the policy and is not asked about it.
  const supervisor = await (await browser.newContext()).newPage();
  await logIn(supervisor, system, 'supervisor');
  await supervisor.getByTestId('nav-service-levels').click();
  await expect(supervisor.getByTestId('failed-deliveries')).toBeVisible();
  await expect(supervisor.getByTestId('journal-policy')).toHaveCount(0);
});

test('a training device registered in the console: it and its alarm are marked "Øving", its alarm ranks below a real one and is never journaled', async ({ browser }, testInfo) => {
  const shot = async (page: Page, name: string) => page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
  const resident = system.manifest.residents.find((candidate) => candidate.devices.some((device) => device.deviceId.startsWith('nordby-')))!;

  const admin = await (await browser.newContext({ viewport: { width: 1500, height: 900 } })).newPage();
  await logIn(admin, system, 'admin');
  await admin.getByTestId('nav-devices').click();
  await admin.getByTestId('register-device-open').click();
  const form = admin.getByTestId('register-device-form');
  await form.getByTestId('register-model').selectOption('Trygg 300');
  await form.getByTestId('register-serial').fill('E2E-OVING-0001');
  await form.getByTestId('register-resident').fill(resident.id);
  await form.getByTestId('register-training').check();
  await expect(form).toContainText('Øvingsutstyr (journalføres aldri)');
  await form.getByTestId('register-submit').click();
  const registered = admin.getByTestId('register-result');
  await expect(registered).toHaveAttribute('data-device-id', 'E2E-OVING-0001');
  const password = (await registered.getByTestId('device-password').textContent())!.trim();
  await expect(admin.locator('[data-testid="device-row"][data-device-id="E2E-OVING-0001"]').getByTestId('device-training')).toHaveText('Øving');

  const kari = await (await browser.newContext({ viewport: { width: 1500, height: 900 } })).newPage();
  await logIn(kari, system, 'operator');
  const training = new SimulatedDevice(
    { deviceId: 'E2E-OVING-0001', password, kind: 'safety-alarm', model: 'Trygg 300', adapter: 'native-json' },
    { mqttUrl: system.manifest.mqttUrl, heartbeatSeconds: 0 },
  );
  await training.connect();
  connected.push(training);
  // An exercise fall (critical) and then a real button press (serious) elsewhere: the real one ranks first.
  await training.sendEvent('4.1');
  const row = kari.locator('[data-testid="alarm-row"][data-code="4.1"]', { hasText: resident.name }).first();
  await expect(row.getByTestId('training')).toHaveText('Øving');
  const alarmId = (await row.getAttribute('data-alarm-id'))!;
  const neighbour = system.manifest.residents.find((candidate) => candidate.id !== resident.id && candidate.devices.some((device) => device.kind === 'safety-alarm'))!;
  const real = new SimulatedDevice(neighbour.devices.find((device) => device.kind === 'safety-alarm')!, { mqttUrl: system.manifest.mqttUrl, heartbeatSeconds: 0 });
  await real.connect();
  connected.push(real);
  await real.sendEvent('4.13');
  const realRow = kari.locator('[data-testid="alarm-row"][data-code="4.13"]', { hasText: neighbour.name }).first();
  await expect(realRow).toBeVisible();
  await expect(realRow.getByTestId('training')).toHaveCount(0);
  const realId = (await realRow.getAttribute('data-alarm-id'))!;
  const order = await kari.getByTestId('alarm-row').evaluateAll((rows) => rows.map((candidate) => candidate.getAttribute('data-alarm-id')));
  expect(order.indexOf(realId)).toBeLessThan(order.indexOf(alarmId));
  await shot(kari, '4-training-alarm-in-queue');

  // T with nothing selected takes the real alarm, not the more severe exercise.
  const detail = kari.getByTestId('alarm-detail');
  await kari.keyboard.press('t');
  await expect(detail).toHaveAttribute('data-alarm-id', realId);
  await expect(detail).toHaveAttribute('data-state', 'being-handled');
  await expect(detail.getByTestId('detail-training')).toHaveCount(0);

  await row.click();
  await kari.keyboard.press('t');
  await expect(detail).toHaveAttribute('data-alarm-id', alarmId);
  await expect(detail).toHaveAttribute('data-state', 'being-handled');
  await expect(detail.getByTestId('detail-training')).toHaveText('Øving');
  await kari.getByTestId('close-cause').selectOption('test');
  await kari.locator('[data-testid="close-measure"][value="none-needed"]').check();
  await kari.getByTestId('close-submit').click();
  await expect(detail).toHaveAttribute('data-state', 'closed');
  const journal = detail.getByTestId('journal-status');
  await expect(journal).toHaveAttribute('data-status', 'training');
  await expect(journal).toHaveText('Øving – journalføres ikke');
  await shot(kari, '5-closed-training');
  expect(system.epj.received().filter((entry) => JSON.stringify(entry.resource).includes(alarmId))).toEqual([]);
});
