import { afterEach, describe, expect, it } from 'vitest';
import { NativeJsonAdapter } from '@knutepunkt/device-adapters';
import { run } from '../src/cli-commands.js';
import { forgetDevices, resident, TopicWatcher, uniqueId, writeManifest } from './fleet-fixture.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Runs a command the way `pnpm sim` does, capturing what it says. */
async function sim(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (line) => out.push(line), err: (line) => err.push(line), env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Two residents with "Nordmann" in their names, so name fragments can be ambiguous. */
async function household() {
  const run = uniqueId('cli');
  const ids = { kariAlarm: `${run}-sa-1`, kariDoor: `${run}-ds-1`, olaAlarm: `${run}-sa-2` };
  const manifest = await writeManifest([
    resident(`${run}-r1`, 'Kari Nordmann', [
      [ids.kariAlarm, 'safety-alarm'],
      [ids.kariDoor, 'door-sensor'],
    ]),
    resident(`${run}-r2`, 'Ola Nordmann', [[ids.olaAlarm, 'safety-alarm']]),
  ]);
  cleanup.push(() => forgetDevices(Object.values(ids)));
  return { run, ids, manifest };
}

describe('pnpm sim commands', () => {
  it('fall --resident <name fragment> sends 4.1 from the safety alarm and reports the PUBACK', async () => {
    const { ids, manifest } = await household();
    const watcher = await TopicWatcher.watch(`devices/${ids.kariAlarm}/events`);
    cleanup.push(() => watcher.close());

    const result = await sim('fall', '--resident', 'kari', '--manifest', manifest);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const [, eventId] = /^sent 4\.1 Fall for Kari Nordmann as event (\S+) \(acknowledged in \d+ ms\)$/m.exec(result.out) ?? [];
    expect(eventId).toBeTruthy();

    const message = await watcher.next(() => true);
    const decoded = new NativeJsonAdapter().decode(message.payload, { deviceId: ids.kariAlarm, receivedAt: new Date().toISOString() });
    expect(decoded).toMatchObject({ ok: true, events: [{ eventId, code: '4.1', deviceId: ids.kariAlarm }] });
  });

  it('door picks the door sensor, and takes the resident by unique id prefix', async () => {
    const { run: prefix, ids, manifest } = await household();
    const watcher = await TopicWatcher.watch(`devices/${ids.kariDoor}/events`);
    cleanup.push(() => watcher.close());
    const result = await sim('door', '--resident', `${prefix}-r1`, '--manifest', manifest);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^sent 4\.15 Dør åpnet for Kari Nordmann as event/m);
    await watcher.next(() => true);
  });

  it('refuses an ambiguous resident, listing the candidates', async () => {
    const { run: prefix, manifest } = await household();
    const result = await sim('fall', '--resident', 'nordmann', '--manifest', manifest);
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).toMatch(/"nordmann" is ambiguous/);
    expect(result.err).toContain(`${prefix}-r1  Kari Nordmann`);
    expect(result.err).toContain(`${prefix}-r2  Ola Nordmann`);
  });

  it('refuses a resident nobody matches, listing who there is', async () => {
    const { manifest } = await household();
    const result = await sim('press', '--resident', 'Per', '--manifest', manifest);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/no resident matches "Per"/);
    expect(result.err).toContain('Ola Nordmann');
  });

  it('says which device is missing when the resident has none of the right kind', async () => {
    const { manifest } = await household();
    const result = await sim('dispenser-miss', '--resident', 'ola', '--manifest', manifest);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/Ola Nordmann has no medicine-dispenser/);
  });

  it('event refuses a code that is not a VKP alert code', async () => {
    const { manifest } = await household();
    const result = await sim('event', '--resident', 'ola', '--code', '4.99', '--manifest', manifest);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/"4\.99" is not a VKP alert code/);
  });

  it('raw publishes the payload exactly as given', async () => {
    const { ids, manifest } = await household();
    const watcher = await TopicWatcher.watch(`devices/${ids.olaAlarm}/events`);
    cleanup.push(() => watcher.close());
    const result = await sim('raw', '--device', ids.olaAlarm, '--payload', '{"code": 4.1', '--manifest', manifest);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^sent 12 bytes as .* \(acknowledged in \d+ ms\)$/m);
    expect((await watcher.next(() => true)).payload.toString()).toBe('{"code": 4.1');
  });

  it('lists residents and their devices', async () => {
    const { ids, manifest } = await household();
    const result = await sim('list', '--manifest', manifest);
    expect(result.code).toBe(0);
    expect(result.out).toContain('2 residents, 3 devices');
    expect(result.out).toMatch(new RegExp(`${ids.kariDoor}\\s+door-sensor`));
  });

  it('points to `pnpm start` when there is no manifest', async () => {
    const result = await sim('fall', '--resident', 'kari', '--manifest', '/nonexistent/demo-fleet.json');
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      'no fleet manifest at /nonexistent/demo-fleet.json: start the hub with `pnpm start` first, or pass --manifest',
    );
  });

  it('prints usage for --help, and for a mistake with exit 2', async () => {
    expect(await sim('--help')).toMatchObject({ code: 0, out: expect.stringContaining('pnpm sim <command>') });
    const unknown = await sim('explode');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command "explode"/);
    const missing = await sim('fall');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/fall needs --resident/);
    const badOption = await sim('fall', '--resident', 'x', '--rate', '3');
    expect(badOption.code).toBe(2);
    expect(badOption.err).toMatch(/--rate/);
  });
});
