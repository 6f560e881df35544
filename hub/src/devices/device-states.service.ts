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

  async changed(deviceId: string, events: DeviceEvent[], states: Record<string, boolean> | undefined): Promise<DeviceEvent[]> {
    if (!states || Object.keys(states).length === 0) return events;
    const before = this.known.get(deviceId) ?? (await this.load(deviceId));
    const fresh = events.filter((event) => event.stateKey === undefined || before[event.stateKey] !== states[event.stateKey]);
    if (Object.entries(states).some(([key, value]) => before[key] !== value)) {
      const after = { ...before, ...states };
      this.known.set(deviceId, after);
      await this.db.getRepository(Device).update({ id: deviceId }, { reportedState: after });
    }
    return fresh;
  }

  private async load(deviceId: string): Promise<Record<string, boolean>> {
    const device = await this.db.getRepository(Device).findOne({ where: { id: deviceId }, select: ['id', 'reportedState'] });
    return device?.reportedState ?? {};
  }
}
