import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ResponderTeamView } from '../realtime/contract.js';

/** A home-care team that goes out to residents of the zones it serves. */
@Entity('responder_teams')
export class ResponderTeam {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  name!: string;

  /** The team's duty phone, for an operator calling them rather than waiting for a tap. */
  @Column('text', { nullable: true })
  phone!: string | null;

  @Column('text', { array: true, default: () => "'{}'" })
  zones!: string[];
}

export function teamView(team: ResponderTeam): ResponderTeamView {
  return { id: team.id, name: team.name, phone: team.phone, zones: team.zones };
}
