import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import {
  type ActionNoteRequest,
  type AddLogStepRequest,
  type CallOutRequest,
  type ChangePriorityRequest,
  type CloseAlarmRequest,
  CLOSING_CAUSES,
  CLOSING_MEASURES,
  type ClosingCause,
  type ClosingMeasure,
  MANUAL_LOG_STEPS,
  type ManualLogStep,
} from '../realtime/contract.js';

const NOTE_LIMIT = 4000;

export class ActionNoteBody implements ActionNoteRequest {
  @ApiPropertyOptional({ maxLength: NOTE_LIMIT })
  @IsOptional()
  @IsString()
  @MaxLength(NOTE_LIMIT)
  note?: string;
}

/** The measures taken, as closing an alarm or an incident needs them: at least one, each once, each coded. */
export const ClosingMeasuresField = () =>
  applyDecorators(ApiProperty({ enum: CLOSING_MEASURES, isArray: true }), IsArray(), ArrayMinSize(1), ArrayUnique(), IsIn(CLOSING_MEASURES, { each: true }));

export class CloseAlarmBody extends ActionNoteBody implements CloseAlarmRequest {
  @ApiProperty({ enum: CLOSING_CAUSES })
  @IsIn(CLOSING_CAUSES)
  cause!: ClosingCause;

  @ClosingMeasuresField()
  measures!: ClosingMeasure[];
}

export class AddLogStepBody extends ActionNoteBody implements AddLogStepRequest {
  @ApiProperty({ enum: MANUAL_LOG_STEPS })
  @IsIn(MANUAL_LOG_STEPS)
  step!: ManualLogStep;
}

export class ChangePriorityBody implements ChangePriorityRequest {
  @ApiProperty({ enum: [10, 20, 30, 40] })
  @IsIn([10, 20, 30, 40])
  severity!: 10 | 20 | 30 | 40;

  @ApiProperty({ minLength: 3, maxLength: 500, description: 'Why the operator ranks it differently from triage' })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}

export class CallOutBody extends ActionNoteBody implements CallOutRequest {
  @ApiPropertyOptional({ description: "The responder team; left out, the team serving the resident's zone" })
  @IsOptional()
  @IsUUID()
  teamId?: string;
}
