/** The MQTT topics of DESIGN.md's device contract. */
export type DeviceTopicKind = 'events' | 'heartbeat' | 'status' | 'commands';

export interface DeviceTopic {
  deviceId: string;
  kind: DeviceTopicKind;
}

const KINDS: readonly string[] = ['events', 'heartbeat', 'status', 'commands'];

/** `devices/{deviceId}/{kind}`, or null for any other topic. */
export function parseDeviceTopic(topic: string): DeviceTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== 'devices' || !parts[1] || !KINDS.includes(parts[2]!)) return null;
  return { deviceId: parts[1], kind: parts[2] as DeviceTopicKind };
}

/** A device may publish events, heartbeats and its status, each under its own id only. */
export function mayPublish(deviceId: string, topic: string): boolean {
  const parsed = parseDeviceTopic(topic);
  return parsed !== null && parsed.deviceId === deviceId && parsed.kind !== 'commands';
}

/** A device may subscribe to exactly its own commands topic; no wildcards. */
export function maySubscribe(deviceId: string, topic: string): boolean {
  return topic === `devices/${deviceId}/commands`;
}
