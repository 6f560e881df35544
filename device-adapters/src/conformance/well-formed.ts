import {
  MAX_EVENT_ID_LENGTH,
  TECHNICAL_CONDITIONS,
  type DecodeContext,
  type DecodeReason,
  type DeviceEvent,
  type DeviceReport,
} from '../device-event.js';
import { isAlertCode } from '../vkp-codes.js';

const DECODE_REASONS: readonly DecodeReason[] = ['malformed', 'wrong-type', 'unknown-code', 'oversized'];
const EVENT_FIELDS = new Set<keyof DeviceEvent>(['eventId', 'deviceId', 'code', 'occurredAt', 'battery', 'location', 'text', 'technical', 'stateKey']);
const REPORT_FIELDS = new Set<string>(['battery', 'states', 'dispensedAt'] satisfies Array<keyof DeviceReport>);
/** A quarantine detail is read by a person: long enough to name the field, never the whole payload. */
export const MAX_DETAIL_LENGTH = 500;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPercent(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 100;
}

function isUtcInstant(value: unknown): boolean {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value;
}

/**
 * Values the hub's jsonb column keeps as they are: no undefined, NaN, Infinity or class
 * instances, which would come back different.
 */
function jsonProblems(value: unknown, path: string, problems: string[], depth = 0): void {
  if (depth > 8) {
    problems.push(`${path} is nested deeper than a decode result needs`);
    return;
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) problems.push(`${path} is ${value}, which JSON cannot hold`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => jsonProblems(item, `${path}[${index}]`, problems, depth + 1));
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) problems.push(`${path}.${key} is present but undefined`);
      else jsonProblems(item, `${path}.${key}`, problems, depth + 1);
    }
    return;
  }
  problems.push(`${path} is a ${typeof value}, which JSON cannot hold as it is`);
}

/**
 * What is wrong with a decode result the hub would receive: an empty list when it keeps every
 * promise of DecodeResult and of the hub's store (ids it can key on, VKP codes, UTC instants,
 * the context's device, JSON that survives a round trip into jsonb).
 */
export function decodeResultProblems(result: unknown, context: DecodeContext): string[] {
  const problems: string[] = [];
  if (!isRecord(result) || typeof result.ok !== 'boolean') return ['the result is not { ok: boolean, … }'];
  jsonProblems(result, 'result', problems);

  if (!result.ok) {
    const error = result.error;
    if (!isRecord(error)) return [...problems, 'a failed result has no error object'];
    if (!DECODE_REASONS.includes(error.reason as DecodeReason)) problems.push(`error.reason ${String(error.reason)} is not a DecodeReason`);
    if (typeof error.detail !== 'string' || error.detail.trim().length === 0) problems.push('error.detail is empty');
    else if (error.detail.length > MAX_DETAIL_LENGTH) problems.push(`error.detail is ${error.detail.length} characters, over ${MAX_DETAIL_LENGTH}`);
    if ('events' in result) problems.push('a failed result carries events');
    return problems;
  }

  if (!Array.isArray(result.events)) return [...problems, 'result.events is not an array'];
  const eventIds = new Set<string>();
  result.events.forEach((event: unknown, index: number) => {
    const at = `events[${index}]`;
    if (!isRecord(event)) {
      problems.push(`${at} is not an object`);
      return;
    }
    for (const field of Object.keys(event)) {
      if (!EVENT_FIELDS.has(field as keyof DeviceEvent)) problems.push(`${at}.${field} is not a DeviceEvent field`);
    }
    const { eventId, deviceId, code, occurredAt, battery, location, text, technical, stateKey } = event;
    if (stateKey !== undefined && (typeof stateKey !== 'string' || stateKey.length === 0)) problems.push(`${at}.stateKey must be a non-empty string`);
    if (typeof eventId !== 'string' || eventId.length === 0 || eventId.length > MAX_EVENT_ID_LENGTH) {
      problems.push(`${at}.eventId must be a string of 1–${MAX_EVENT_ID_LENGTH} characters`);
    } else if (eventIds.has(eventId)) {
      problems.push(`${at}.eventId ${eventId} repeats an earlier event's id: the hub would keep only one`);
    } else {
      eventIds.add(eventId);
    }
    if (deviceId !== context.deviceId) problems.push(`${at}.deviceId ${String(deviceId)} is not the context's ${context.deviceId}`);
    if (typeof code !== 'string' || !isAlertCode(code)) problems.push(`${at}.code ${String(code)} is not a VKP alert code`);
    if (!isUtcInstant(occurredAt)) {
      problems.push(`${at}.occurredAt ${String(occurredAt)} is not a UTC instant like 2026-03-01T07:14:05.000Z`);
    }
    if (battery !== undefined && !isPercent(battery)) problems.push(`${at}.battery ${String(battery)} is not 0–100`);
    if (text !== undefined && typeof text !== 'string') problems.push(`${at}.text is not a string`);
    if (technical !== undefined && !TECHNICAL_CONDITIONS.includes(technical as never)) problems.push(`${at}.technical ${String(technical)} is not a TechnicalCondition`);
    if (location !== undefined) {
      const where = isRecord(location) ? location : {};
      const lat = where.lat;
      const lon = where.lon;
      if (typeof lat !== 'number' || !(lat >= -90 && lat <= 90) || typeof lon !== 'number' || !(lon >= -180 && lon <= 180)) {
        problems.push(`${at}.location is not {lat −90–90, lon −180–180}`);
      }
    }
  });
  if (result.report !== undefined) {
    if (!isRecord(result.report)) problems.push('result.report is not an object');
    else {
      for (const field of Object.keys(result.report)) if (!REPORT_FIELDS.has(field)) problems.push(`report.${field} is not a DeviceReport field`);
      if (result.report.battery !== undefined && !isPercent(result.report.battery)) problems.push(`report.battery ${String(result.report.battery)} is not 0–100`);
      const { dispensedAt } = result.report;
      if (dispensedAt !== undefined && !isUtcInstant(dispensedAt)) problems.push(`report.dispensedAt ${String(dispensedAt)} is not a UTC instant like 2026-03-01T07:14:05.000Z`);
      const states = result.report.states;
      if (states !== undefined && (!isRecord(states) || Object.values(states).some((value) => typeof value !== 'boolean'))) {
        problems.push('report.states must map state keys to true or false');
      }
    }
  }
  return problems;
}
