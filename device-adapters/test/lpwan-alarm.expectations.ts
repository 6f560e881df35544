import { CONFORMANCE_CONTEXT, type AdapterExpectations, type ExpectedEvent } from '../src/conformance/index.js';
import type { AlertCode } from '../src/vkp-codes.js';

/** 0x69a3e73d, the time in every fixture that has one. */
const UNIX = 1772349245;
const AT = '2026-03-01T07:14:05.000Z';
const id = (sequence: number, unixSeconds = UNIX) => `${CONFORMANCE_CONTEXT.deviceId}:${sequence}:${unixSeconds}`;
const alarm = (sequence: number, code: AlertCode, battery: number, extra: Partial<ExpectedEvent> = {}) => ({
  ok: true as const,
  events: [{ eventId: id(sequence), code, occurredAt: AT, battery, ...extra }],
  report: { battery },
});

/** Every fixture `lpwan-alarm.<case>.hex`, decoded for dev-00042 received at 07:00:00Z. */
export const LPWAN_ALARM_EXPECTATIONS: AdapterExpectations = {
  'button-press': alarm(42, '4.13', 87),
  'button-repeated': alarm(43, '4.13', 87, { text: 'Gjentatt trykk' }),
  'pull-cord': alarm(44, '4.14', 87),
  'fall-confirmed': alarm(45, '4.1', 86, { text: 'Fall bekreftet av akselerometer' }),
  'fall-unconfirmed': alarm(46, '4.1', 86),
  'low-battery': alarm(47, '3', 9, { technical: 'battery-low' }),
  'power-loss': alarm(48, '3', 80, { technical: 'power-loss' }),
  'power-restored': alarm(49, '3', 80, { technical: 'power-restored', text: 'På lader' }),
  'test-press': alarm(50, '3', 100, { technical: 'test' }),
  'battery-unknown': { ok: true, events: [{ eventId: id(51), code: '4.13', occurredAt: AT }] },
  'time-unknown': {
    ok: true,
    events: [{ eventId: id(52, 0), code: '4.13', occurredAt: CONFORMANCE_CONTEXT.receivedAt, battery: 87 }],
    report: { battery: 87 },
  },
  'sequence-wrapped': alarm(65535, '4.14', 87, { text: 'Gjentatt trykk; På lader' }),
  'reserved-flags': alarm(53, '4.13', 87),
  'too-short': { ok: false, reason: 'wrong-type', detail: [/9 bytes/, /10 bytes/] },
  'too-long': { ok: false, reason: 'wrong-type', detail: [/11 bytes/, /10 bytes/] },
  'version-2': { ok: false, reason: 'wrong-type', detail: [/version 2/, /version 1/] },
  'unknown-event-type': { ok: false, reason: 'unknown-code', detail: [/0x09/, /event type/] },
  'battery-101': { ok: false, reason: 'wrong-type', detail: [/battery 101/, /0–100/] },
  empty: { ok: false, reason: 'wrong-type', detail: /empty/ },
};
