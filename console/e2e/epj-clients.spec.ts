import { expect, type Page, test } from '@playwright/test';
import { logIn } from './console-session.js';
import { type RunningSystem, startSystem } from './hub-process.js';

let system: RunningSystem;

test.beforeAll(async () => {
  system = await startSystem();
});
test.afterAll(async () => {
  await system?.stop();
});

async function call<T>(method: string, route: string, body: unknown, token?: string, form = false): Promise<{ status: number; body: T }> {
  const response = await fetch(`${system.url}${route}`, {
    method,
    headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

test('an admin registers an EPJ client in the console, sees its secret once, and revokes it; the token it holds is refused at once', async ({ browser }, testInfo) => {
  const shot = async (page: Page, name: string) => page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });

  const page = await (await browser.newContext({ viewport: { width: 1500, height: 900 } })).newPage();
  await logIn(page, system, 'admin');
  await page.getByTestId('nav-service-levels').click();
  const panel = page.getByTestId('epj-clients');
  await expect(panel.getByRole('heading', { name: 'EPJ-klienter' })).toBeVisible();
  await expect(panel).toContainText('Ingen EPJ-klient er registrert.');

  // Registering: a name is needed; the client id and secret are shown this once, with a warning.
  const form = panel.getByTestId('epj-client-register');
  await expect(form.getByTestId('epj-client-register-submit')).toBeDisabled();
  await form.getByTestId('epj-client-register-name').fill('DIPS Arena');
  await form.getByTestId('epj-client-register-submit').click();
  const secretPanel = panel.getByTestId('epj-client-secret-panel');
  await expect(secretPanel).toContainText('vises bare denne ene gangen');
  await expect(secretPanel).toContainText('DIPS Arena');
  const clientSecret = (await panel.getByTestId('epj-client-secret').textContent())!.trim();
  const clientId = (await panel.getByTestId('epj-client-secret-client-id').textContent())!.trim();
  expect(clientSecret.length).toBeGreaterThanOrEqual(20);
  expect(clientId).toMatch(/^epj-/);
  await expect(form.getByTestId('epj-client-register-name')).toHaveValue('');
  await panel.scrollIntoViewIfNeeded();
  await shot(page, '0-registered-secret-shown-once');
  const row = panel.locator(`[data-testid="epj-client"][data-client-id="${clientId}"]`);
  await expect(row).toContainText('DIPS Arena');
  await expect(row.getByTestId('epj-client-status')).toHaveText('Aktiv');
  await expect(row).not.toContainText(clientSecret);
  await panel.getByTestId('epj-client-secret-done').click();
  await expect(panel.getByTestId('epj-client-secret')).toHaveCount(0);
  await expect(panel).not.toContainText(clientSecret);

  // The secret the console showed is the one the hub takes.
  const token = await call<{ access_token: string }>('POST', '/api/epj/token', { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }, undefined, true);
  expect(token.status).toBe(200);
  const pull = () => fetch(`${system.url}/api/epj/fhir/journal-entries?status=registered`, { headers: { authorization: `Bearer ${token.body.access_token}` } });
  expect((await pull()).status).toBe(200);
  await page.reload();
  await expect(row).toContainText('DIPS Arena');
  await expect(panel).not.toContainText(clientSecret);

  // Revoking takes a second click: it cannot be undone.
  await row.getByTestId('epj-client-revoke').click();
  await row.getByRole('button', { name: 'Avbryt' }).click();
  await expect(row.getByTestId('epj-client-revoke-confirm')).toHaveCount(0);
  expect((await pull()).status).toBe(200);
  await row.getByTestId('epj-client-revoke').click();
  await row.getByTestId('epj-client-revoke-confirm').click();
  await expect(row).toHaveAttribute('data-revoked', 'true');
  await expect(row.getByTestId('epj-client-status')).toContainText('Trukket tilbake');
  await expect(row.getByTestId('epj-client-revoke')).toHaveCount(0);
  await panel.scrollIntoViewIfNeeded();
  await shot(page, '1-revoked');

  const refused = await pull();
  expect(refused.status).toBe(401);
  expect(((await refused.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
  await page.reload();
  await expect(panel.locator(`[data-testid="epj-client"][data-client-id="${clientId}"]`)).toHaveAttribute('data-revoked', 'true');

  // A supervisor has the page, but not the admin's EPJ clients.
  const supervisor = await (await browser.newContext()).newPage();
  await logIn(supervisor, system, 'supervisor');
  await supervisor.getByTestId('nav-service-levels').click();
  await expect(supervisor.getByTestId('failed-deliveries')).toBeVisible();
  await expect(supervisor.getByTestId('epj-clients')).toHaveCount(0);
});
