import { describe, expect, it } from 'vitest';
import { CONFORMANCE_CONTEXT, describeAdapterConformance, fixturesBeside } from '../src/conformance/index.js';
import { LpwanAlarmAdapter } from '../src/lpwan-alarm.adapter.js';
import { LPWAN_ALARM_EXPECTATIONS } from './lpwan-alarm.expectations.js';

const adapter = new LpwanAlarmAdapter();
const uplink = (...bytes: number[]) => adapter.decode(Uint8Array.from(bytes), CONFORMANCE_CONTEXT);

describeAdapterConformance(adapter, { fixturesDir: fixturesBeside(import.meta.url), expectations: LPWAN_ALARM_EXPECTATIONS });

describe('LpwanAlarmAdapter', () => {
  it('reads the sequence and the time big-endian', () => {
    expect(uplink(1, 1, 0, 50, 0x01, 0x02, 0x00, 0x00, 0x01, 0x00)).toMatchObject({
      ok: true,
      events: [{ eventId: `${CONFORMANCE_CONTEXT.deviceId}:258:256`, occurredAt: '1970-01-01T00:04:16.000Z' }],
    });
  });

  it('reads the largest time the four bytes hold, in 2106', () => {
    expect(uplink(1, 1, 0, 50, 0, 1, 0xff, 0xff, 0xff, 0xff)).toMatchObject({ ok: true, events: [{ occurredAt: '2106-02-07T06:28:15.000Z' }] });
  });

  it('decodes a payload that is a view into a larger buffer', () => {
    const frame = Uint8Array.from([0xaa, 0xbb, 1, 3, 1, 40, 0, 7, 0x69, 0xa3, 0xe7, 0x3d, 0xcc]);
    expect(adapter.decode(frame.subarray(2, 12), CONFORMANCE_CONTEXT)).toMatchObject({
      ok: true,
      events: [{ code: '4.1', battery: 40, eventId: `${CONFORMANCE_CONTEXT.deviceId}:7:1772349245` }],
    });
  });

  it.each([
    [0, 'ok'],
    [100, 'ok'],
    [101, 'wrong-type'],
    [254, 'wrong-type'],
    [255, 'ok'],
  ])('battery byte %i is %s', (battery, outcome) => {
    const result = uplink(1, 1, 0, battery, 0, 1, 0x69, 0xa3, 0xe7, 0x3d);
    expect(result.ok ? 'ok' : result.error.reason).toBe(outcome);
  });

  it('gives no text for a flag that does not fit the event: a confirmed button press, a repeated fall', () => {
    expect(uplink(1, 1, 0b001, 50, 0, 1, 0x69, 0xa3, 0xe7, 0x3d)).toMatchObject({ ok: true, events: [{ code: '4.13' }] });
    const result = uplink(1, 3, 0b100, 50, 0, 1, 0x69, 0xa3, 0xe7, 0x3d);
    expect(result.ok && result.events[0]).not.toHaveProperty('text');
  });

  it('says unknown-code for event type 0 and 0xff', () => {
    for (const type of [0, 0xff]) expect(uplink(1, type, 0, 50, 0, 1, 0, 0, 0, 1)).toMatchObject({ ok: false, error: { reason: 'unknown-code' } });
  });

  describe('downlink', () => {
    it.each([
      [{ kind: 'alarm-received', alarmId: 'any' } as const, [0x01, 0x81]],
      [{ kind: 'test' } as const, [0x01, 0x83]],
      [{ kind: 'configure', heartbeatSeconds: 900 } as const, [0x01, 0x82, 15]],
      [{ kind: 'configure', heartbeatSeconds: 89 } as const, [0x01, 0x82, 1]],
      [{ kind: 'configure', heartbeatSeconds: 10 } as const, [0x01, 0x82, 1]],
      [{ kind: 'configure', heartbeatSeconds: 24 * 3600 } as const, [0x01, 0x82, 255]],
    ])('encodes %j as %j', (command, bytes) => {
      expect([...adapter.encodeCommand(command)]).toEqual(bytes);
    });

    it.each([0, -60, Number.NaN, Number.POSITIVE_INFINITY])('refuses a heartbeat of %s seconds', (heartbeatSeconds) => {
      expect(() => adapter.encodeCommand({ kind: 'configure', heartbeatSeconds })).toThrow(RangeError);
    });
  });
});
