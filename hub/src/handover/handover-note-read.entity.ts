import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A read receipt: this operator has seen the note, first at this time. */
@Entity('handover_note_reads')
export class HandoverNoteRead {
  @PrimaryColumn('uuid', { name: 'note_id' })
  noteId!: string;

  @PrimaryColumn('uuid', { name: 'operator_id' })
  operatorId!: string;

  @Column('timestamptz', { name: 'read_at' })
  readAt!: Date;
}
