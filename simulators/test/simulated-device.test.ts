import { afterEach, describe, expect, it } from 'vitest';
import { LpwanAlarmAdapter, NativeJsonAdapter, Zigbee2MqttAdapter } from '@knutepunkt/device-adapters';
import { readFleetManifest, SimulatedDevice } from '../src/index.js';
import { BROKER_URL, forgetDevices, resident, TopicWatcher, uniqueId, writeManifest } from './fleet-fixture.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A device from a manifest on disk, as `pnpm sim` would build it, and a watcher on its topics. */
async function simulatedDevice(heartbeatSeconds: number, onCommand?: (payload: Buffer) => void) {
  const deviceId = uniqueId('sim-sa');
  const path = await writeManifest([resident(uniqueId('r'), 'Test Testesen', [[deviceId, 'safety-alarm']])]);
  const manifest = await readFleetManifest(path);
  const watcher = await TopicWatcher.watch(`devices/${deviceId}/#`);
  const device = new SimulatedDevice(manifest.residents[0]!.devices[0]!, {
    mqttUrl: manifest.mqttUrl,
    heartbeatSeconds,
    ...(onCommand ? { onCommand } : {}),
  });
  cleanup.push(() => watcher.close(), () => device.stop(), () => forgetDevices([deviceId]));
  return { deviceId, device, watcher };
}

describe('SimulatedDevice against Mosquitto', () => {
  it('announces itself online, retained, so a later subscriber sees it', async () => {
    const { deviceId, device, watcher } = await simulatedDevice(0);
    await device.connect();
    await watcher.next((m) => m.topic === `devices/${deviceId}/status`);

    const late = await TopicWatcher.watch(`devices/${deviceId}/status`);
    cleanup.push(() => late.close());
    const status = await late.next(() => true);
    expect(status.payload.toString()).toBe('online');
    expect(status.retain).toBe(true);
  });

  it('sends an event the native JSON adapter decodes, acknowledged by PUBACK', async () => {
    const { deviceId, device, watcher } = await simulatedDevice(0);
    await device.connect();
    const sent = await device.sendEvent('4.1', { text: 'fall test' });
    expect(sent.acknowledgedMs).toBeGreaterThanOrEqual(0);

    const message = await watcher.next((m) => m.topic === `devices/${deviceId}/events`);
    const decoded = new NativeJsonAdapter().decode(message.payload, { deviceId: deviceId, receivedAt: new Date().toISOString() });
    expect(decoded).toMatchObject({ ok: true });
    if (!decoded.ok) return;
    expect(decoded.events).toHaveLength(1);
    expect(decoded.events[0]).toMatchObject({ eventId: sent.eventId, deviceId, code: '4.1', text: 'fall test' });
    expect(decoded.events[0]!.occurredAt).toBe(sent.occurredAt);
  });

  it('gives every event its own id', async () => {
    const { device } = await simulatedDevice(0);
    await device.connect();
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await device.sendEvent('4.13')).eventId);
    expect(ids.size).toBe(5);
  });

  it('heartbeats with battery and signal, at connect and then at its interval', async () => {
    const { deviceId, device, watcher } = await simulatedDevice(0.2);
    await device.connect();
    const heartbeat = (m: { topic: string }) => m.topic === `devices/${deviceId}/heartbeat`;
    const first = await watcher.next(heartbeat);
    const body = JSON.parse(first.payload.toString()) as Record<string, unknown>;
    expect(body).toEqual({ battery: expect.any(Number), signal: expect.any(Number) });
    expect(body.battery).toBeGreaterThanOrEqual(0);
    expect(body.battery).toBeLessThanOrEqual(100);
    await watcher.next(() => watcher.messages.filter(heartbeat).length >= 3, 3_000);
  });

  it('receives commands from the hub', async () => {
    const commands: string[] = [];
    const { deviceId, device, watcher } = await simulatedDevice(0, (payload) => commands.push(payload.toString()));
    await device.connect();
    // The device subscribes before it says it is online, so once `online` arrives it listens.
    await watcher.next((m) => m.topic === `devices/${deviceId}/status`);
    await watcher.publish(`devices/${deviceId}/commands`, '{"type":"test"}');
    await expect.poll(() => commands, { timeout: 2_000 }).toEqual(['{"type":"test"}']);
  });

  it('leaves without its last will on a clean stop, and with it when the connection drops', async () => {
    const { deviceId, device, watcher } = await simulatedDevice(0);
    const status = (m: { topic: string }) => m.topic === `devices/${deviceId}/status`;
    await device.connect();
    await watcher.next(status);
    await device.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(watcher.messages.filter(status).map((m) => m.payload.toString())).toEqual(['online']);

    const again = new SimulatedDevice(device.device, { mqttUrl: BROKER_URL, heartbeatSeconds: 0 });
    await again.connect();
    await watcher.next(() => watcher.messages.filter(status).length >= 2);
    await again.stop(true);
    const will = await watcher.next((m) => status(m) && m.payload.toString() === 'offline');
    expect(will.payload.toString()).toBe('offline');
  });

  it('says clearly when it cannot reach the broker', async () => {
    const device = new SimulatedDevice(
      { deviceId: uniqueId('sim-nobroker'), password: 'x', kind: 'safety-alarm', model: 'm', adapter: 'native-json' },
      { mqttUrl: 'mqtt://127.0.0.1:1', heartbeatSeconds: 0, connectTimeoutMs: 2_000 },
    );
    await expect(device.connect()).rejects.toThrow(/could not connect to mqtt:\/\/127\.0\.0\.1:1/);
  });

  it('speaks its registered format: an LPWAN pendant sends its 10-byte uplink', async () => {
    const deviceId = uniqueId('sim-lp');
    const watcher = await TopicWatcher.watch(`devices/${deviceId}/#`);
    const device = new SimulatedDevice({ deviceId, password: 'x', kind: 'safety-alarm', model: 'm', adapter: 'lpwan-alarm' }, { mqttUrl: BROKER_URL, heartbeatSeconds: 0 });
    cleanup.push(() => watcher.close(), () => device.stop(), () => forgetDevices([deviceId]));
    expect(await device.connect()).toMatchObject({ commandsQos: 1, onlineAcknowledgedMs: expect.any(Number) });
    const sent = await device.sendEvent('4.1', { battery: 42 });
    expect(sent).toMatchObject({ code: '4.1', type: 'fall', destination: `devices/${deviceId}/events` });
    const message = await watcher.next((m) => m.topic === `devices/${deviceId}/events`);
    expect(message.payload).toHaveLength(10);
    const decoded = new LpwanAlarmAdapter().decode(message.payload, { deviceId, receivedAt: new Date().toISOString() });
    expect(decoded).toMatchObject({ ok: true, events: [{ eventId: sent.eventId, code: '4.1' }], report: { battery: 42 } });
    await expect(device.sendEvent('4.15')).rejects.toThrow(/the lpwan-alarm format of .* cannot say 4\.15/);
  });

  it('a Zigbee2MQTT sensor publishes through its gateway, whose status is its bridge state', async () => {
    const gatewayId = uniqueId('sim-gw');
    const sensorId = uniqueId('sim-zd');
    const watcher = await TopicWatcher.watch([`gateways/${gatewayId}/#`, `devices/${gatewayId}/#`, `devices/${sensorId}/#`]);
    const gateway = new SimulatedDevice({ deviceId: gatewayId, password: 'x', kind: 'gateway', model: 'g', adapter: 'zigbee2mqtt' }, { mqttUrl: BROKER_URL, heartbeatSeconds: 0 });
    const sensor = new SimulatedDevice(
      { deviceId: sensorId, password: 'x', kind: 'door-sensor', model: 'd', adapter: 'zigbee2mqtt', gatewayId, gatewayAddress: 'gang/inngangsdør' },
      { mqttUrl: BROKER_URL, heartbeatSeconds: 0, gateway },
    );
    cleanup.push(() => watcher.close(), () => gateway.stop(), () => forgetDevices([gatewayId]));
    await expect(sensor.connect()).rejects.toThrow(/publishes through gateway .*, which is not connected/);
    await gateway.connect();
    await sensor.connect();
    expect(sensor.connected).toBe(true);
    const bridge = await watcher.next((m) => m.topic === `gateways/${gatewayId}/bridge/state`);
    expect(bridge.payload.toString()).toBe('{"state":"online"}');

    const sent = await sensor.sendEvent('4.15');
    expect(sent.destination).toBe(`gateways/${gatewayId}/gang/inngangsdør`);
    const heartbeat = await sensor.heartbeat({ battery: 61 });
    expect(heartbeat).toMatchObject({ topic: `gateways/${gatewayId}/gang/inngangsdør`, battery: 61 });
    await watcher.next(() => watcher.messages.filter((m) => m.topic === sent.destination).length >= 3);
    const adapter = new Zigbee2MqttAdapter();
    const decoded = watcher.messages
      .filter((m) => m.topic === sent.destination)
      .map((m) => adapter.decode(m.payload, { deviceId: sensorId, receivedAt: new Date().toISOString() }));
    // The door is closed first, then opens; then a state report that raises nothing.
    expect(decoded.map((result) => (result.ok ? result.events.map((event) => event.code) : 'refused'))).toEqual([['4.16'], ['4.15'], []]);
    expect(watcher.messages.some((m) => m.topic.startsWith(`devices/${sensorId}/`))).toBe(false);

    await gateway.stop(true);
    const will = await watcher.next((m) => m.topic === `gateways/${gatewayId}/bridge/state` && m.payload.toString().includes('offline'));
    expect(will.payload.toString()).toBe('{"state":"offline"}');
  });
});
