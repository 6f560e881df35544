import { rejected } from './decode-result.js';
import type { DecodeResult } from './device-event.js';

export type JsonPayload = { ok: true; value: unknown } | { ok: false; result: DecodeResult };

/**
 * Strict UTF-8 (a lenient decoder would turn bad bytes into U+FFFD and accept them) and JSON.
 * `__proto__` keys stay plain own properties: JSON.parse never touches prototypes.
 */
export function readJsonPayload(raw: Uint8Array): JsonPayload {
  try {
    return { ok: true, value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw)) };
  } catch (error) {
    return { ok: false, result: rejected('malformed', `payload is not UTF-8 JSON: ${(error as Error).message.slice(0, 160)}`) };
  }
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
