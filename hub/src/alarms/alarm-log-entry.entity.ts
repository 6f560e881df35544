import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { LogStepCode } from '@knutepunkt/device-adapters';

/** One step of an alarm's response-centre log (a VKP composition event). */
@Entity('alarm_log')
export class AlarmLogEntry {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column('uuid', { name: 'alarm_id' })
  alarmId!: string;

  @Column('smallint')
  code!: LogStepCode;

  @Column('timestamptz')
  at!: Date;

  @Column('uuid', { name: 'operator_id', nullable: true })
  operatorId!: string | null;

  @Column('text', { nullable: true })
  note!: string | null;
}
