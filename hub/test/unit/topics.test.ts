import { describe, expect, it } from 'vitest';
import { mayPublish, maySubscribe, parseDeviceTopic, sensorAddress } from '../../src/ingest/topics.js';

describe('parseDeviceTopic', () => {
  it.each(['events', 'heartbeat', 'status', 'commands'] as const)('reads devices/{id}/%s', (kind) => {
    expect(parseDeviceTopic(`devices/dev-00042/${kind}`)).toStrictEqual({ deviceId: 'dev-00042', kind });
  });

  it('keeps the device id as written, dots and dashes included', () => {
    expect(parseDeviceTopic('devices/kommune.0301-dispenser_7/events')?.deviceId).toBe('kommune.0301-dispenser_7');
  });

  it.each([
    ['another root', 'sensors/zb-1/events'],
    ['a capitalised root', 'Devices/dev-00042/events'],
    ['a leading slash', '/devices/dev-00042/events'],
    ['a trailing slash', 'devices/dev-00042/events/'],
    ['an extra level', 'devices/dev-00042/events/extra'],
    ['a missing kind', 'devices/dev-00042'],
    ['an empty id', 'devices//events'],
    ['an unknown kind', 'devices/dev-00042/telemetry'],
    ['a capitalised kind', 'devices/dev-00042/Events'],
    ['a wildcard kind', 'devices/dev-00042/+'],
    ['a multi-level wildcard', 'devices/dev-00042/#'],
    ['the bare root', 'devices'],
    ['empty', ''],
  ])('gives null for %s: %s', (_what, topic) => {
    expect(parseDeviceTopic(topic)).toBeNull();
  });
});

describe('mayPublish', () => {
  const DEVICE = 'dev-00042';

  it.each([
    ['its events', `devices/${DEVICE}/events`],
    ['its heartbeat', `devices/${DEVICE}/heartbeat`],
    ['its status (the last will)', `devices/${DEVICE}/status`],
  ])('lets a device publish %s', (_what, topic) => {
    expect(mayPublish(DEVICE, topic)).toBe(true);
  });

  it.each([
    ['commands to itself (only the hub sends commands)', `devices/${DEVICE}/commands`],
    ['events as another device', 'devices/dev-00043/events'],
    ['status of another device', 'devices/dev-00043/status'],
    ['events for a device whose id starts with its own', `devices/${DEVICE}0/events`],
    ['under an extra level', `devices/${DEVICE}/events/extra`],
    ['to a single-level wildcard id', 'devices/+/events'],
    ['to a multi-level wildcard', `devices/${DEVICE}/#`],
    ['to an empty id', 'devices//events'],
    ['to a gateway topic', `gateways/${DEVICE}/events`],
    ['to an unknown kind', `devices/${DEVICE}/telemetry`],
  ])('refuses a device publishing %s', (_what, topic) => {
    expect(mayPublish(DEVICE, topic)).toBe(false);
  });

  it('refuses a client with an empty device id everywhere', () => {
    expect(mayPublish('', 'devices//events')).toBe(false);
    expect(mayPublish('', 'devices/dev-00042/events')).toBe(false);
  });
});

describe('maySubscribe', () => {
  const DEVICE = 'dev-00042';

  it('lets a device subscribe to its own commands', () => {
    expect(maySubscribe(DEVICE, `devices/${DEVICE}/commands`)).toBe(true);
  });

  it.each([
    ['another device’s commands', 'devices/dev-00043/commands'],
    ['every device’s commands', 'devices/+/commands'],
    ['everything under devices', 'devices/#'],
    ['everything', '#'],
    ['all its own topics (events of its own included)', `devices/${DEVICE}/+`],
    ['its own subtree', `devices/${DEVICE}/#`],
    ['its own events', `devices/${DEVICE}/events`],
    ['its own status', `devices/${DEVICE}/status`],
    ['broker internals', '$SYS/#'],
    ['commands with a trailing slash', `devices/${DEVICE}/commands/`],
    ['a longer id’s commands', `devices/${DEVICE}0/commands`],
    ['empty', ''],
  ])('refuses %s', (_what, topic) => {
    expect(maySubscribe(DEVICE, topic)).toBe(false);
  });
});

describe('gateways', () => {
  it('reads gateways/{id}/{path}, keeping slashes in a Zigbee friendly name', () => {
    expect(parseDeviceTopic('gateways/gw-7/stue/dør')).toStrictEqual({ kind: 'gateway', deviceId: 'gw-7', path: 'stue/dør' });
    expect(parseDeviceTopic('gateways/gw-7')).toBeNull();
    expect(parseDeviceTopic('gateways/gw-7//x')).toBeNull();
  });

  it('lets only a gateway publish under its own base topic', () => {
    expect(mayPublish('gw-7', 'gateways/gw-7/dør', true)).toBe(true);
    expect(mayPublish('gw-7', 'gateways/gw-7/dør', false)).toBe(false);
    expect(mayPublish('gw-7', 'gateways/gw-8/dør', true)).toBe(false);
    expect(mayPublish('gw-7', 'devices/gw-7/heartbeat', true)).toBe(true);
  });

  it('lets a gateway subscribe below its own base topic, wildcards included, and nowhere else', () => {
    expect(maySubscribe('gw-7', 'gateways/gw-7/+/set', true)).toBe(true);
    expect(maySubscribe('gw-7', 'gateways/gw-7/bridge/request/#', true)).toBe(true);
    expect(maySubscribe('gw-7', 'gateways/gw-8/#', true)).toBe(false);
    expect(maySubscribe('gw-7', 'gateways/+/#', true)).toBe(false);
    expect(maySubscribe('gw-7', 'gateways/gw-7/#', false)).toBe(false);
  });

  it.each([
    ['bridge/state', null],
    ['bridge/devices', null],
    ['dør/availability', null],
    ['dør/set', null],
    ['dør/get/state', null],
    ['stue/dør', 'stue/dør'],
    ['vannsensor', 'vannsensor'],
  ])('takes %s as sensor %s', (path, address) => {
    expect(sensorAddress(path)).toBe(address);
  });
});
