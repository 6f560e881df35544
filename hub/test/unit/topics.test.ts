import { describe, expect, it } from 'vitest';
import { mayPublish, maySubscribe, parseDeviceTopic } from '../../src/ingest/topics.js';

describe('parseDeviceTopic', () => {
  it.each(['events', 'heartbeat', 'status', 'commands'] as const)('reads devices/{id}/%s', (kind) => {
    expect(parseDeviceTopic(`devices/dev-00042/${kind}`)).toStrictEqual({ deviceId: 'dev-00042', kind });
  });

  it('keeps the device id as written, dots and dashes included', () => {
    expect(parseDeviceTopic('devices/kommune.0301-dispenser_7/events')?.deviceId).toBe('kommune.0301-dispenser_7');
  });

  it.each([
    ['another root', 'gateways/zb-1/events'],
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
