import { ALERT_CODES, type RandomSource, seededRandom } from '@knutepunkt/device-adapters';
import type { AlertCode, FleetDevice, FleetManifest, FleetResident } from '@knutepunkt/device-adapters';
import { FLEET_EVENT_MIX, nextEventDelayMs, pickFleetEvent, pickOne, type FleetEventShare } from './event-mix.js';
import type { ManifestDevice } from './fleet-manifest-reader.js';
import { formatEventFor } from './formats/device-format.js';
import { deviceFormatNamed } from './formats/formats.js';
import { HubApi, type HubAccount } from './hub-api.js';
import { osloClock } from './oslo-time.js';
import { SimulatedDevice } from './simulated-device.js';
import type { SentEvent } from './simulated-device.js';

export interface FleetOptions {
  /** Events per minute across the whole fleet; 0 sends none (heartbeats only). Default 12. */
  ratePerMinute?: number;
  /** Seconds between each device's heartbeats; 0 sends none. Default 60. */
  heartbeatSeconds?: number;
  /** Seed for which events are sent, by whom and when; the same seed repeats a run. Default: random. */
  seed?: number;
  /** One line per event and per problem. Default console.log. */
  log?: (line: string) => void;
  /** Devices connecting at the same time, so a large fleet does not storm the hub's login. Default 20. */
  connectConcurrency?: number;
  /** How long to wait for each event's PUBACK before reporting it; the event stays queued. Default 30 000 ms. */
  ackTimeoutMs?: number;
  /**
   * The vendor account that owns the fleet's vkp-fhir devices, whose clouds post over HTTPS with
   * its token (at the manifest's hubUrl). Without it those devices are left out.
   */
  vendor?: HubAccount;
}

export interface FleetEvent {
  resident: FleetResident;
  device: FleetDevice;
  sent: SentEvent;
}

export interface FleetStart {
  connected: number;
  failed: number;
  /** Devices left out: no gateway for a sensor, no vendor account for a cloud, a format the simulators lack. */
  skipped: number;
}

interface Member {
  resident: FleetResident;
  simulator: SimulatedDevice;
}

/**
 * Every device of every resident in the manifest, connected at once, each in its registered
 * format, sending a realistic, seeded mix of events (see FLEET_EVENT_MIX) at a steady average
 * rate. Home gateways connect first; their sensors publish through them.
 */
export class Fleet {
  readonly seed: number;
  private readonly random: RandomSource;
  private readonly ratePerMinute: number;
  private readonly log: (line: string) => void;
  /** Devices that send events (sensors and clouds included); gateways are kept apart. */
  private readonly members: Member[] = [];
  private readonly gateways: Member[] = [];
  private readonly nameWidth: number;
  private readonly codeWidth: number;
  private nextEvent: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private running = false;
  private sent = 0;
  private failed = 0;

  constructor(
    private readonly manifest: FleetManifest,
    private readonly options: FleetOptions = {},
  ) {
    this.seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    this.random = seededRandom(this.seed);
    this.ratePerMinute = options.ratePerMinute ?? 12;
    if (!Number.isFinite(this.ratePerMinute) || this.ratePerMinute < 0) {
      throw new Error(`the event rate must be 0 or more events per minute, not ${this.ratePerMinute}`);
    }
    this.log = options.log ?? ((line) => console.log(line));
    // Column widths, so a scrolling fleet log reads as a table.
    this.nameWidth = Math.max(0, ...manifest.residents.map((resident) => resident.name.length));
    this.codeWidth = Math.max(...FLEET_EVENT_MIX.map((share) => describeCode(share.code).length));
  }

  /** Devices that are connected now (gateways included). */
  get connectedCount(): number {
    return [...this.gateways, ...this.members].filter((member) => member.simulator.connected).length;
  }

  get stats(): { sent: number; failed: number } {
    return { sent: this.sent, failed: this.failed };
  }

  /**
   * Connects every device it can (gateways first; failures are reported and skipped), then starts
   * sending events.
   */
  async start(): Promise<FleetStart> {
    if (this.running) throw new Error('the fleet is already running');
    this.running = true;
    const everyone = this.manifest.residents.flatMap((resident) => resident.devices.map((device) => ({ resident, device: device as ManifestDevice })));
    const simulatorOptions = {
      mqttUrl: this.manifest.mqttUrl,
      heartbeatSeconds: this.options.heartbeatSeconds ?? 60,
      ackTimeoutMs: this.options.ackTimeoutMs ?? 30_000,
      log: this.log,
    };
    let skipped = 0;
    const skip = (line: string) => {
      skipped += 1;
      this.log(`${osloClock()}  ${line}`);
    };
    const known = everyone.filter(({ device }) => {
      if (deviceFormatNamed(device.adapter)) return true;
      skip(`${device.deviceId} left out: the simulators do not speak its format "${device.adapter}"`);
      return false;
    });
    const gateways = known
      .filter(({ device }) => device.kind === 'gateway')
      .map(({ resident, device }) => ({ resident, simulator: new SimulatedDevice(device, simulatorOptions) }));
    const gatewayById = new Map(gateways.map((gateway) => [gateway.simulator.deviceId, gateway.simulator]));

    const clouds = known.filter(({ device }) => deviceFormatNamed(device.adapter)!.transport === 'https');
    let vendor: HubApi | undefined;
    if (clouds.length > 0 && this.options.vendor) {
      try {
        vendor = await HubApi.login(this.manifest.hubUrl, this.options.vendor);
      } catch (error) {
        this.log(`${osloClock()}  ${(error as Error).message}`);
      }
    }
    const senders: Member[] = [];
    for (const { resident, device } of known) {
      if (device.kind === 'gateway') continue;
      const transport = deviceFormatNamed(device.adapter)!.transport;
      if (transport === 'https' && !vendor) {
        skip(`${device.deviceId} left out: its cloud posts VKP FHIR over HTTPS with a vendor account's token (give --vendor-user and --vendor-password)`);
        continue;
      }
      const gateway = device.gatewayId === undefined ? undefined : gatewayById.get(device.gatewayId);
      if (transport === 'gateway' && (!gateway || !device.gatewayAddress)) {
        skip(`${device.deviceId} left out: a ${device.adapter} sensor publishes through its home gateway, and the manifest ${device.gatewayId ? `has no gateway ${device.gatewayId}` : 'names none'}`);
        continue;
      }
      senders.push({ resident, simulator: new SimulatedDevice(device, { ...simulatorOptions, ...(gateway ? { gateway } : {}), ...(vendor ? { vendor } : {}) }) });
    }

    let failed = 0;
    const connectAll = (group: Member[], into: Member[]) =>
      inBatches(group, this.options.connectConcurrency ?? 20, async (member) => {
        if (!this.running) return;
        try {
          await member.simulator.connect();
          into.push(member);
        } catch (error) {
          failed += 1;
          this.log(`${osloClock()}  ${(error as Error).message}`);
        }
      });
    await connectAll(gateways, this.gateways);
    // A sensor whose gateway did not connect fails to connect itself, and says so.
    await connectAll(senders, this.members);
    if (!this.running) {
      await this.stop();
      return { connected: 0, failed, skipped };
    }
    const attempted = gateways.length + senders.length;
    if (this.members.length + this.gateways.length === 0 && attempted > 0) {
      this.running = false;
      throw new Error(`none of the ${attempted} devices could connect to ${this.manifest.mqttUrl}`);
    }
    this.scheduleNext();
    return { connected: this.members.length + this.gateways.length, failed, skipped };
  }

  /**
   * Sends one event from the mix now, from a random device of the right kind whose format can say
   * it, and resolves when it is acknowledged (or undefined when no device can send anything in the mix).
   */
  async emitOne(): Promise<FleetEvent | undefined> {
    const canSend = (member: Member, share: FleetEventShare) =>
      member.simulator.device.kind === share.kind && formatEventFor(member.simulator.format, share.code) !== undefined;
    const share = pickFleetEvent(this.random, (candidate) => this.members.some((member) => canSend(member, candidate)));
    if (!share) return undefined;
    const member = pickOne(
      this.random,
      this.members.filter((candidate) => canSend(candidate, share)),
    );
    if (!member) return undefined;
    const label = `${osloClock()}  ${member.resident.name.padEnd(this.nameWidth)}  ${describeCode(share.code).padEnd(this.codeWidth)}`;
    try {
      const sent = await member.simulator.sendEvent(share.code);
      this.sent += 1;
      this.log(`${label}  (${member.simulator.deviceId}, acknowledged in ${sent.acknowledgedMs} ms)`);
      return { resident: member.resident, device: member.simulator.device, sent };
    } catch (error) {
      this.failed += 1;
      this.log(`${label}  NOT ACKNOWLEDGED (${member.simulator.deviceId}): ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Stops sending and disconnects every device normally, so no last will is published. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.nextEvent);
    this.nextEvent = undefined;
    // Each device waits briefly for its own in-flight PUBACKs before it disconnects.
    const members = this.members.splice(0);
    await Promise.allSettled(members.map((member) => member.simulator.stop()));
    await Promise.allSettled([...this.inFlight]);
    // Gateways last: their sensors publish through them.
    const gateways = this.gateways.splice(0);
    await Promise.allSettled(gateways.map((gateway) => gateway.simulator.stop()));
  }

  private scheduleNext(): void {
    if (!this.running || this.ratePerMinute === 0) return;
    this.nextEvent = setTimeout(() => {
      const sending = this.emitOne().finally(() => this.inFlight.delete(sending));
      this.inFlight.add(sending);
      this.scheduleNext();
    }, nextEventDelayMs(this.random, this.ratePerMinute));
  }
}

function describeCode(code: AlertCode): string {
  return `${code} ${ALERT_CODES[code].display}`;
}

/** Runs `work` over `items`, at most `concurrency` at a time. */
async function inBatches<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
