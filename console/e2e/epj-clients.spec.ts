import { expect, type Page, test } from '@playwright/test';
import type { LoginResponse } from '@knutepunkt/hub/contract';
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

test('an admin sees the municipality’s EPJ clients and revokes one; the token it holds is refused at once', async ({ browser }, testInfo) => {
  const shot = async (page: Page, name: string) => page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
  const account = system.manifest.operators.find((candidate) => candidate.username === 'admin')!;
  const adminLogin = (await call<LoginResponse>('POST', '/api/auth/login', { username: account.username, password: account.password })).body;
  const tenantId = adminLogin.operator.tenants[0]!.id;
  const registered = await call<{ clientId: string; clientSecret: string }>('POST', `/api/tenants/${tenantId}/epj-clients`, { name: 'DIPS Arena' }, adminLogin.token);
  expect(registered.status).toBe(201);
  const { clientId, clientSecret } = registered.body;
  const token = await call<{ access_token: string }>('POST', '/api/epj/token', { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }, undefined, true);
  expect(token.status).toBe(200);
  const pull = () => fetch(`${system.url}/api/epj/fhir/journal-entries?status=registered`, { headers: { authorization: `Bearer ${token.body.access_token}` } });
  expect((await pull()).status).toBe(200);

  const page = await (await browser.newContext({ viewport: { width: 1500, height: 900 } })).newPage();
  await logIn(page, system, 'admin');
  await page.getByTestId('nav-service-levels').click();
  const panel = page.getByTestId('epj-clients');
  await expect(panel.getByRole('heading', { name: 'EPJ-klienter' })).toBeVisible();
  const row = panel.locator(`[data-testid="epj-client"][data-client-id="${clientId}"]`);
  await expect(row).toContainText('DIPS Arena');
  await expect(row.getByTestId('epj-client-status')).toHaveText('Aktiv');
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
