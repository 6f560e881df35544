/**
 * The file the hub writes when it seeds a demo or training fleet, and simulators read to
 * connect as those devices. It holds credentials in clear text: demo data only.
 */
export type DeviceKind =
  | 'safety-alarm'
  | 'fall-detector'
  | 'door-sensor'
  | 'water-sensor'
  | 'motion-sensor'
  | 'bed-sensor'
  | 'medicine-dispenser'
  /** A home gateway (e.g. Zigbee2MQTT) publishing for its child sensors. */
  | 'gateway';

export interface FleetDevice {
  deviceId: string;
  /** Absent for a sensor behind a gateway: it never logs in, its gateway speaks for it. */
  password: string;
  kind: DeviceKind;
  model: string;
  adapter: string;
  /** For a sensor behind a home gateway: the gateway's device id and the sensor's name there. */
  gatewayId?: string;
  gatewayAddress?: string;
}

export interface FleetResident {
  id: string;
  name: string;
  devices: FleetDevice[];
}

export interface FleetManifest {
  /** The console and REST API, e.g. http://127.0.0.1:3000 */
  hubUrl: string;
  /** The hub's MQTT broker, e.g. mqtt://127.0.0.1:1884 */
  mqttUrl: string;
  operators: Array<{ username: string; password: string; displayName: string; tenant: string }>;
  residents: FleetResident[];
}

/** Default location, relative to the working directory the hub was started in. */
export const DEFAULT_FLEET_MANIFEST_PATH = '.knutepunkt/demo-fleet.json';
