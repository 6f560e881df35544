import { MAX_EVENT_ID_LENGTH, type DecodeContext, type DecodeResult, type DeviceAdapter, type DeviceCommand, type DeviceEvent, type DeviceLocation } from './device-event.js';
import { isInstant } from './instant.js';
import { isAlertCode } from './vkp-codes.js';

const MAX_ID_LENGTH = MAX_EVENT_ID_LENGTH;
const MAX_TEXT_LENGTH = 2000;

class FieldError extends Error {}

function fail(reason: 'malformed' | 'wrong-type' | 'unknown-code', detail: string): DecodeResult {
  return { ok: false, error: { reason, detail } };
}

function optionalNumber(payload: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const value = payload[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new FieldError(`"${field}" must be a number from ${min} to ${max}`);
  }
  return value;
}

function location(value: unknown): DeviceLocation | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FieldError('"location" must be an object {lat, lon, accuracyM}');
  }
  const fields = value as Record<string, unknown>;
  const lat = optionalNumber(fields, 'lat', -90, 90);
  const lon = optionalNumber(fields, 'lon', -180, 180);
  if (lat === undefined || lon === undefined) throw new FieldError('"location" needs both "lat" and "lon"');
  const accuracyM = optionalNumber(fields, 'accuracyM', 0, 1_000_000);
  return accuracyM === undefined ? { lat, lon } : { lat, lon, accuracyM };
}

/**
 * The reference format (DESIGN.md):
 * {"id", "code", "occurredAt", ...optional battery, location {lat, lon, accuracyM}, text}.
 */
export class NativeJsonAdapter implements DeviceAdapter {
  readonly name = 'native-json';
  readonly contentType = 'application/json';

  decode(raw: Uint8Array, { deviceId }: DecodeContext): DecodeResult {
    let payload: unknown;
    try {
      payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
    } catch (error) {
      return fail('malformed', `payload is not UTF-8 JSON: ${(error as Error).message}`);
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      return fail('wrong-type', 'payload must be a JSON object');
    }
    const fields = payload as Record<string, unknown>;
    const { id, code, occurredAt, text } = fields;
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
      return fail('wrong-type', `"id" must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
    }
    if (typeof code !== 'string') return fail('wrong-type', '"code" must be a string VKP alert code such as "4.1"');
    if (!isAlertCode(code)) return fail('unknown-code', `"code" "${code.slice(0, 20)}" is not a VKP alert code`);
    if (typeof occurredAt !== 'string' || !isInstant(occurredAt)) {
      return fail('wrong-type', '"occurredAt" must be an ISO 8601 date-time with a time zone, e.g. 2026-03-01T07:14:05Z');
    }
    if (text !== undefined && (typeof text !== 'string' || text.length > MAX_TEXT_LENGTH)) {
      return fail('wrong-type', `"text" must be a string of at most ${MAX_TEXT_LENGTH} characters`);
    }
    try {
      const event: DeviceEvent = { eventId: id, deviceId, code, occurredAt: new Date(occurredAt).toISOString() };
      const battery = optionalNumber(fields, 'battery', 0, 100);
      if (battery !== undefined) event.battery = battery;
      const where = location(fields.location);
      if (where) event.location = where;
      if (text !== undefined) event.text = text;
      return { ok: true, events: [event] };
    } catch (error) {
      if (error instanceof FieldError) return fail('wrong-type', error.message);
      throw error;
    }
  }

  encodeCommand(command: DeviceCommand): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(command));
  }
}
