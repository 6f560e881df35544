import type { AlertCode } from './vkp-codes.js';

/** One thing a device reported, in the hub's canonical form, whatever the vendor format. */
export interface DeviceEvent {
  /** Unique per event from the device: redelivery of the same id never makes a second event. */
  eventId: string;
  /** From the topic, never from the payload. */
  deviceId: string;
  code: AlertCode;
  /** ISO 8601 UTC instant the device says the event happened. */
  occurredAt: string;
  /** Battery charge in percent, 0–100, when reported. */
  battery?: number;
  location?: DeviceLocation;
  /** Free text from the device (for example a dispenser message). */
  text?: string;
}

export interface DeviceLocation {
  lat: number;
  lon: number;
  accuracyM?: number;
}

/** Why a payload could not become an event: the reason a quarantined message carries. */
export type DecodeReason = 'malformed' | 'wrong-type' | 'unknown-code' | 'oversized';

export interface DecodeError {
  reason: DecodeReason;
  /** Human-readable: which field, what was wrong. */
  detail: string;
}

export type DecodeResult = { ok: true; events: DeviceEvent[] } | { ok: false; error: DecodeError };

/** One device format. Decoding never throws: every failure is a DecodeError. */
export interface DeviceAdapter {
  /** Registry name of the format, e.g. "native-json". */
  readonly name: string;
  /** The content type it accepts, for documentation and the registry. */
  readonly contentType: string;
  decode(raw: Uint8Array, deviceId: string): DecodeResult;
}
