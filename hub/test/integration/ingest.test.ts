import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, consoleSocket, deviceOf, eventually, loginAs, nativeEvent, startTestHub, type TestHub } from './hub-harness.js';

let test: TestHub;

beforeAll(async () => {
  test = await startTestHub({ MAX_EVENT_BYTES: '4096' });
});
afterAll(async () => {
  await test?.stop();
});

const countRows = async (sql: string, params: unknown[] = []) =>
  Number(((await test.hub.dataSource.query(sql, params)) as Array<{ count: string }>)[0]!.count);

describe('MQTT ingest', () => {
  it('stores an event before PUBACK, raises an alarm and pushes it to the console', async () => {
    const { token } = await loginAs(test, 'operator');
    const console = await consoleSocket(test.hub, token);
    const device = deviceOf(test.manifest, 'safety-alarm');
    const client = await connectDevice(test.hub.mqttUrl, device);
    const event = nativeEvent('4.1', { battery: 80 });

    await client.publishAsync(`devices/${device.deviceId}/events`, event.payload, { qos: 1 });
    // PUBACK has arrived: the event must already be in the database.
    expect(await countRows('SELECT count(*) FROM device_events WHERE device_id = $1 AND event_id = $2', [device.deviceId, event.id])).toBe(1);
    const [alarm] = (await test.hub.dataSource.query('SELECT * FROM alarms WHERE event_id = $1', [event.id])) as Array<{ id: string; severity: number; resident_id: string; state: string }>;
    expect(alarm).toMatchObject({ severity: 40, resident_id: device.residentId, state: 'reported' });
    const pushed = await eventually(() => console.received.find((message) => message.event === 'alarm:raised' && message.alarm.id === alarm!.id), 5000, 'alarm:raised');
    expect(pushed.alarm.state).toBe('reported');
    await client.endAsync();
    console.socket.close();
  });

  it('stores a redelivered event once', async () => {
    const device = deviceOf(test.manifest, 'safety-alarm', 1);
    const client = await connectDevice(test.hub.mqttUrl, device);
    const event = nativeEvent('4.13');
    for (let attempt = 0; attempt < 3; attempt++) {
      await client.publishAsync(`devices/${device.deviceId}/events`, event.payload, { qos: 1, dup: attempt > 0 });
    }
    expect(await countRows('SELECT count(*) FROM device_events WHERE event_id = $1', [event.id])).toBe(1);
    expect(await countRows('SELECT count(*) FROM alarms WHERE event_id = $1', [event.id])).toBe(1);
    await client.endAsync();
  });

  it('groups a burst of events from many devices and stores each once', async () => {
    const devices = test.manifest.residents.flatMap((resident) => resident.devices).filter((device) => device.adapter === 'native-json').slice(0, 20);
    const clients = await Promise.all(devices.map((device) => connectDevice(test.hub.mqttUrl, device)));
    const before = await countRows('SELECT count(*) FROM device_events');
    await Promise.all(
      clients.flatMap((client, index) =>
        Array.from({ length: 10 }, () => client.publishAsync(`devices/${devices[index]!.deviceId}/events`, nativeEvent('4.13').payload, { qos: 1 })),
      ),
    );
    expect((await countRows('SELECT count(*) FROM device_events')) - before).toBe(200);
    await Promise.all(clients.map((client) => client.endAsync()));
  });

  it('refuses a wrong password and an unknown device', async () => {
    const device = deviceOf(test.manifest, 'safety-alarm');
    await expect(connectDevice(test.hub.mqttUrl, { deviceId: device.deviceId, password: 'wrong' })).rejects.toThrow(/Bad username or password|Not authorized|closed/i);
    await expect(connectDevice(test.hub.mqttUrl, { deviceId: 'nobody-01', password: 'x' })).rejects.toThrow();
  });

  it("keeps a device out of another device's topics", async () => {
    const device = deviceOf(test.manifest, 'safety-alarm', 2);
    const other = deviceOf(test.manifest, 'safety-alarm', 3);
    const client = await connectDevice(test.hub.mqttUrl, device);
    // SUBACK 128: refused, and the connection stays.
    await expect(client.subscribeAsync(`devices/${other.deviceId}/commands`, { qos: 1 })).rejects.toThrow(/Subscribe error/);
    const ownGranted = await client.subscribeAsync(`devices/${device.deviceId}/commands`, { qos: 1 });
    expect(ownGranted[0]!.qos).toBe(1);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const event = nativeEvent('4.1');
    client.publish(`devices/${other.deviceId}/events`, event.payload, { qos: 1 });
    await closed; // publishing as someone else ends the connection
    expect(await countRows('SELECT count(*) FROM device_events WHERE event_id = $1', [event.id])).toBe(0);
    client.end(true);
  });

  describe('bad input is quarantined with its reason, and the connection stays up', () => {
    const cases: Array<[string, string | Buffer, string]> = [
      ['malformed JSON', '{"id": "x", "code": ', 'malformed'],
      ['bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x00, 0x81]), 'malformed'],
      ['an unknown VKP code', JSON.stringify({ id: 'q1', code: '99.9', occurredAt: new Date().toISOString() }), 'unknown-code'],
      ['a wrong type', JSON.stringify({ id: 42, code: '4.1', occurredAt: new Date().toISOString() }), 'wrong-type'],
      ['a bad date', JSON.stringify({ id: 'q2', code: '4.1', occurredAt: 'yesterday' }), 'wrong-type'],
      ['an oversized payload', JSON.stringify({ id: 'q3', code: '4.1', occurredAt: new Date().toISOString(), text: 'x'.repeat(5000) }), 'oversized'],
    ];
    for (const [name, payload, reason] of cases) {
      it(name, async () => {
        const device = deviceOf(test.manifest, 'safety-alarm', 4);
        const client = await connectDevice(test.hub.mqttUrl, device);
        const before = await countRows('SELECT count(*) FROM quarantine WHERE device_id = $1 AND reason = $2', [device.deviceId, reason]);
        await client.publishAsync(`devices/${device.deviceId}/events`, payload, { qos: 1 });
        expect(await countRows('SELECT count(*) FROM quarantine WHERE device_id = $1 AND reason = $2', [device.deviceId, reason])).toBe(before + 1);
        const [kept] = (await test.hub.dataSource.query('SELECT detail, payload_bytes FROM quarantine WHERE device_id = $1 ORDER BY id DESC LIMIT 1', [device.deviceId])) as Array<{ detail: string; payload_bytes: number }>;
        expect(kept!.detail.length).toBeGreaterThan(5);
        expect(kept!.payload_bytes).toBe(Buffer.byteLength(payload));
        // The same connection still delivers a good event.
        const good = nativeEvent('4.13');
        await client.publishAsync(`devices/${device.deviceId}/events`, good.payload, { qos: 1 });
        expect(await countRows('SELECT count(*) FROM device_events WHERE event_id = $1', [good.id])).toBe(1);
        expect(client.connected).toBe(true);
        await client.endAsync();
      });
    }

    it('a text PostgreSQL refuses (NUL): quarantined, acknowledged, and the device is not stuck resending it', async () => {
      const device = deviceOf(test.manifest, 'safety-alarm', 6);
      const client = await connectDevice(test.hub.mqttUrl, device);
      const bad = nativeEvent('4.13', { text: 'a\u0000b' });
      await client.publishAsync(`devices/${device.deviceId}/events`, bad.payload, { qos: 1 });
      const [kept] = (await test.hub.dataSource.query('SELECT reason FROM quarantine WHERE device_id = $1 ORDER BY id DESC LIMIT 1', [device.deviceId])) as Array<{ reason: string }>;
      expect(['refused-by-database', 'wrong-type']).toContain(kept!.reason);
      const good = nativeEvent('4.13');
      await client.publishAsync(`devices/${device.deviceId}/events`, good.payload, { qos: 1 });
      expect(await countRows('SELECT count(*) FROM device_events WHERE event_id = $1', [good.id])).toBe(1);
      expect(client.connected).toBe(true);
      await client.endAsync();
    });

    it('counts quarantined messages by reason on /health', async () => {
      const health = (await (await fetch(`${test.hub.url}/health`)).json()) as { status: string; ingest: { quarantined: Record<string, number> } };
      expect(health.status).toBe('ready');
      expect(health.ingest.quarantined.malformed).toBeGreaterThanOrEqual(2);
      expect(health.ingest.quarantined['unknown-code']).toBeGreaterThanOrEqual(1);
    });
  });

  it('records a heartbeat and battery', async () => {
    const device = deviceOf(test.manifest, 'safety-alarm', 5);
    const client = await connectDevice(test.hub.mqttUrl, device);
    await client.publishAsync(`devices/${device.deviceId}/heartbeat`, JSON.stringify({ battery: 57, signal: -70 }), { qos: 1 });
    const [row] = (await test.hub.dataSource.query('SELECT battery, last_seen_at FROM devices WHERE id = $1', [device.deviceId])) as Array<{ battery: number; last_seen_at: Date }>;
    expect(row!.battery).toBe(57);
    expect(row!.last_seen_at).not.toBeNull();
    await client.endAsync();
  });
});

it('counts presses that arrive in one group commit as repeats of the one alarm they raise', async () => {
  // A device no other test here has pressed, so no alarm of its resident is open yet.
  const device = test.manifest.residents.flatMap((resident) => resident.devices).filter((candidate) => candidate.kind === 'safety-alarm' && candidate.adapter === 'native-json').at(-1)!;
  const client = await connectDevice(test.hub.mqttUrl, device);
  await Promise.all(Array.from({ length: 5 }, () => client.publishAsync(`devices/${device.deviceId}/events`, nativeEvent('4.13').payload, { qos: 1 })));
  const alarms = (await test.hub.dataSource.query("SELECT repeat_count FROM alarms WHERE device_id = $1 AND state <> 'closed'", [device.deviceId])) as Array<{ repeat_count: number }>;
  expect(alarms).toHaveLength(1);
  expect(alarms[0]!.repeat_count).toBe(4);
  await client.endAsync();
});
