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
  /**
   * Set when the event is about the equipment, not the resident: the alarm is technical
   * whatever the code. Devices without a VKP code for it report their category code (3, 4).
   */
  technical?: TechnicalCondition;
  /**
   * For formats that report states rather than happenings (a door's contact, a leak sensor):
   * the state this event reports. The hub raises it only when that state has changed.
   */
  stateKey?: string;
}

/** The longest eventId the hub stores (its idempotency key, with the device id). */
export const MAX_EVENT_ID_LENGTH = 128;

export const TECHNICAL_CONDITIONS = ['battery-low', 'battery-empty', 'power-loss', 'power-restored', 'no-contact', 'test'] as const;
export type TechnicalCondition = (typeof TECHNICAL_CONDITIONS)[number];

/** What the hub knows when it decodes one message. */
export interface DecodeContext {
  /** The registered device the message is for; for a gateway's sensor, the sensor. */
  deviceId: string;
  /** When the hub received the message (ISO 8601 UTC), for formats without their own time. */
  receivedAt: string;
}

/** What a message says of the device itself, beside or instead of events. */
export interface DeviceReport {
  battery?: number;
  /** Every state the message reports, changed or not, so the hub knows when one changes. */
  states?: Record<string, boolean>;
  /**
   * When a dispenser's dose was taken out (ISO 8601 UTC instant). No VKP alert code says
   * "dispensed", so it is no event; it ends a missed dose the hub holds for its grace period.
   */
  dispensedAt?: string;
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

export type DecodeResult = { ok: true; events: DeviceEvent[]; report?: DeviceReport } | { ok: false; error: DecodeError };

/** What the hub may tell a device on devices/{deviceId}/commands. */
export type DeviceCommand =
  | { kind: 'alarm-received'; alarmId: string }
  | { kind: 'configure'; heartbeatSeconds: number }
  | { kind: 'test' };

/** One device format. Decoding never throws: every failure is a DecodeError. */
export interface DeviceAdapter {
  /** Registry name of the format, e.g. "native-json". */
  readonly name: string;
  /** The content type it accepts, for documentation and the registry. */
  readonly contentType: string;
  decode(raw: Uint8Array, context: DecodeContext): DecodeResult;
  /** The command in the device's own format; formats without commands leave this out. */
  encodeCommand?(command: DeviceCommand): Uint8Array;
}
