import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { CLOSING_MEASURES, type ClosingMeasure, type CloseIncidentRequest } from '../realtime/contract.js';

const NOTE_LIMIT = 4000;

/** The cause is technical by what an incident is; the operator says what was done. */
export class CloseIncidentBody implements CloseIncidentRequest {
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
