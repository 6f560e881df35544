import type { DecodeReason, DecodeResult } from './device-event.js';

export function rejected(reason: DecodeReason, detail: string): DecodeResult {
  return { ok: false, error: { reason, detail } };
}

/**
 * A short printable excerpt of a payload value for an error detail: enough to recognise it in
 * the quarantine, never the whole of a long or hostile value.
 */
export function excerpt(value: unknown, max = 40): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
