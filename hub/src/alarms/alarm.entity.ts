import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AlertKind, Severity, TriageColour } from '@knutepunkt/device-adapters';
import type { AlarmState, ClosingCause, ClosingMeasure, JournalStatus } from '../realtime/contract.js';

@Entity('alarms')
export class Alarm {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'resident_id' })
  residentId!: string;

  @Column('varchar', { name: 'device_id', length: 64 })
  deviceId!: string;

  /** The event that raised it: one alarm per event, however often the event is redelivered. */
  @Column('varchar', { name: 'event_id', length: 128 })
  eventId!: string;

  @Column('text')
  code!: string;

  @Column('text')
  kind!: AlertKind;

  @Column('smallint')
  severity!: Severity;

  @Column('text', { name: 'triage_colour' })
  triageColour!: TriageColour;

  @Column('text')
  reason!: string;

  @Column('text')
  state!: AlarmState;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt!: Date;

  @Column('timestamptz', { name: 'raised_at' })
  raisedAt!: Date;

  @Column('uuid', { name: 'taken_by', nullable: true })
  takenBy!: string | null;

  @Column('timestamptz', { name: 'taken_at', nullable: true })
  takenAt!: Date | null;

  @Column('timestamptz', { name: 'closed_at', nullable: true })
  closedAt!: Date | null;

  @Column('text', { nullable: true })
  cause!: ClosingCause | null;

  @Column('text', { array: true, default: () => "'{}'" })
  measures!: ClosingMeasure[];

  @Column('text', { name: 'closing_note', nullable: true })
  closingNote!: string | null;

  /** How many times the alarm passed its answer limit untaken. */
  @Column('integer', { name: 'escalation_level', default: 0 })
  escalationLevel!: number;

  @Column('timestamptz', { name: 'escalated_at', nullable: true })
  escalatedAt!: Date | null;

  /** Further presses from the resident that joined this alarm instead of raising their own. */
  @Column('integer', { name: 'repeat_count', default: 0 })
  repeatCount!: number;

  /** The responder team of a call-out under way; null otherwise. */
  @Column('uuid', { name: 'call_out_team_id', nullable: true })
  callOutTeamId!: string | null;

  /** The responder who has the call-out, once accepted. */
  @Column('uuid', { name: 'responder_id', nullable: true })
  responderId!: string | null;

  /** When the latest call-out was made and when its responder reported on site: kept after it ends, for service levels. */
  @Column('timestamptz', { name: 'called_out_at', nullable: true })
  calledOutAt!: Date | null;

  @Column('timestamptz', { name: 'on_site_at', nullable: true })
  onSiteAt!: Date | null;

  /** When an operator last put it back in the queue: its answer clock runs from then. */
  @Column('timestamptz', { name: 'released_at', nullable: true })
  releasedAt!: Date | null;

  /** The incident (a possible power or network outage) it is handled as part of; see src/incidents. */
  @Column('uuid', { name: 'incident_id', nullable: true })
  incidentId!: string | null;

  @Column('text', { name: 'journal_status', default: 'not-journaled' })
  journalStatus!: JournalStatus;

  @Column('timestamptz', { name: 'journal_at', nullable: true })
  journalAt!: Date | null;

  @Column('text', { name: 'journal_error', nullable: true })
  journalError!: string | null;
}
