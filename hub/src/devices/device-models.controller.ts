import { Body, Controller, ForbiddenException, Get, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { ADAPTER_NAMES, type DeviceKind } from '@knutepunkt/device-adapters';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { DataSource } from 'typeorm';
import { Acting, OperatorGuard } from '../auth/auth.guard.js';
import type { Principal } from '../auth/session-token.js';
import { DeviceModel } from './device-model.entity.js';

const DEVICE_KINDS: DeviceKind[] = ['safety-alarm', 'fall-detector', 'door-sensor', 'water-sensor', 'motion-sensor', 'bed-sensor', 'medicine-dispenser', 'gateway'];

export class DeviceModelBody {
  @ApiProperty({ example: 'Trygg 300' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ enum: DEVICE_KINDS })
  @IsIn(DEVICE_KINDS)
  kind!: DeviceKind;

  @ApiProperty({ enum: ADAPTER_NAMES, description: 'The format its messages come in' })
  @IsIn(ADAPTER_NAMES)
  adapter!: string;

  @ApiPropertyOptional({ default: 900, minimum: 10 })
  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(86_400)
  heartbeatSeconds?: number;

  @ApiPropertyOptional({ default: 3, minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  missedHeartbeats?: number;
}

/** Device models: a vendor declares its models' format and heartbeat; admins may add models too. */
@ApiTags('devices')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('api/device-models')
export class DeviceModelsController {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  @Get()
  list(): Promise<DeviceModel[]> {
    return this.db.getRepository(DeviceModel).find({ order: { name: 'ASC' } });
  }

  @Post()
  async declare(@Acting() principal: Principal, @Body() body: DeviceModelBody): Promise<DeviceModel> {
    if (principal.role !== 'vendor' && principal.role !== 'admin') throw new ForbiddenException('only vendor accounts and admins declare models');
    const models = this.db.getRepository(DeviceModel);
    const existing = await models.findOneBy({ name: body.name });
    if (existing && existing.vendorId !== principal.vendorId) throw new ForbiddenException('name: this model belongs to another vendor');
    return models.save({
      name: body.name,
      kind: body.kind,
      adapter: body.adapter,
      heartbeatSeconds: body.heartbeatSeconds ?? 900,
      missedHeartbeats: body.missedHeartbeats ?? 3,
      vendorId: principal.vendorId,
    });
  }
}
