import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import type { PlaceDeviceRequest, RegisterDeviceRequest } from '../realtime/contract.js';
import { DEVICE_ID_PATTERN } from './device.entity.js';

export class RegisterDeviceBody implements RegisterDeviceRequest {
  @ApiPropertyOptional({ description: 'Made from the serial when left out', pattern: DEVICE_ID_PATTERN.source })
  @IsOptional()
  @Matches(DEVICE_ID_PATTERN, { message: 'id: letters, digits, ".", "_" and "-" only, at most 64' })
  id?: string;

  @ApiProperty({ example: 'Trygg 300' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  model!: string;

  @ApiProperty({ example: 'TT300-0042' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  serial!: string;

  @ApiProperty()
  @IsUUID()
  tenantId!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  residentId?: string;

  @ApiPropertyOptional({ description: "The home gateway's device id, for a sensor behind it" })
  @IsOptional()
  @Matches(DEVICE_ID_PATTERN)
  gatewayId?: string;

  @ApiPropertyOptional({ description: "The sensor's name at the gateway (Zigbee2MQTT friendly name)" })
  @ValidateIf((body: RegisterDeviceBody) => body.gatewayId !== undefined)
  @IsString()
  // Zigbee2MQTT friendly names may hold "/" (rooms), never wildcards or empty levels.
  @Matches(/^(?!\/)(?!.*\/\/)(?!.*\/$)[^#+]{1,128}$/, { message: 'gatewayAddress: 1–128 characters, no "#", "+" or empty "/" levels' })
  gatewayAddress?: string;

  @ApiPropertyOptional({ description: 'A training device (øvingsutstyr): its alarms are handled as any other and never reach a record' })
  @IsOptional()
  @IsBoolean({ message: 'training: true or false' })
  training?: boolean;
}

export class PlaceDeviceBody implements PlaceDeviceRequest {
  @ApiProperty()
  @IsUUID()
  tenantId!: string;

  @ApiProperty({ nullable: true, description: 'null puts the device in stock' })
  @ValidateIf((body: PlaceDeviceBody) => body.residentId !== null)
  @IsUUID()
  residentId!: string | null;
}

export class DeviceCommandBody {
  @ApiProperty({ enum: ['test', 'configure'] })
  @IsIn(['test', 'configure'])
  kind!: 'test' | 'configure';

  @ApiPropertyOptional({ minimum: 10, maximum: 86_400, description: 'With configure: the new heartbeat interval' })
  @ValidateIf((body: DeviceCommandBody) => body.kind === 'configure')
  @IsInt()
  @Min(10)
  @Max(86_400)
  heartbeatSeconds?: number;
}
