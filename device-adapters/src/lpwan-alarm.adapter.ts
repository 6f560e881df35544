import { rejected } from './decode-result.js';
import type { DecodeContext, DecodeResult, DeviceAdapter, DeviceCommand, DeviceEvent, TechnicalCondition } from './device-event.js';
import type { AlertCode } from './vkp-codes.js';

/**
 * The compact binary uplink of LPWAN (LoRaWAN, NB-IoT) safety-alarm pendants, where every byte
 * costs airtime and battery. The network server or bridge publishes the uplink's bytes unchanged.
 *
 * Uplink, version 1, exactly 10 bytes:
 *
 * | byte | field          | values                                                          |
 * |------|----------------|-----------------------------------------------------------------|
 * | 0    | version        | 1                                                               |
 * | 1    | event type     | see EVENT_TYPES below                                           |
 * | 2    | flags          | bit0 fall confirmed by accelerometer, bit1 on charger,          |
 * |      |                | bit2 repeated press; bits 3–7 reserved: sent 0, ignored         |
 * | 3    | battery        | percent 0–100; 0xFF unknown; 101–254 invalid                     |
 * | 4–5  | sequence       | unsigned big-endian, wraps at 65536                             |
 * | 6–9  | time           | unsigned big-endian Unix seconds; 0 unknown (receivedAt is used) |
 *
 * | type | event          | code | technical      |
 * |------|----------------|------|----------------|
 * | 0x01 | button press   | 4.13 |                |
 * | 0x02 | pull cord      | 4.14 |                |
 * | 0x03 | fall           | 4.1  |                |
 * | 0x04 | low battery    | 3    | battery-low    |
 * | 0x05 | power loss     | 3    | power-loss     |
 * | 0x06 | power restored | 3    | power-restored |
 * | 0x07 | test press     | 3    | test           |
 * Equipment conditions carry the category code 3 (Trygghetsalarm): VKP has no pendant codes for them.
 *
 * The flags become the event's text for the operator, in Norwegian: "Fall bekreftet av
 * akselerometer" (bit0, fall only), "Gjentatt trykk" (bit2, button or cord), "På lader" (bit1).
 *
 * Event id: `${deviceId}:${sequence}:${unixSeconds}`, so a redelivered uplink is the same event.
 *
 * Downlink (encodeCommand), version 1, 2–3 bytes: byte 0 version 1, byte 1 command,
 * then its argument:
 *
 * | command              | bytes          | argument                                        |
 * |----------------------|----------------|-------------------------------------------------|
 * | alarm received       | 01 81          | none: the pendant confirms to the resident       |
 * | configure heartbeat  | 01 82 mm       | minutes between heartbeats, 1–255               |
 * | test                 | 01 83          | none: the pendant sends a test press (0x07)      |
 */
export class LpwanAlarmAdapter implements DeviceAdapter {
  readonly name = 'lpwan-alarm';
  readonly contentType = 'application/octet-stream';

  decode(raw: Uint8Array, { deviceId, receivedAt }: DecodeContext): DecodeResult {
    if (raw.length === 0) return rejected('wrong-type', `payload is empty; an lpwan-alarm uplink is ${UPLINK_LENGTH} bytes`);
    const version = raw[0]!;
    if (version !== VERSION) return rejected('wrong-type', `version ${version} (byte 0); this hub reads lpwan-alarm version ${VERSION}`);
    if (raw.length !== UPLINK_LENGTH) {
      return rejected('wrong-type', `payload is ${raw.length} bytes; an lpwan-alarm version ${VERSION} uplink is ${UPLINK_LENGTH} bytes`);
    }
    const bytes = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const type = bytes.getUint8(1);
    const mapping = EVENT_TYPES.get(type);
    if (!mapping) return rejected('unknown-code', `event type ${hex(type)} (byte 1) is not an lpwan-alarm event type (0x01–0x07)`);
    const flags = bytes.getUint8(2);
    const batteryByte = bytes.getUint8(3);
    if (batteryByte > 100 && batteryByte !== BATTERY_UNKNOWN) {
      return rejected('wrong-type', `battery ${batteryByte} (byte 3) must be a percentage 0–100, or 0xFF when unknown`);
    }
    const sequence = bytes.getUint16(4);
    const unixSeconds = bytes.getUint32(6);

    const event: DeviceEvent = {
      eventId: `${deviceId}:${sequence}:${unixSeconds}`,
      deviceId,
      code: mapping.code,
      occurredAt: unixSeconds === 0 ? receivedAt : new Date(unixSeconds * 1000).toISOString(),
    };
    const battery = batteryByte === BATTERY_UNKNOWN ? undefined : batteryByte;
    if (battery !== undefined) event.battery = battery;
    if (mapping.technical) event.technical = mapping.technical;
    const notes = [
      type === FALL && flags & FALL_CONFIRMED ? 'Fall bekreftet av akselerometer' : undefined,
      (type === BUTTON_PRESS || type === PULL_CORD) && flags & REPEATED_PRESS ? 'Gjentatt trykk' : undefined,
      flags & ON_CHARGER ? 'På lader' : undefined,
    ].filter((note) => note !== undefined);
    if (notes.length > 0) event.text = notes.join('; ');
    return battery === undefined ? { ok: true, events: [event] } : { ok: true, events: [event], report: { battery } };
  }

  encodeCommand(command: DeviceCommand): Uint8Array {
    switch (command.kind) {
      case 'alarm-received':
        // The alarm id means nothing to the pendant: it confirms its latest alarm to the resident.
        return Uint8Array.of(VERSION, 0x81);
      case 'configure': {
        if (!Number.isFinite(command.heartbeatSeconds) || command.heartbeatSeconds <= 0) {
          throw new RangeError(`heartbeatSeconds must be a positive number, got ${command.heartbeatSeconds}`);
        }
        const minutes = Math.min(255, Math.max(1, Math.round(command.heartbeatSeconds / 60)));
        return Uint8Array.of(VERSION, 0x82, minutes);
      }
      case 'test':
        return Uint8Array.of(VERSION, 0x83);
    }
  }
}

const VERSION = 1;
const UPLINK_LENGTH = 10;
const BATTERY_UNKNOWN = 0xff;
const FALL_CONFIRMED = 0b001;
const ON_CHARGER = 0b010;
const REPEATED_PRESS = 0b100;
const BUTTON_PRESS = 0x01;
const PULL_CORD = 0x02;
const FALL = 0x03;

const EVENT_TYPES = new Map<number, { code: AlertCode; technical?: TechnicalCondition }>([
  [BUTTON_PRESS, { code: '4.13' }],
  [PULL_CORD, { code: '4.14' }],
  [FALL, { code: '4.1' }],
  [0x04, { code: '3', technical: 'battery-low' }],
  [0x05, { code: '3', technical: 'power-loss' }],
  [0x06, { code: '3', technical: 'power-restored' }],
  [0x07, { code: '3', technical: 'test' }],
]);

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}
