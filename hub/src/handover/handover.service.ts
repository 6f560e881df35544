import { BadRequestException, ForbiddenException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { Operator } from '../auth/operator.entity.js';
import { RESPONSE_CENTRE, requireRole } from '../auth/roles.js';
import type { Principal } from '../auth/session-token.js';
import { Tenancy } from '../auth/tenancy.js';
import type { HandoverBoard, HandoverNoteView, HandoverSignal, OperatorRef, ResidentSummary, ShiftPlanView, WriteHandoverNoteRequest } from '../realtime/contract.js';
import { RealtimeGateway } from '../realtime/realtime.gateway.js';
import { Resident } from '../residents/resident.entity.js';
import { HandoverNoteRead } from './handover-note-read.entity.js';
import { HandoverNote } from './handover-note.entity.js';
import { ShiftPlan } from './shift-plan.entity.js';
import { DEFAULT_SHIFT_CHANGES, InvalidShiftChanges, noteExpiry, readShiftChanges, shiftAt } from './shifts.js';

const RESIDENT_SEARCH_LIMIT = 20;

const signalOf = (note: HandoverNote): HandoverSignal => ({ id: note.id, tenantId: note.tenantId, kind: note.kind, residentId: note.residentId });

/** Shift handover notes: written by the outgoing shift, read and resolved by the incoming one. */
@Injectable()
export class HandoverService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tenancy: Tenancy,
    private readonly audit: AuditService,
    private readonly realtime: RealtimeGateway,
  ) {}

  /** The current notes of the operator's municipalities (or of one resident), newest first; reading resident notes is audited. */
  async board(principal: Principal, residentId?: string): Promise<HandoverBoard> {
    this.mustHandOver(principal);
    const now = new Date();
    const query = this.tenancy
      .query(principal, HandoverNote, 'note')
      .andWhere('note.resolvedAt IS NULL')
      .andWhere('note.expiresAt > :now', { now })
      .orderBy('note.writtenAt', 'DESC')
      .addOrderBy('note.id', 'ASC');
    if (residentId) query.andWhere('note.residentId = :residentId', { residentId });
    const notes = await this.views(principal, await query.getMany());
    await this.audit.record(
      principal,
      'handover.read',
      notes.flatMap((note) => (note.resident ? [note.resident.id] : [])),
      residentId ? 'handover notes beside the resident' : 'shift handover',
    );
    return { notes, shifts: await this.shiftPlans(principal, now) };
  }

  async write(principal: Principal, request: WriteHandoverNoteRequest): Promise<HandoverNoteView> {
    this.mustHandOver(principal);
    let tenantId: string;
    let residentId: string | null = null;
    if (request.kind === 'resident') {
      const resident = await this.tenancy.findOne(principal, Resident, 'resident', request.residentId!);
      tenantId = resident.tenantId;
      residentId = resident.id;
    } else {
      tenantId = this.shiftNoteTenant(principal, request.tenantId);
    }
    const writtenAt = new Date();
    const expiresAt = noteExpiry(request.kind, writtenAt, await this.shiftChangesOf(tenantId), request.days);
    const note = await this.db.transaction(async (manager) => {
      const saved = await manager.save(
        manager.create(HandoverNote, { tenantId, kind: request.kind, residentId, text: request.text.trim(), writtenBy: principal.operatorId, writtenAt, expiresAt, resolvedAt: null, resolvedBy: null }),
      );
      // The writer has read what they wrote: it is never unread on their own desk.
      await manager.insert(HandoverNoteRead, { noteId: saved.id, operatorId: principal.operatorId, readAt: writtenAt });
      if (residentId) await this.audit.record(principal, 'handover.write', [residentId], 'handover note for the next shift', manager);
      return saved;
    });
    this.realtime.handoverNoted(signalOf(note));
    return this.viewOf(principal, note);
  }

  /** A read receipt: the first time the operator marked the note read is kept. */
  async markRead(principal: Principal, id: string): Promise<HandoverNoteView> {
    this.mustHandOver(principal);
    const note = await this.tenancy.findOne(principal, HandoverNote, 'note', id);
    await this.db.transaction(async (manager) => {
      await manager.createQueryBuilder().insert().into(HandoverNoteRead).values({ noteId: note.id, operatorId: principal.operatorId, readAt: new Date() }).orIgnore().execute();
      if (note.residentId) await this.audit.record(principal, 'handover.mark-read', [note.residentId], 'shift handover', manager);
    });
    return this.viewOf(principal, note);
  }

  /** Done with: no longer handed over. Resolving again changes nothing, and keeps who resolved it first. */
  async resolve(principal: Principal, id: string): Promise<HandoverNoteView> {
    this.mustHandOver(principal);
    const note = await this.tenancy.findOne(principal, HandoverNote, 'note', id);
    const resolved = await this.db.transaction(async (manager) => {
      const [rows] = (await manager.query(
        'UPDATE handover_notes SET resolved_at = now(), resolved_by = $2 WHERE id = $1 AND resolved_at IS NULL RETURNING resolved_at',
        [note.id, principal.operatorId],
      )) as [Array<{ resolved_at: Date }>, number];
      if (note.residentId) await this.audit.record(principal, 'handover.resolve', [note.residentId], 'handover note resolved', manager);
      return rows[0];
    });
    if (resolved) this.realtime.handoverResolved(signalOf(note));
    return this.viewOf(principal, await this.tenancy.findOne(principal, HandoverNote, 'note', id));
  }

  /** The operator's residents whose name holds `search`, to choose one for a note; audited like every read of residents. */
  async residents(principal: Principal, search: string): Promise<ResidentSummary[]> {
    this.mustHandOver(principal);
    const residents = await this.tenancy
      .query(principal, Resident, 'resident')
      .andWhere("resident.name ILIKE :pattern ESCAPE '\\'", { pattern: `%${search.replace(/[\\%_]/g, (character) => `\\${character}`)}%` })
      .orderBy('resident.name', 'ASC')
      .addOrderBy('resident.id', 'ASC')
      .limit(RESIDENT_SEARCH_LIMIT)
      .getMany();
    await this.audit.record(principal, 'handover.resident-search', residents.map((resident) => resident.id), 'choosing a resident for a handover note');
    return residents.map((resident) => ({ id: resident.id, name: resident.name, address: resident.address }));
  }

  /** The shift changes and the shift in progress of each of the operator's municipalities. */
  async shiftPlans(principal: Principal, now = new Date()): Promise<ShiftPlanView[]> {
    this.mustHandOver(principal);
    const plans = await this.tenancy.query(principal, ShiftPlan, 'plan').getMany();
    const changesOf = new Map(plans.map((plan) => [plan.tenantId, plan.shiftChanges]));
    return principal.tenantIds.map((tenantId) => planView(tenantId, changesOf.get(tenantId) ?? DEFAULT_SHIFT_CHANGES, now));
  }

  /** A municipality's admin sets when its shifts change; notes already written keep their expiry. */
  async replaceShiftPlan(principal: Principal, tenantId: string, shiftChanges: string[]): Promise<ShiftPlanView> {
    this.tenancy.requireAdmin(principal, tenantId, "only the municipality's admin changes its shifts");
    let changes: string[];
    try {
      changes = readShiftChanges(shiftChanges);
    } catch (error) {
      if (error instanceof InvalidShiftChanges) throw new BadRequestException(error.message);
      throw error;
    }
    await this.db.query('INSERT INTO shift_plans (tenant_id, shift_changes) VALUES ($1, $2) ON CONFLICT (tenant_id) DO UPDATE SET shift_changes = EXCLUDED.shift_changes', [
      tenantId,
      changes,
    ]);
    return planView(tenantId, changes, new Date());
  }

  /** The response centre hands over; a vendor's account or a responder never sees a note. */
  private mustHandOver(principal: Principal): void {
    requireRole(principal, RESPONSE_CENTRE, 'handover notes are for the response centre');
  }

  private shiftNoteTenant(principal: Principal, tenantId: string | undefined): string {
    if (tenantId === undefined) {
      if (principal.tenantIds.length === 1) return principal.tenantIds[0]!;
      throw new BadRequestException('tenantId: you serve several municipalities; say which the shift note is for');
    }
    if (!this.tenancy.admits(principal, tenantId)) throw new ForbiddenException('tenantId: not your municipality');
    return tenantId;
  }

  private async shiftChangesOf(tenantId: string): Promise<readonly string[]> {
    const plan = await this.db.getRepository(ShiftPlan).findOneBy({ tenantId });
    return plan ? readShiftChanges(plan.shiftChanges) : DEFAULT_SHIFT_CHANGES;
  }

  private async viewOf(principal: Principal, note: HandoverNote): Promise<HandoverNoteView> {
    const [view] = await this.views(principal, [note]);
    return view!;
  }

  /** Notes as the console shows them: writer, resolver, resident and read receipts, a few queries for any number. */
  private async views(principal: Principal, notes: HandoverNote[]): Promise<HandoverNoteView[]> {
    if (notes.length === 0) return [];
    const residentIds = [...new Set(notes.flatMap((note) => (note.residentId ? [note.residentId] : [])))];
    const [reads, residents] = await Promise.all([
      this.db.getRepository(HandoverNoteRead).find({ where: { noteId: In(notes.map((note) => note.id)) }, order: { readAt: 'ASC', operatorId: 'ASC' } }),
      residentIds.length ? this.db.getRepository(Resident).find({ where: { id: In(residentIds) }, select: ['id', 'name', 'address'] }) : [],
    ]);
    const operatorIds = [...new Set([...notes.flatMap((note) => [note.writtenBy, ...(note.resolvedBy ? [note.resolvedBy] : [])]), ...reads.map((read) => read.operatorId)])];
    const operators = await this.db.getRepository(Operator).find({ where: { id: In(operatorIds) }, select: ['id', 'displayName'] });
    const operatorById = new Map(operators.map((operator) => [operator.id, { id: operator.id, displayName: operator.displayName }]));
    const operatorRef = (id: string): OperatorRef => operatorById.get(id) ?? { id, displayName: '?' };
    const residentById = new Map(residents.map((resident) => [resident.id, { id: resident.id, name: resident.name, address: resident.address }]));
    return notes.map((note) => {
      const receipts = reads.filter((read) => read.noteId === note.id);
      return {
        id: note.id,
        tenantId: note.tenantId,
        kind: note.kind,
        resident: note.residentId ? (residentById.get(note.residentId) ?? { id: note.residentId, name: '', address: '' }) : null,
        text: note.text,
        writtenBy: operatorRef(note.writtenBy),
        writtenAt: note.writtenAt.toISOString(),
        expiresAt: note.expiresAt.toISOString(),
        resolvedAt: note.resolvedAt?.toISOString() ?? null,
        resolvedBy: note.resolvedBy ? operatorRef(note.resolvedBy) : null,
        readAt: receipts.find((read) => read.operatorId === principal.operatorId)?.readAt.toISOString() ?? null,
        readBy: receipts.map((read) => ({ operator: operatorRef(read.operatorId), at: read.readAt.toISOString() })),
      };
    });
  }
}

function planView(tenantId: string, shiftChanges: readonly string[], now: Date): ShiftPlanView {
  const shift = shiftAt(now, shiftChanges);
  return { tenantId, shiftChanges: [...shiftChanges], currentShift: { start: shift.start.toISOString(), end: shift.end.toISOString() } };
}
