import { Column, Entity, PrimaryColumn } from 'typeorm';

/** When a municipality's response-centre shifts change; without a row, 07:00, 15:00 and 23:00. */
@Entity('shift_plans')
export class ShiftPlan {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** Wall-clock times in Europe/Oslo, `HH:MM`, in order of the day. */
  @Column('text', { name: 'shift_changes', array: true })
  shiftChanges!: string[];
}
