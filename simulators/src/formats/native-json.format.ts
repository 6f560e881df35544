import { randomUUID } from 'node:crypto';
import { ALERT_CODES, MAX_EVENT_ID_LENGTH, type AlertCode } from '@knutepunkt/device-adapters';
import { jsonBytes, type DeviceFormat, type FormatEvent, type MessageDetails } from './device-format.js';

/**
 * The reference format (NativeJsonAdapter): {"id", "code", "occurredAt", battery?, text?, location?}.
 * It names the VKP alert code itself, so it can say every code; it has no technical flag.
 */
export const nativeJsonFormat: DeviceFormat = {
  name: 'native-json',
  transport: 'mqtt',
  events: (Object.keys(ALERT_CODES) as AlertCode[]).map((code): FormatEvent => ({ type: code, code })),
  build(event: FormatEvent, details: MessageDetails): Uint8Array {
    const payload: Record<string, unknown> = { id: nativeEventId(details), code: event.code, occurredAt: details.occurredAt.toISOString() };
    if (details.battery !== undefined) payload.battery = details.battery;
    if (details.text !== undefined) payload.text = details.text;
    if (details.location !== undefined) payload.location = details.location;
    return jsonBytes(payload);
  },
  malformed: { payload: new TextEncoder().encode('{"id": "cut-short", "code": "4.1"'), problem: 'JSON cut short' },
};

/** Readable and unique per device: `<deviceId>-<epoch ms>-<sequence>`, or a UUID when that is too long. */
function nativeEventId({ deviceId, occurredAt, sequence }: MessageDetails): string {
  const readable = `${deviceId}-${occurredAt.getTime()}-${sequence}`;
  return readable.length <= MAX_EVENT_ID_LENGTH ? readable : randomUUID();
}
