import { Body, ConflictException, Controller, ForbiddenException, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Acting, OperatorGuard } from '../auth/auth.guard.js';
import type { Principal } from '../auth/session-token.js';
import { Tenancy } from '../auth/tenancy.js';
import { DeviceConnections } from '../ingest/device-connections.js';
import type { DeviceCredentials, DeviceDetail, DeviceView } from '../realtime/contract.js';
import { DeviceCommands } from './device-commands.service.js';
import { DeviceRegistry } from './device-registry.service.js';
import { DeviceCommandBody, PlaceDeviceBody, RegisterDeviceBody } from './device-requests.js';
import { Device } from './device.entity.js';

@ApiTags('devices')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('api/devices')
export class DevicesController {
  constructor(
    private readonly registry: DeviceRegistry,
    private readonly commands: DeviceCommands,
    private readonly tenancy: Tenancy,
    private readonly connections: DeviceConnections,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  @Post()
  register(@Acting() principal: Principal, @Body() body: RegisterDeviceBody): Promise<DeviceCredentials> {
    return this.registry.register(principal, body);
  }

  /** Device health: the devices most in need of attention first. */
  @Get()
  list(@Acting() principal: Principal): Promise<DeviceView[]> {
    return this.registry.list(principal);
  }

  @Get(':id')
  detail(@Acting() principal: Principal, @Param('id') id: string): Promise<DeviceDetail> {
    return this.registry.detail(principal, id);
  }

  @Put(':id/placement')
  place(@Acting() principal: Principal, @Param('id') id: string, @Body() body: PlaceDeviceBody): Promise<DeviceView> {
    return this.registry.place(principal, id, body);
  }

  @Post(':id/credentials')
  @HttpCode(200)
  rotate(@Acting() principal: Principal, @Param('id') id: string): Promise<DeviceCredentials> {
    return this.registry.rotateCredentials(principal, id);
  }

  @Post(':id/suspend')
  @HttpCode(200)
  suspend(@Acting() principal: Principal, @Param('id') id: string): Promise<DeviceView> {
    return this.registry.setStatus(principal, id, 'suspended');
  }

  @Post(':id/resume')
  @HttpCode(200)
  resume(@Acting() principal: Principal, @Param('id') id: string): Promise<DeviceView> {
    return this.registry.setStatus(principal, id, 'active');
  }

  @Post(':id/retire')
  @HttpCode(200)
  retire(@Acting() principal: Principal, @Param('id') id: string): Promise<DeviceView> {
    return this.registry.setStatus(principal, id, 'retired');
  }

  @Post(':id/commands')
  @HttpCode(202)
  async command(@Acting() principal: Principal, @Param('id') id: string, @Body() body: DeviceCommandBody): Promise<{ sent: true }> {
    const device = await this.tenancy.device(principal, id);
    const command = body.kind === 'configure' ? { kind: 'configure' as const, heartbeatSeconds: body.heartbeatSeconds! } : { kind: 'test' as const };
    if (command.kind === 'configure' && principal.role !== 'admin' && principal.role !== 'vendor') {
      throw new ForbiddenException('only admins and vendor accounts configure devices');
    }
    // A command to a device without a session would be lost, and a new interval never reach it.
    if (!this.connections.connected(device.id)) throw new ConflictException(`device ${device.id} is not connected`);
    if (!(await this.commands.send(device.id, command))) throw new ConflictException(`the ${device.adapter} format takes no commands`);
    // The hub supervises at the interval it just gave the device.
    if (command.kind === 'configure') await this.db.getRepository(Device).update({ id: device.id }, { heartbeatSeconds: command.heartbeatSeconds });
    return { sent: true };
  }
}
