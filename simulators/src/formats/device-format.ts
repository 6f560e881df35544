import type { AlertCode, DeviceLocation, TechnicalCondition } from '@knutepunkt/device-adapters';

/** One kind of message a format has for an event, with the event the hub should make of it. */
export interface FormatEvent {
  /** The format's own name for it (an eventType, a state, an uplink type); unique within the format. */
  type: string;
  code: AlertCode;
  technical?: TechnicalCondition;
}

/** What varies from one message of a device to the next. */
export interface MessageDetails {
  deviceId: string;
  /** Counts up per device; formats with a counter or sequence number send it (wrapping as theirs does). */
  sequence: number;
  occurredAt: Date;
  /** Percent 0–100, whole; formats without a battery field leave it out. */
  battery?: number;
  /** Free text for the operator, in formats that carry one. */
  text?: string;
  /** Where the device is, in formats that carry it (the native one). */
  location?: DeviceLocation;
}

/** How a device of the format reaches the hub. */
export type FormatTransport =
  /** devices/{deviceId}/events over MQTT, logged in as itself. */
  | 'mqtt'
  /** gateways/{gatewayId}/{address}, over its home gateway's MQTT connection. */
  | 'gateway'
  /** POST {hubUrl}/api/vkp/devices/{deviceId}/{resourceType}, with a vendor account's token (VKP I1). */
  | 'https';

/**
 * Builds what a device of one format sends. Each format module derives its `events` from its
 * adapter's header mapping, and the tests decode every payload built here with that adapter.
 */
export interface DeviceFormat {
  /** The adapter's registry name. */
  readonly name: string;
  readonly transport: FormatTransport;
  /** Every event the format can express. */
  readonly events: readonly FormatEvent[];
  /** A payload the adapter decodes to exactly this one event. */
  build(event: FormatEvent, details: MessageDetails): Uint8Array;
  /**
   * A message that says the device is alive, with its battery, and raises nothing: for sensors
   * behind a gateway, which have no heartbeat topic of their own.
   */
  report?(details: MessageDetails): Uint8Array;
  /**
   * For formats that report states: a message putting the sensor in the state opposite to the
   * event's, sent first so that the event is a change (the hub passes on only changed states).
   * Undefined when the event needs no such step.
   */
  previousState?(event: FormatEvent, details: MessageDetails): Uint8Array | undefined;
  /**
   * For dispensers whose format can say so: the dose taken out at details.occurredAt. It raises
   * nothing (no VKP code says "dispensed"); it ends a missed dose the hub holds for its grace period.
   */
  dispensed?(details: MessageDetails): Uint8Array;
  /** A payload the adapter refuses, and what is wrong with it. */
  readonly malformed: { payload: Uint8Array; problem: string };
}

/** The format's first event for the code (and technical condition, when given), if it has one. */
export function formatEventFor(format: DeviceFormat, code: AlertCode, technical?: TechnicalCondition): FormatEvent | undefined {
  return (
    format.events.find((event) => event.code === code && event.technical === technical) ??
    (technical === undefined ? format.events.find((event) => event.code === code) : undefined)
  );
}

export function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
