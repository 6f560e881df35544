import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Device } from './device.entity.js';

/** Records that a device is alive (heartbeat or status) and what it says of its battery. */
@Injectable()
export class DeviceHeartbeats {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async seen(deviceId: string, battery?: number): Promise<void> {
    await this.db
      .getRepository(Device)
      .update({ id: deviceId }, battery === undefined ? { lastSeenAt: new Date() } : { lastSeenAt: new Date(), battery: Math.round(battery) });
  }
}
