import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DispenserJsonAdapter, NativeJsonAdapter } from '@knutepunkt/device-adapters';
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

  it('dispenser-dispensed says the dose was taken out, in the dispenser-json format, and raises no event', async () => {
    const run = uniqueId('cli-md');
    const dispenser = `${run}-md`;
    const manifest = await writeManifest([resident(`${run}-r1`, 'Kari Nordmann', [[dispenser, 'medicine-dispenser', { adapter: 'dispenser-json' }]])]);
    cleanup.push(() => forgetDevices([dispenser]));
    const watcher = await TopicWatcher.watch(`devices/${dispenser}/events`);
    cleanup.push(() => watcher.close());
    const result = await sim('dispenser-dispensed', '--resident', 'kari', '--manifest', manifest);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const [, at] = /^sent a dose taken out at (\S+) \(dispenser-json\) for Kari Nordmann \(acknowledged in \d+ ms\)$/m.exec(result.out) ?? [];
    expect(at).toBeTruthy();
    const message = await watcher.next(() => true);
    const decoded = new DispenserJsonAdapter().decode(message.payload, { deviceId: dispenser, receivedAt: new Date().toISOString() });
    expect(decoded).toMatchObject({ ok: true, events: [], report: { dispensedAt: at } });
  });

  it('dispenser-dispensed says why it cannot, for a dispenser speaking native JSON or a resident with none', async () => {
    const run = uniqueId('cli-mdn');
    const manifest = await writeManifest([resident(`${run}-r1`, 'Kari Nordmann', [[`${run}-md`, 'medicine-dispenser']])]);
    const native = await sim('dispenser-dispensed', '--resident', 'kari', '--manifest', manifest);
    expect(native.code).toBe(1);
    expect(native.err).toMatch(/Kari Nordmann's dispenser speaks native-json, which has no message for a dose taken out/);
    const other = await household();
    const none = await sim('dispenser-dispensed', '--resident', 'ola', '--manifest', other.manifest);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/Ola Nordmann has no medicine-dispenser/);
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

  it('epj: a mode it cannot follow is a usage error naming the option', async () => {
    const notTransient = await sim('epj', '--port', '0', '--fail', '404');
    expect(notTransient.code).toBe(2);
    expect(notTransient.err).toMatch(/--fail: must be a transient status: 5xx, 408 or 429/);
    const two = await sim('epj', '--port', '0', '--reject', '422', '--down');
    expect(two.code).toBe(2);
    expect(two.err).toMatch(/--fail, --reject and --down: choose one/);
    const slow = await sim('epj', '--port', '0', '--slow', 'soon');
    expect(slow.err).toMatch(/--slow: must be a whole number of milliseconds/);
    const halfClient = await sim('epj', '--port', '0', '--client-id', 'hub');
    expect(halfClient.err).toMatch(/--client-id needs either --client-secret or --client-key/);
  });

  it('epj: --client-key and --dpop are listed in the help, and a wrong combination or key file is a usage error', async () => {
    const help = await sim('epj', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--client-id <id> \(--client-secret <secret> \| --client-key <public key file>\) \[--dpop\]/);
    const both = await sim('epj', '--port', '0', '--client-id', 'hub', '--client-secret', 's', '--client-key', 'hub.jwk');
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--client-id needs either --client-secret or --client-key/);
    const dpopAlone = await sim('epj', '--port', '0', '--dpop');
    expect(dpopAlone.code).toBe(2);
    expect(dpopAlone.err).toMatch(/--client-secret, --client-key and --dpop go with --client-id/);
    const missingKey = await sim('epj', '--port', '0', '--client-id', 'hub', '--client-key', '/nonexistent/hub.jwk');
    expect(missingKey.code).toBe(2);
    expect(missingKey.err).toMatch(/--client-key: cannot read \/nonexistent\/hub\.jwk \(ENOENT\)/);
    const notAKey = await sim('epj', '--port', '0', '--client-id', 'hub', '--client-key', fileURLToPath(import.meta.url));
    expect(notAKey.code).toBe(2);
    expect(notAKey.err).toMatch(/holds no public key as a JWK \(JSON\) or PEM/);
  });

  it('epj: pulling is in the help, and --pull-* options without a hub, a client or a sensible interval are usage errors', async () => {
    const help = await sim('epj', '--help');
    expect(help.out).toMatch(/\[--pull-from <hub url> --pull-client-id <id> --pull-client-secret <secret> \[--pull-every <seconds, 5>\]\]/);
    const noHub = await sim('epj', '--port', '0', '--pull-client-id', 'epj-1', '--pull-client-secret', 's');
    expect(noHub.code).toBe(2);
    expect(noHub.err).toMatch(/--pull-client-id, --pull-client-secret and --pull-every go with --pull-from/);
    const everyAlone = await sim('epj', '--port', '0', '--pull-every', '5');
    expect(everyAlone.err).toMatch(/go with --pull-from/);
    const noSecret = await sim('epj', '--port', '0', '--pull-from', 'http://127.0.0.1:3000', '--pull-client-id', 'epj-1');
    expect(noSecret.code).toBe(2);
    expect(noSecret.err).toMatch(/--pull-from needs --pull-client-id and --pull-client-secret/);
    const notUrl = await sim('epj', '--port', '0', '--pull-from', 'hub.local', '--pull-client-id', 'epj-1', '--pull-client-secret', 's');
    expect(notUrl.code).toBe(2);
    expect(notUrl.err).toMatch(/--pull-from must be the hub's http\(s\) URL, not "hub.local"/);
    const never = await sim('epj', '--port', '0', '--pull-from', 'http://127.0.0.1:3000', '--pull-client-id', 'epj-1', '--pull-client-secret', 's', '--pull-every', '0');
    expect(never.code).toBe(2);
    expect(never.err).toMatch(/--pull-every must be a number of seconds above 0, at most 3600, not "0"/);
  });

  it('conformance: usage for what is missing, and the hub named when it cannot be reached', async () => {
    const help = await sim('conformance', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/conformance --hub <url> --vendor-user <u> --vendor-password <p> --model <model name>/);
    const missing = await sim('conformance', '--hub', 'http://127.0.0.1:1', '--vendor-user', 'v', '--vendor-password', 'p');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/conformance needs --model/);
    const notUrl = await sim('conformance', '--hub', 'hub.local', '--vendor-user', 'v', '--vendor-password', 'p', '--model', 'm', '--tenant', 't');
    expect(notUrl.code).toBe(2);
    expect(notUrl.err).toMatch(/--hub must be the hub's http\(s\) URL/);
    const away = await sim('conformance', '--hub', 'http://127.0.0.1:1', '--vendor-user', 'v', '--vendor-password', 'p', '--model', 'm', '--tenant', 't');
    expect(away.code).toBe(1);
    expect(away.err).toMatch(/^cannot reach the hub at http:\/\/127\.0\.0\.1:1/);
  });

  it('lists a sensor with the gateway it is behind', async () => {
    const run = uniqueId('cli-gw');
    const manifest = await writeManifest([
      resident(`${run}-r1`, 'Kari Nordmann', [
        [`${run}-gw`, 'gateway', { adapter: 'zigbee2mqtt' }],
        [`${run}-zd`, 'door-sensor', { adapter: 'zigbee2mqtt', gatewayId: `${run}-gw`, gatewayAddress: 'gang' }],
      ]),
    ]);
    const result = await sim('list', '--manifest', manifest);
    expect(result.out).toMatch(new RegExp(`${run}-zd\\s+door-sensor\\s+Test model \\(zigbee2mqtt, behind ${run}-gw as "gang"\\)`));
  });

  it('door from a Zigbee2MQTT sensor goes through its gateway', async () => {
    const run = uniqueId('cli-zd');
    const ids = { gateway: `${run}-gw`, door: `${run}-zd` };
    const manifest = await writeManifest([
      resident(`${run}-r1`, 'Kari Nordmann', [
        [ids.gateway, 'gateway', { adapter: 'zigbee2mqtt' }],
        [ids.door, 'door-sensor', { adapter: 'zigbee2mqtt', gatewayId: ids.gateway, gatewayAddress: 'gang' }],
      ]),
    ]);
    cleanup.push(() => forgetDevices([ids.gateway]));
    const watcher = await TopicWatcher.watch(`gateways/${ids.gateway}/gang`);
    cleanup.push(() => watcher.close());
    const result = await sim('door', '--resident', 'kari', '--manifest', manifest);
    expect(result.err).toBe('');
    expect(result.out).toMatch(/^sent 4\.15 Dør åpnet \(zigbee2mqtt contact:false\) for Kari Nordmann as event \S+:contact:\S+ \(acknowledged in \d+ ms\)$/m);
    await watcher.next(() => watcher.messages.length >= 2);
  });
});
