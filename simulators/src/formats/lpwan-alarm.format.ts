import type { DeviceFormat, FormatEvent, MessageDetails } from './device-format.js';

/**
 * The 10-byte LPWAN pendant uplink, version 1 (LpwanAlarmAdapter): version, event type, flags,
 * battery, sequence (16 bits, big-endian), Unix seconds (32 bits, big-endian).
 */
const UPLINK_TYPES: ReadonlyArray<FormatEvent & { byte: number }> = [
  { type: 'button-press', byte: 0x01, code: '4.13' },
  { type: 'pull-cord', byte: 0x02, code: '4.14' },
  { type: 'fall', byte: 0x03, code: '4.1' },
  { type: 'low-battery', byte: 0x04, code: '3', technical: 'battery-low' },
  { type: 'power-loss', byte: 0x05, code: '3', technical: 'power-loss' },
  { type: 'power-restored', byte: 0x06, code: '3', technical: 'power-restored' },
  { type: 'test-press', byte: 0x07, code: '3', technical: 'test' },
];
const VERSION = 1;
const BATTERY_UNKNOWN = 0xff;

export const lpwanAlarmFormat: DeviceFormat = {
  name: 'lpwan-alarm',
  transport: 'mqtt',
  events: UPLINK_TYPES.map(({ type, code, technical }): FormatEvent => (technical ? { type, code, technical } : { type, code })),
  build(event: FormatEvent, details: MessageDetails): Uint8Array {
    const uplink = UPLINK_TYPES.find((candidate) => candidate.type === event.type);
    if (!uplink) throw new Error(`lpwan-alarm has no uplink type "${event.type}"`);
    const bytes = new Uint8Array(10);
    const view = new DataView(bytes.buffer);
    view.setUint8(0, VERSION);
    view.setUint8(1, uplink.byte);
    view.setUint8(2, 0); // no flags: no text for the operator
    view.setUint8(3, details.battery === undefined ? BATTERY_UNKNOWN : Math.round(details.battery));
    view.setUint16(4, details.sequence & 0xffff);
    view.setUint32(6, Math.floor(details.occurredAt.getTime() / 1000));
    return bytes;
  },
  malformed: { payload: Uint8Array.of(VERSION, 0x01, 0x00), problem: 'an uplink of 3 bytes, not 10' },
};
