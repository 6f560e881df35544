import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import {
  type AddLogStepRequest,
  type CloseAlarmRequest,
  CLOSING_CAUSES,
  CLOSING_MEASURES,
  type ClosingCause,
  type ClosingMeasure,
  MANUAL_LOG_STEPS,
  type ManualLogStep,
} from '../realtime/contract.js';

const NOTE_LIMIT = 4000;

export class AddLogStepBody implements AddLogStepRequest {
  @ApiProperty({ enum: MANUAL_LOG_STEPS })
  @IsIn(MANUAL_LOG_STEPS)
  step!: ManualLogStep;

  @ApiPropertyOptional({ maxLength: NOTE_LIMIT })
  @IsOptional()
  @IsString()
  @MaxLength(NOTE_LIMIT)
  note?: string;
}

export class CloseAlarmBody implements CloseAlarmRequest {
  @ApiProperty({ enum: CLOSING_CAUSES })
  @IsIn(CLOSING_CAUSES)
  cause!: ClosingCause;

  @ApiProperty({ enum: CLOSING_MEASURES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(CLOSING_MEASURES, { each: true })
  measures!: ClosingMeasure[];

  @ApiPropertyOptional({ maxLength: NOTE_LIMIT })
  @IsOptional()
  @IsString()
  @MaxLength(NOTE_LIMIT)
  note?: string;
}
