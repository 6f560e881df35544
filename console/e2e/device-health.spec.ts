import { expect, type Locator, type Page, test } from '@playwright/test';
import type { FleetDevice } from '@knutepunkt/device-adapters';
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


/** A demo device speaking MQTT as itself; heartbeats are sent by hand so the battery is known. */
async function bringOnline(device: FleetDevice, battery: number, onCommand?: (payload: Buffer) => void): Promise<SimulatedDevice> {
  const simulated = new SimulatedDevice(device, { mqttUrl: system.manifest.mqttUrl, heartbeatSeconds: 0, onCommand });
  await simulated.connect();
  connected.push(simulated);
  await simulated.publishRaw(JSON.stringify({ battery }), `devices/${device.deviceId}/heartbeat`);
  return simulated;
}

const row = (page: Page, deviceId: string): Locator => page.locator(`[data-testid="device-row"][data-device-id="${deviceId}"]`);

test('device health: most urgent first, a silent device on top, outage history, a new password shown once', async ({ browser }, testInfo) => {
  const shot = async (page: Page, name: string) => page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
  const nordby = system.manifest.residents.filter((resident) => resident.devices.some((device) => device.deviceId.startsWith('nordby-')));
  const nordbyDevices = nordby.flatMap((resident) => resident.devices);
  // Three residents' devices that log in as themselves and speak the native format (which takes commands).
  const speakers = nordby
    .map((resident) => ({ resident, device: resident.devices.find((device) => device.adapter === 'native-json' && device.password) }))
    .filter((found): found is { resident: (typeof nordby)[number]; device: FleetDevice } => found.device !== undefined)
    .slice(0, 3);
  expect(speakers).toHaveLength(3);
  const [steady, weak, silent] = speakers.map((speaker) => speaker.device) as [FleetDevice, FleetDevice, FleetDevice];

  // Three devices call in; one reports a nearly flat battery.
  const commands: string[] = [];
  const steadyClient = await bringOnline(steady, 80, (payload) => commands.push(payload.toString('utf8')));
  await bringOnline(weak, 9);
  const silentClient = await bringOnline(silent, 70);

  // An admin lands at the alarm desk and switches to devices from the top bar.
  const page = await (await browser.newContext({ viewport: { width: 1500, height: 900 } })).newPage();
  await logIn(page, system, 'admin');
  await expect(page.getByTestId('nav-alarms')).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('queue-counts')).toBeVisible();
  await shot(page, '0-admin-at-the-alarm-desk');
  await page.getByTestId('nav-devices').click();
  await expect(page).toHaveURL(/\/devices$/);
  await expect(page.getByTestId('device-row')).toHaveCount(nordbyDevices.length);

  // The hub's order: low battery before the never-heard-from, those in contact last.
  const rows = page.getByTestId('device-row');
  await expect(rows.first()).toHaveAttribute('data-device-id', weak.deviceId);
  await expect(rows.first()).toHaveAttribute('data-battery', 'low');
  await expect(rows.first()).toContainText('9 %');
  await expect(rows.first()).toContainText('Lavt batteri');
  await expect(rows.nth(1)).toHaveAttribute('data-contact', 'unknown');
  await expect(rows.nth(1)).toContainText('Aldri hørt fra');
  await expect(row(page, steady.deviceId)).toHaveAttribute('data-contact', 'ok');
  await expect(row(page, steady.deviceId)).toContainText(speakers[0]!.resident.name);
  await expect(row(page, steady.deviceId)).toContainText('akkurat nå');
  await expect(row(page, steady.deviceId)).toContainText('1 min × 3');
  await expect(rows.last()).toHaveAttribute('data-contact', 'ok');
  await shot(page, '1-device-list');

  // The connection drops without a goodbye: the broker delivers the last will, and the next
  // automatic refresh (every 10 s) puts the device at the top, in red.
  await silentClient.stop(true);
  await expect(rows.first()).toHaveAttribute('data-device-id', silent.deviceId, { timeout: 15_000 });
  await expect(rows.first()).toHaveAttribute('data-contact', 'lost');
  await expect(rows.first().getByTestId('device-contact')).toHaveText(/^Ingen kontakt siden \d\d:\d\d$/);
  await shot(page, '2-silent-device-on-top');

  // Its detail shows the outage as going on, caused by the last will.
  await rows.first().click();
  const detail = page.getByTestId('device-detail');
  await expect(detail).toHaveAttribute('data-device-id', silent.deviceId);
  await expect(detail).toContainText(speakers[2]!.resident.name);
  const outage = detail.getByTestId('outage-row').first();
  await expect(outage).toHaveAttribute('data-cause', 'last-will');
  await expect(outage).toHaveAttribute('data-ongoing', 'true');
  await expect(outage).toContainText('pågår');
  await expect(outage).toContainText('Siste vilje (frakoblet)');
  await expect(detail.getByTestId('placement-row')).toHaveCount(1);
  await shot(page, '3-outage-history');

  // It comes back: the outage ends, with its duration.
  await bringOnline(silent, 70);
  await page.getByTestId('device-refresh').click();
  await expect(outage).toHaveAttribute('data-ongoing', 'false');
  await expect(outage).toContainText(/\d+ s|\d+ min/);
  await expect(row(page, silent.deviceId)).toHaveAttribute('data-contact', 'ok');

  // A test command reaches the device.
  await row(page, steady.deviceId).click();
  await expect(detail).toHaveAttribute('data-device-id', steady.deviceId);
  await detail.getByTestId('device-action-test').click();
  await expect(detail.getByTestId('device-action-outcome')).toHaveAttribute('data-ok', 'true');
  await expect.poll(() => commands.some((command) => JSON.parse(command).kind === 'test'), { timeout: 5000 }).toBe(true);

  // New credentials: asked first, then the password once, with its warning; the device works with it.
  await detail.getByTestId('device-action-rotate').click();
  await expect(detail.getByTestId('device-action-confirmation')).toContainText(steady.deviceId);
  await detail.getByTestId('device-action-confirm').click();
  const password = detail.getByTestId('device-password');
  await expect(password).toBeVisible();
  const newPassword = (await password.textContent())!.trim();
  expect(newPassword.length).toBeGreaterThanOrEqual(20);
  await expect(detail.getByTestId('device-password-panel')).toContainText('vises bare denne ene gangen');
  await shot(page, '4-new-password-once');
  await steadyClient.stop(true);
  const rotated = new SimulatedDevice({ ...steady, password: newPassword }, { mqttUrl: system.manifest.mqttUrl, heartbeatSeconds: 0 });
  await rotated.connect();
  connected.push(rotated);
  await expect(
    new SimulatedDevice(steady, { mqttUrl: system.manifest.mqttUrl, heartbeatSeconds: 0, connectTimeoutMs: 3000 }).connect(),
  ).rejects.toThrow();

  // Once dismissed, or once another device is opened, it is gone for good.
  await detail.getByTestId('device-password-done').click();
  await expect(detail.getByTestId('device-password')).toHaveCount(0);
  await detail.getByTestId('device-action-rotate').click();
  await detail.getByTestId('device-action-confirm').click();
  await expect(detail.getByTestId('device-password')).toBeVisible();
  await row(page, weak.deviceId).click();
  await row(page, steady.deviceId).click();
  await expect(detail).toHaveAttribute('data-device-id', steady.deviceId);
  await expect(page.getByTestId('device-password')).toHaveCount(0);
});

test('registering a device shows its password once; suspend, resume and retire ask and answer plainly', async ({ browser }, testInfo) => {
  const shot = async (page: Page, name: string) => page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
  const page = await (await browser.newContext({ viewport: { width: 1500, height: 900 } })).newPage();
  await logIn(page, system, 'admin');
  await page.getByTestId('nav-devices').click();
  await expect(page.getByTestId('device-row').first()).toBeVisible();

  await page.getByTestId('register-device-open').click();
  const form = page.getByTestId('register-device-form');
  await expect(form.getByTestId('register-model').locator('option', { hasText: 'Trygg 300' })).toHaveCount(1);
  await form.getByTestId('register-model').selectOption('Trygg 300');
  await form.getByTestId('register-serial').fill('E2E-STOCK-0001');
  await expect(form.getByTestId('register-tenant')).toHaveValue(/[0-9a-f-]{36}/);
  await form.getByTestId('register-resident').fill('not-a-uuid');
  await form.getByTestId('register-submit').click();
  // The hub's own words for a refused field, shown as they are.
  await expect(form.getByTestId('register-error')).toContainText('residentId');
  await form.getByTestId('register-resident').fill('');
  await form.getByTestId('register-submit').click();
  const result = page.getByTestId('register-result');
  await expect(result).toHaveAttribute('data-device-id', 'E2E-STOCK-0001');
  expect((await result.getByTestId('device-password').textContent())!.trim().length).toBeGreaterThanOrEqual(20);
  await shot(page, '5-registered-with-password');

  await result.getByTestId('register-show').click();
  const detail = page.getByTestId('device-detail');
  await expect(detail).toHaveAttribute('data-device-id', 'E2E-STOCK-0001');
  await expect(detail).toContainText('På lager');
  await expect(page.getByTestId('device-password')).toHaveCount(0);
  await expect(page.locator('[data-testid="device-row"][data-device-id="E2E-STOCK-0001"]')).toContainText('Aldri hørt fra');

  await detail.getByTestId('device-action-suspend').click();
  await detail.getByTestId('device-action-cancel').click();
  await expect(detail).toHaveAttribute('data-status', 'active');
  await detail.getByTestId('device-action-suspend').click();
  await detail.getByTestId('device-action-confirm').click();
  await expect(detail).toHaveAttribute('data-status', 'suspended');
  await expect(detail.getByTestId('device-action-test')).toBeDisabled();
  await detail.getByTestId('device-action-resume').click();
  await expect(detail).toHaveAttribute('data-status', 'active');
  await detail.getByTestId('device-action-retire').click();
  await expect(detail.getByTestId('device-action-confirmation')).toContainText('kan ikke angres');
  await detail.getByTestId('device-action-confirm').click();
  await expect(detail).toHaveAttribute('data-status', 'retired');
  await expect(detail.getByTestId('device-action-rotate')).toHaveCount(0);
  await shot(page, '6-retired');
  // Retired devices leave the health list.
  await page.getByTestId('device-refresh').click();
  await expect(page.locator('[data-testid="device-row"][data-device-id="E2E-STOCK-0001"]')).toHaveCount(0);
});

test('a vendor lands on its devices and sees no residents; an operator sees no device view', async ({ browser }, testInfo) => {
  const vendor = await (await browser.newContext({ viewport: { width: 1500, height: 900 } })).newPage();
  await logIn(vendor, system, 'vendor');
  await expect(vendor).toHaveURL(/\/devices$/);
  await expect(vendor.getByTestId('nav-devices')).toHaveAttribute('aria-current', 'page');
  await expect(vendor.getByTestId('nav-alarms')).toHaveCount(0);
  await expect(vendor.getByTestId('device-row').first()).toBeVisible();
  const resident = system.manifest.residents[0]!;
  await expect(vendor.getByTestId('device-list')).not.toContainText(resident.name);
  await vendor.getByTestId('device-row').first().click();
  await expect(vendor.getByTestId('device-detail')).toBeVisible();
  await expect(vendor.getByTestId('device-detail')).not.toContainText(resident.name);
  await vendor.getByTestId('register-device-open').click();
  await expect(vendor.getByTestId('register-resident')).toHaveCount(0);
  await vendor.screenshot({ path: testInfo.outputPath('7-vendor.png'), fullPage: true });

  const operator = await (await browser.newContext({ viewport: { width: 1500, height: 900 } })).newPage();
  await logIn(operator, system, 'operator');
  await expect(operator.getByTestId('nav-devices')).toHaveCount(0);
  await operator.goto(`${system.url}/devices`);
  await expect(operator).toHaveURL(new RegExp(`^${system.url}/$`));
  await expect(operator.getByTestId('queue-counts')).toBeVisible();
});
