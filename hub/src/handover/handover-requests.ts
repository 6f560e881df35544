import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  type ValidationArguments,
} from 'class-validator';
import { HANDOVER_NOTE_KINDS, type HandoverNoteKind, type WriteHandoverNoteRequest } from '../realtime/contract.js';
import { RESIDENT_NOTE_DAYS } from './shifts.js';

export const HANDOVER_TEXT_LIMIT = 2000;

/** A field that only one kind of note may carry; given with the other kind it is refused, naming the field. */
function OnlyFor(kind: HandoverNoteKind, message: string): PropertyDecorator {
  return ValidateBy({
    name: 'onlyFor',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => value === undefined || (args?.object as { kind?: unknown }).kind === kind,
      defaultMessage: () => message,
    },
  });
}

export class WriteHandoverNoteBody implements WriteHandoverNoteRequest {
  @ApiProperty({ enum: HANDOVER_NOTE_KINDS })
  @IsIn(HANDOVER_NOTE_KINDS)
  kind!: HandoverNoteKind;

  @ApiProperty({ maxLength: HANDOVER_TEXT_LIMIT, example: 'Astrid har vært urolig i natt, ring datter ved ny alarm' })
  @IsString()
  @MaxLength(HANDOVER_TEXT_LIMIT)
  @Matches(/\S/, { message: 'text must not be blank' })
  text!: string;

  @ApiPropertyOptional({ description: 'Required for a resident note; the note belongs to the resident’s municipality' })
  @ValidateIf((body: WriteHandoverNoteBody) => body.kind === 'resident' || body.residentId !== undefined)
  @OnlyFor('resident', 'residentId: only a resident note names a resident')
  @IsUUID()
  residentId?: string;

  @ApiPropertyOptional({ description: 'For a shift note: which municipality; may be left out by an operator of one municipality' })
  @IsOptional()
  @OnlyFor('shift', "tenantId: a resident note belongs to the resident's municipality; leave it out")
  @IsUUID()
  tenantId?: string;

  @ApiPropertyOptional({ minimum: RESIDENT_NOTE_DAYS.min, maximum: RESIDENT_NOTE_DAYS.max, default: RESIDENT_NOTE_DAYS.default })
  @IsOptional()
  @OnlyFor('resident', 'days: only a resident note lasts a chosen number of days')
  @IsInt()
  @Min(RESIDENT_NOTE_DAYS.min)
  @Max(RESIDENT_NOTE_DAYS.max)
  days?: number;
}

export class HandoverQuery {
  @ApiPropertyOptional({ description: "Only this resident's notes (the resident panel of an alarm)" })
  @IsOptional()
  @IsUUID()
  residentId?: string;
}

export class ResidentSearchQuery {
  @ApiProperty({ minLength: 2, maxLength: 100, description: 'Part of the name' })
  @IsString()
  @MinLength(2)
  @MaxLength(100)
  search!: string;
}

export class ShiftPlanBody {
  @ApiProperty({ example: ['07:00', '15:00', '23:00'], description: 'Times of day in Europe/Oslo at which shifts change' })
  // The times themselves are read by readShiftChanges (shifts.ts), the one place that knows a shift plan.
  @IsArray()
  shiftChanges!: string[];
}
