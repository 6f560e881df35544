import { describe, expect, it } from 'vitest';
import {
  ALERT_CODES,
  DispenserJsonAdapter,
  LpwanAlarmAdapter,
  NativeJsonAdapter,
  SenmlAdapter,
  VkpFhirAdapter,
  Zigbee2MqttAdapter,
  ADAPTER_NAMES,
  type AlertCode,
  type DeviceAdapter,
} from '@knutepunkt/device-adapters';
import { DEVICE_FORMATS, deviceFormatNamed, formatEventFor } from '../src/index.js';
import type { DeviceFormat, MessageDetails } from '../src/index.js';

/** Each format and the very adapter the hub decodes it with. */
const ADAPTERS: Record<string, DeviceAdapter> = {
  'native-json': new NativeJsonAdapter(),
  zigbee2mqtt: new Zigbee2MqttAdapter(),
  senml: new SenmlAdapter(),
  'lpwan-alarm': new LpwanAlarmAdapter(),
  'dispenser-json': new DispenserJsonAdapter(),
  'vkp-fhir': new VkpFhirAdapter(),
};

const DEVICE_ID = 'sim-device-0042';
const RECEIVED_AT = '2026-03-01T07:00:00.000Z';

function details(overrides: Partial<MessageDetails> = {}): MessageDetails {
  return { deviceId: DEVICE_ID, sequence: 4711, occurredAt: new Date('2026-03-01T07:14:05.123Z'), battery: 57, ...overrides };
}

function decode(format: DeviceFormat, payload: Uint8Array, deviceId = DEVICE_ID) {
  return ADAPTERS[format.name]!.decode(payload, { deviceId, receivedAt: RECEIVED_AT });
}

/** Each format as the table's rows: [name, format]. */
const FORMATS = DEVICE_FORMATS.map((format) => [format.name, format] as const);
/** Every (format, event) pair: the round trip below covers each one. */
const EVENTS = DEVICE_FORMATS.flatMap((format) => format.events.map((event) => [format.name, event.type, format, event] as const));

describe('payload builders', () => {
  it('cover every adapter the hub has, one format each', () => {
    expect(DEVICE_FORMATS.map((format) => format.name).sort()).toEqual([...ADAPTER_NAMES].sort());
    for (const name of ADAPTER_NAMES) expect(deviceFormatNamed(name)?.name).toBe(name);
    expect(deviceFormatNamed('constructor')).toBeUndefined();
  });

  it.each(FORMATS)('%s names each of its events once, with VKP alert codes', (_name, format) => {
    expect(format.events.length).toBeGreaterThan(0);
    expect(new Set(format.events.map((event) => event.type)).size).toBe(format.events.length);
    for (const event of format.events) expect(Object.hasOwn(ALERT_CODES, event.code)).toBe(true);
  });

  it.each(EVENTS)('%s %s decodes with its adapter to exactly the intended event', (_name, _type, format, event) => {
    const decoded = decode(format, format.build(event, details()));
    expect(decoded.ok, JSON.stringify(decoded)).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.events).toHaveLength(1);
    const [only] = decoded.events;
    expect(only!.code).toBe(event.code);
    expect(only!.technical).toBe(event.technical);
    expect(only!.deviceId).toBe(DEVICE_ID);
    // The time the device gives is the event's (the LPWAN uplink carries whole seconds).
    const expectedAt = format.name === 'lpwan-alarm' ? '2026-03-01T07:14:05.000Z' : '2026-03-01T07:14:05.123Z';
    expect(only!.occurredAt).toBe(expectedAt);
  });

  it.each(EVENTS)('%s %s gives a new event id for the next message', (_name, _type, format, event) => {
    const first = decode(format, format.build(event, details()));
    const next = decode(format, format.build(event, details({ sequence: 4712, occurredAt: new Date('2026-03-01T07:14:06.456Z') })));
    expect(first.ok && next.ok).toBe(true);
    if (first.ok && next.ok) expect(next.events[0]!.eventId).not.toBe(first.events[0]!.eventId);
  });

  it.each(FORMATS)('%s: its malformed payload is refused by its adapter', (_name, format) => {
    const decoded = decode(format, format.malformed.payload);
    expect(decoded.ok).toBe(false);
    expect(format.malformed.problem).not.toBe('');
  });

  it('native-json says every VKP alert code, with battery, text and location', () => {
    expect(nativeCodes()).toEqual(Object.keys(ALERT_CODES).sort());
    const format = deviceFormatNamed('native-json')!;
    const decoded = decode(format, format.build(formatEventFor(format, '4.1')!, details({ text: 'falt på badet', location: { lat: 59.9, lon: 10.7, accuracyM: 12 } })));
    expect(decoded).toMatchObject({ ok: true, events: [{ code: '4.1', battery: 57, text: 'falt på badet', location: { lat: 59.9, lon: 10.7, accuracyM: 12 } }] });
  });

  it('lpwan-alarm has every uplink type its adapter reads, and puts the battery in the report', () => {
    const format = deviceFormatNamed('lpwan-alarm')!;
    // Every event type byte the adapter accepts must be one of ours.
    const sample = format.build(format.events[0]!, details());
    const accepted = Array.from({ length: 256 }, (_, byte) => byte).filter((byte) => {
      const uplink = Uint8Array.from(sample);
      uplink[1] = byte;
      return decode(format, uplink).ok;
    });
    expect(accepted).toHaveLength(format.events.length);
    expect(format.events.map((event) => [event.code, event.technical ?? null])).toEqual([
      ['4.13', null],
      ['4.14', null],
      ['4.1', null],
      ['3', 'battery-low'],
      ['3', 'power-loss'],
      ['3', 'power-restored'],
      ['3', 'test'],
    ]);
    expect(decode(format, sample)).toMatchObject({ ok: true, report: { battery: 57 } });
    expect(decode(format, format.build(format.events[0]!, details({ battery: undefined })))).toMatchObject({ ok: true, events: [{ code: '4.13' }] });
    // The sequence wraps at 16 bits, as the pendant's does.
    expect(decode(format, format.build(format.events[0]!, details({ sequence: 65_536 + 7 })))).toMatchObject({ ok: true, events: [{ eventId: `${DEVICE_ID}:7:1772349245` }] });
  });

  it('dispenser-json has the eventTypes of its adapter that raise events, with battery and message', () => {
    const format = deviceFormatNamed('dispenser-json')!;
    expect(Object.fromEntries(format.events.map((event) => [event.type, event.code]))).toEqual({
      DOSE_DUE: '1.10',
      DOSE_MISSED: '1.1',
      CONFIRMATION_MISSING: '1.3',
      MEDICATION_LOW: '1.12',
      MEDICATION_EMPTY: '1.13',
      JAMMED: '1.8',
      LID_OPEN: '1.21',
      POWER_LOST: '1.19',
      POWER_RESTORED: '1',
      BATTERY_LOW: '1.17',
      BATTERY_EMPTY: '1.18',
    });
    const decoded = decode(format, format.build(formatEventFor(format, '1.1')!, details({ text: 'Morgendose ikke tatt ut' })));
    expect(decoded).toMatchObject({ ok: true, events: [{ code: '1.1', text: 'Morgendose ikke tatt ut', battery: 57 }], report: { battery: 57 } });
  });

  it('senml: a low battery is its own technical event, and never rides along on another', () => {
    const format = deviceFormatNamed('senml')!;
    const low = decode(format, format.build(formatEventFor(format, '4', 'battery-low')!, details({ battery: 57 })));
    expect(low).toMatchObject({ ok: true, events: [{ code: '4', technical: 'battery-low' }], report: { battery: 9 } });
    const door = decode(format, format.build(formatEventFor(format, '4.15')!, details({ battery: 8 })));
    expect(door).toMatchObject({ ok: true, events: [{ code: '4.15' }] });
    expect(door.ok && door.events).toHaveLength(1);
    expect(decode(format, format.build(formatEventFor(format, '4.2')!, details()))).toMatchObject({ ok: true, events: [{ code: '4.2' }], report: { battery: 57 } });
  });

  it('zigbee2mqtt: the opposite state first, and a state report that raises nothing', () => {
    const format = deviceFormatNamed('zigbee2mqtt')!;
    expect(format.transport).toBe('gateway');
    for (const event of format.events) {
      const before = format.previousState!(event, details());
      const decodedBefore = decode(format, before!);
      expect(decodedBefore.ok).toBe(true);
      if (!decodedBefore.ok) continue;
      // Whatever the earlier message raised, it is not this event, and it is a millisecond earlier.
      expect(decodedBefore.events.every((earlier) => earlier.code !== event.code || earlier.occurredAt !== '2026-03-01T07:14:05.123Z')).toBe(true);
    }
    expect(decode(format, format.previousState!(formatEventFor(format, '4.15')!, details())!)).toMatchObject({
      ok: true,
      events: [{ code: '4.16', occurredAt: '2026-03-01T07:14:05.122Z' }],
    });
    expect(decode(format, format.report!(details()))).toEqual({ ok: true, events: [], report: { battery: 57 } });
  });

  it('vkp-fhir: DetectedIssue and Flag for every code, MedicationDispense for the dispenser codes', () => {
    const format = deviceFormatNamed('vkp-fhir')!;
    expect(format.transport).toBe('https');
    const codesOf = (resource: string) => format.events.filter((event) => event.type.startsWith(`${resource} `)).map((event) => event.code).sort();
    expect(codesOf('DetectedIssue')).toEqual(Object.keys(ALERT_CODES).sort());
    expect(codesOf('Flag')).toEqual(Object.keys(ALERT_CODES).sort());
    expect(codesOf('MedicationDispense')).toEqual(Object.keys(ALERT_CODES).filter((code) => code.startsWith('1.')).sort());
    const decoded = decode(format, format.build(formatEventFor(format, '4.1')!, details({ text: 'Fall på kjøkkenet' })));
    expect(decoded).toMatchObject({ ok: true, events: [{ code: '4.1', text: 'Fall på kjøkkenet' }] });
    expect(formatEventFor(format, '1.20')).toMatchObject({ type: 'DetectedIssue 1.20', technical: 'no-contact' });
  });

  it('dispensers that can say a dose was taken out say it as a report with its time, raising no event', () => {
    const saying = DEVICE_FORMATS.filter((format) => format.dispensed !== undefined).map((format) => format.name);
    expect(saying.sort()).toEqual(['dispenser-json', 'vkp-fhir']);
    for (const name of saying) {
      const format = deviceFormatNamed(name)!;
      expect(decode(format, format.dispensed!(details())), name).toMatchObject({ ok: true, events: [], report: { dispensedAt: '2026-03-01T07:14:05.123Z' } });
    }
  });

  it('formatEventFor finds a code only where the format can say it', () => {
    expect(formatEventFor(deviceFormatNamed('lpwan-alarm')!, '4.15')).toBeUndefined();
    expect(formatEventFor(deviceFormatNamed('lpwan-alarm')!, '3', 'test')?.type).toBe('test-press');
    expect(formatEventFor(deviceFormatNamed('zigbee2mqtt')!, '4.18')?.type).toBe('occupancy:true');
    expect(formatEventFor(deviceFormatNamed('dispenser-json')!, '4.1' as AlertCode)).toBeUndefined();
  });
});

function nativeCodes(): string[] {
  return deviceFormatNamed('native-json')!.events.map((event) => event.code).sort();
}
