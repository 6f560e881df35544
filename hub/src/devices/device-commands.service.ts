import { Injectable, Logger } from '@nestjs/common';
import { adapterNamed, type DeviceCommand } from '@knutepunkt/device-adapters';
import { DeviceConnections } from '../ingest/device-connections.js';
import { DeviceDirectory } from './device-directory.service.js';

/** Commands hub → device on devices/{deviceId}/commands, in the device's own format. */
@Injectable()
export class DeviceCommands {
  private readonly logger = new Logger(DeviceCommands.name);

  constructor(
    private readonly directory: DeviceDirectory,
    private readonly connections: DeviceConnections,
  ) {}

  /** Sends the command; false when the device's format has no commands. */
  async send(deviceId: string, command: DeviceCommand): Promise<boolean> {
    const device = await this.directory.find(deviceId);
    const adapter = device ? adapterNamed(device.adapter) : undefined;
    if (!adapter?.encodeCommand) return false;
    await this.connections.send(`devices/${deviceId}/commands`, adapter.encodeCommand(command));
    return true;
  }

  /** Tells the device its alarm reached a person; a device that cannot hear it is not an error. */
  acknowledgeAlarm(deviceId: string, alarmId: string): void {
    this.send(deviceId, { kind: 'alarm-received', alarmId }).catch((error: Error) =>
      this.logger.warn(`telling ${deviceId} its alarm was received: ${error.message}`),
    );
  }
}
