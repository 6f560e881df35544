import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DeviceEvent } from '@knutepunkt/device-adapters';
import { DataSource } from 'typeorm';
import { Device } from './device.entity.js';

/**
 * Sensors that report states (Zigbee2MQTT republishes a door's whole state with every battery
 * report) would raise "door opened" again and again. The hub remembers each sensor's last
 * states and passes on an event only when its state changed.
 */
@Injectable()
export class DeviceStates {
  private readonly known = new Map<string, Record<string, boolean>>();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The events whose state changed, and `remember` to call once they are stored: a message
   * whose store failed is resent by the device, and must then still count as a change.
   */
  async changed(
    deviceId: string,
    events: DeviceEvent[],
    states: Record<string, boolean> | undefined,
  ): Promise<{ events: DeviceEvent[]; remember: () => Promise<void> }> {
    if (!states || Object.keys(states).length === 0) return { events, remember: async () => undefined };
    const before = this.known.get(deviceId) ?? (await this.load(deviceId));
    const fresh = events.filter((event) => event.stateKey === undefined || before[event.stateKey] !== states[event.stateKey]);
    const remember = async () => {
      if (!Object.entries(states).some(([key, value]) => before[key] !== value)) return;
      const after = { ...before, ...states };
      this.known.set(deviceId, after);
      await this.db.getRepository(Device).update({ id: deviceId }, { reportedState: after });
    };
    return { events: fresh, remember };
  }

  private async load(deviceId: string): Promise<Record<string, boolean>> {
    const device = await this.db.getRepository(Device).findOne({ where: { id: deviceId }, select: ['id', 'reportedState'] });
    return device?.reportedState ?? {};
  }
}
