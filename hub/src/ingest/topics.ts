/** The MQTT topics of DESIGN.md's device contract. */
export type DeviceTopicKind = 'events' | 'heartbeat' | 'status' | 'commands';

export type DeviceTopic =
  | { kind: DeviceTopicKind; deviceId: string }
  /** `gateways/{gatewayId}/{path}`: a home gateway (Zigbee2MQTT base topic) speaking for its sensors. */
  | { kind: 'gateway'; deviceId: string; path: string };

const KINDS: readonly string[] = ['events', 'heartbeat', 'status', 'commands'];

/** `devices/{deviceId}/{kind}` or `gateways/{gatewayId}/{path}`, else null. */
export function parseDeviceTopic(topic: string): DeviceTopic | null {
  const parts = topic.split('/');
  if (parts[0] === 'gateways' && parts[1] && parts.length > 2 && parts.slice(2).every(Boolean)) {
    return { kind: 'gateway', deviceId: parts[1], path: parts.slice(2).join('/') };
  }
  if (parts.length !== 3 || parts[0] !== 'devices' || !parts[1] || !KINDS.includes(parts[2]!)) return null;
  return { deviceId: parts[1], kind: parts[2] as DeviceTopicKind };
}

/**
 * A device may publish events, heartbeats and its status under its own id; a gateway
 * anything under its own base topic.
 */
export function mayPublish(deviceId: string, topic: string, isGateway = false): boolean {
  const parsed = parseDeviceTopic(topic);
  if (!parsed || parsed.deviceId !== deviceId) return false;
  return parsed.kind === 'gateway' ? isGateway : parsed.kind !== 'commands';
}

/** A device may subscribe to exactly its own commands topic; a gateway also below its base topic. */
export function maySubscribe(deviceId: string, topic: string, isGateway = false): boolean {
  if (topic === `devices/${deviceId}/commands`) return true;
  return isGateway && topic.startsWith(`gateways/${deviceId}/`);
}

/**
 * Which Zigbee2MQTT paths under a gateway carry a sensor's state: not the bridge's own
 * topics, nor availability, nor the set/get requests flowing the other way.
 */
export function sensorAddress(path: string): string | null {
  if (path === 'bridge' || path.startsWith('bridge/')) return null;
  if (/\/(availability|set|get)(\/.*)?$/.test(path)) return null;
  return path;
}
