import { BadRequestException, ConflictException, ForbiddenException, Injectable, Logger, NotFoundException, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ALERT_CODES, isAlertCode, logStepCode, type DeviceEvent, type LogStepCode, type Severity, triageColourFor } from '@knutepunkt/device-adapters';
import { DataSource, type EntityManager, In, IsNull } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { requireRole, RESPONSE_CENTRE } from '../auth/roles.js';
import type { Principal } from '../auth/session-token.js';
import { Tenancy } from '../auth/tenancy.js';
import { DeviceCommands } from '../devices/device-commands.service.js';
import { DeviceDirectory, type KnownDevice } from '../devices/device-directory.service.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import { StoredEvent } from '../ingest/stored-event.entity.js';
import { JournalService, type QueuedEntry } from '../journal/journal.service.js';
import { type AlarmView, type CallOutReport, RECENTLY_CLOSED_MS, type CallOutRequest, type CloseAlarmRequest, compareQueue, type ManualLogStep } from '../realtime/contract.js';
import { RealtimeGateway } from '../realtime/realtime.gateway.js';
import { ResponderTeams } from '../responders/responder-teams.service.js';
import { TenantTriageRules } from '../triage/tenant-triage-rules.service.js';
import { repeatFamily } from '../triage/triage-rules.js';
import { triage, type TriageContext } from '../triage/triage.js';
import { AlarmEscalation } from './alarm-escalation.service.js';
import { AlarmHolds, type HeldEventKey } from './alarm-holds.service.js';
import { storeDecision } from './alarm-decisions.js';
import { type Actor, decide, type LifecycleAction, type LifecycleRequest, type Refusal } from './alarm-lifecycle.js';
import { HeldEvent } from './held-event.entity.js';
import { AlarmLogEntry } from './alarm-log-entry.entity.js';
import { AlarmViews } from './alarm-views.service.js';
import { Alarm } from './alarm.entity.js';

const CALL_FOR_HELP = 'call-for-help';
const CALL_FOR_HELP_CODES = Object.keys(ALERT_CODES).filter((code) => repeatFamily(code) === CALL_FOR_HELP);


export interface FirstSeenEvent {
  event: DeviceEvent;
  device: KnownDevice;
  receivedAt: Date;
}

/** The alarm lifecycle: raised from events, taken, logged, closed and handed to the journal. */
@Injectable()
export class AlarmsService implements OnModuleInit {
  private readonly logger = new Logger(AlarmsService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tenancy: Tenancy,
    private readonly views: AlarmViews,
    private readonly audit: AuditService,
    private readonly realtime: RealtimeGateway,
    private readonly journal: JournalService,
    private readonly commands: DeviceCommands,
    private readonly escalation: AlarmEscalation,
    private readonly triageRules: TenantTriageRules,
    private readonly holds: AlarmHolds,
    private readonly directory: DeviceDirectory,
    private readonly teams: ResponderTeams,
    private readonly incidents: IncidentsService,
  ) {}

  /**
   * Raises alarms for newly stored events, inside the ingest transaction. A repeat of an alarm
   * the resident already has open (another press within the municipality's window) joins that
   * alarm instead. Returns the ids raised and the ids joined.
   */
  async raiseWithin(
    manager: EntityManager,
    events: FirstSeenEvent[],
    context: TriageContext = {},
  ): Promise<{ raised: string[]; joined: string[]; held: Array<HeldEventKey & { holdUntil: Date }> }> {
    const held: Array<HeldEventKey & { holdUntil: Date }> = [];
    const calling: Array<{ event: DeviceEvent; device: FirstSeenEvent['device'] & { residentId: string }; receivedAt: Date; proposal: ReturnType<typeof triage>; joinable: boolean; windowMinutes: number }> = [];
    for (const { event, device, receivedAt } of events) {
      const { residentId } = device;
      if (!residentId) continue; // an unassigned device's events are stored but concern no one yet
      const rules = await this.triageRules.of(device.tenantId);
      // What a hold waited for (a door closed again): the event it held back raises nothing.
      await this.holds.cancelWithin(manager, device.id, event);
      const proposal = triage(event, { riskFlags: device.residentRiskFlags }, rules, context);
      if (!proposal.raisesAlarm) continue;
      if (proposal.holdSeconds) {
        const hold = { deviceId: device.id, eventId: event.eventId, code: event.code, holdUntil: new Date(receivedAt.getTime() + proposal.holdSeconds * 1000) };
        await manager.insert(HeldEvent, hold);
        held.push(hold);
        continue;
      }
      // Only calls for help join: a resident pressing again is the same call, a second fall is not.
      const joinable = proposal.kind === 'care' && repeatFamily(event.code) === CALL_FOR_HELP && rules.repeatWindowMinutes > 0;
      calling.push({ event, device: { ...device, residentId }, receivedAt, proposal, joinable, windowMinutes: rules.repeatWindowMinutes });
    }
    // One locked read finds every open call for help the batch's presses may join.
    const windows = new Map<string, number>();
    for (const call of calling) if (call.joinable) windows.set(call.device.residentId, call.windowMinutes);
    const openCalls: Map<string, { id?: string }> = await this.openCallsForHelp(manager, windows);
    const stored = new Set([...openCalls.values()]);
    const alarms: Alarm[] = [];
    const repeats: Array<{ call: { id?: string }; event: DeviceEvent; receivedAt: Date }> = [];
    for (const { event, device, receivedAt, proposal, joinable } of calling) {
      const open = joinable ? openCalls.get(device.residentId) : undefined;
      if (open) {
        repeats.push({ call: open, event, receivedAt });
        continue;
      }
      const alarm = manager.create(Alarm, {
        tenantId: device.tenantId,
        residentId: device.residentId,
        deviceId: device.id,
        eventId: event.eventId,
        code: event.code,
        kind: proposal.kind,
        severity: proposal.severity,
        triageColour: proposal.triageColour,
        reason: proposal.reason,
        state: 'reported',
        occurredAt: new Date(event.occurredAt),
        raisedAt: receivedAt,
      });
      alarms.push(alarm);
      // Later presses in this batch join the alarm raised here, once it has its id.
      if (joinable) openCalls.set(device.residentId, alarm);
    }
    const saved = alarms.length > 0 ? await manager.save(Alarm, alarms, { chunk: 500 }) : [];
    if (saved.length > 0) {
      await manager.insert(
        AlarmLogEntry,
        saved.map((alarm) => ({ alarmId: alarm.id, code: 0 as LogStepCode, at: alarm.raisedAt, operatorId: null, note: null })),
      );
    }
    await this.joinRepeats(manager, repeats);
    const joined = [...new Set(repeats.filter((repeat) => stored.has(repeat.call)).map((repeat) => repeat.call.id!))];
    return { raised: saved.map((alarm) => alarm.id), joined, held };
  }

  /** The supply is back: the devices' open power-loss alarms resolve in the transaction that stores the news. */
  async powerRestoredWithin(manager: EntityManager, events: FirstSeenEvent[]): Promise<Alarm[]> {
    const devices = [...new Set(events.filter(({ event }) => event.technical === 'power-restored').map(({ device }) => device.id))];
    if (devices.length === 0) return [];
    const open = (await manager.query(
      `SELECT a.id FROM alarms a JOIN device_events e ON e.device_id = a.device_id AND e.event_id = a.event_id
       WHERE a.device_id = ANY($1) AND a.state <> 'closed' AND e.event->>'technical' = 'power-loss'`,
      [devices],
    )) as Array<{ id: string }>;
    return this.resolveWithin(
      manager,
      open.map((alarm) => alarm.id),
      'Strømmen er tilbake',
    );
  }

  /** Each resident's latest open call for help raised within their municipality's window, locked for the joins. */
  private async openCallsForHelp(manager: EntityManager, windowMinutes: Map<string, number>): Promise<Map<string, { id: string }>> {
    const open = new Map<string, { id: string }>();
    if (windowMinutes.size === 0) return open;
    const rows = (await manager.query(
      `SELECT alarm.id, alarm.resident_id AS "residentId" FROM alarms alarm
         JOIN unnest($1::uuid[], $2::int[]) AS window_of(resident_id, minutes) ON window_of.resident_id = alarm.resident_id
        WHERE alarm.state <> 'closed' AND alarm.code = ANY($3) AND alarm.raised_at > now() - make_interval(mins => window_of.minutes)
        ORDER BY alarm.raised_at DESC
        FOR UPDATE OF alarm`,
      [[...windowMinutes.keys()], [...windowMinutes.values()], CALL_FOR_HELP_CODES],
    )) as Array<{ id: string; residentId: string }>;
    for (const row of rows) if (!open.has(row.residentId)) open.set(row.residentId, { id: row.id });
    return open;
  }

  /** Presses that joined an open call: one count and one log row each, in one statement per alarm and one for the log. */
  private async joinRepeats(manager: EntityManager, repeats: Array<{ call: { id?: string }; event: DeviceEvent; receivedAt: Date }>): Promise<void> {
    if (repeats.length === 0) return;
    const counts = new Map<string, number>();
    for (const { call } of repeats) counts.set(call.id!, (counts.get(call.id!) ?? 0) + 1);
    for (const [alarmId, count] of counts) await manager.increment(Alarm, { id: alarmId }, 'repeatCount', count);
    await manager.insert(
      AlarmLogEntry,
      repeats.map(({ call, event, receivedAt }) => ({
        alarmId: call.id!,
        code: logStepCode('action'),
        at: receivedAt,
        operatorId: null,
        note: `Gjentatt: ${event.code} ${isAlertCode(event.code) ? ALERT_CODES[event.code].display : event.code}`,
      })),
    );
  }

  /** Starts the clocks of events triage held back (after the transaction that stored them). */
  scheduleHolds(held: Array<HeldEventKey & { holdUntil: Date }>): Promise<void> {
    return this.holds.schedule(held);
  }

  /** A held event's time ran out with nothing cancelling it: it raises its alarm now. */
  private async releaseHeld({ deviceId, eventId }: HeldEventKey): Promise<void> {
    const device = await this.directory.find(deviceId);
    if (!device) {
      // Left held, not marked released with nothing raised: it stays in the device's held events for someone to see.
      this.logger.warn(`held event ${eventId} of ${deviceId}: the device is no longer known, nothing raised`);
      return;
    }
    const raised = await this.db.transaction(async (manager) => {
      const released = await manager.update(HeldEvent, { deviceId, eventId, releasedAt: IsNull(), cancelledAt: IsNull() }, { releasedAt: new Date() });
      if (released.affected !== 1) return [];
      const stored = await manager.findOneByOrFail(StoredEvent, { deviceId, eventId });
      return (await this.raiseWithin(manager, [{ event: stored.event, device, receivedAt: new Date() }], { released: true })).raised;
    });
    if (raised.length > 0) await this.announceRaised(raised);
  }

  onModuleInit(): Promise<void> {
    return this.holds.onRelease((key) => this.releaseHeld(key));
  }

  async announceJoined(alarmIds: string[]): Promise<void> {
    if (alarmIds.length === 0) return;
    const alarms = await this.db.getRepository(Alarm).findBy({ id: In(alarmIds) });
    for (const view of await this.views.of(alarms)) this.realtime.alarmUpdated(view);
  }

  async announceRaised(alarmIds: string[]): Promise<void> {
    const alarms = await this.db.getRepository(Alarm).findBy({ id: In(alarmIds) });
    for (const view of await this.views.of(alarms)) this.realtime.alarmRaised(view);
    await this.escalation.schedule(alarmIds);
  }

  /** The operator's queue: open alarms and those closed in the last minutes, most urgent first. */
  async queue(principal: Principal): Promise<AlarmView[]> {
    requireRole(principal, RESPONSE_CENTRE, 'the alarm queue is for the response centre');
    const alarms = await this.tenancy
      .query(principal, Alarm, 'alarm')
      .andWhere("(alarm.state <> 'closed' OR alarm.closedAt > :since)", { since: new Date(Date.now() - RECENTLY_CLOSED_MS) })
      .orderBy('alarm.escalationLevel', 'DESC')
      .addOrderBy('alarm.severity', 'DESC')
      .addOrderBy('alarm.raisedAt', 'ASC')
      .limit(1000)
      .getMany();
    await this.audit.record(principal, 'alarm-queue.read', alarms.map((alarm) => alarm.residentId), 'response-centre queue');
    return (await this.views.of(alarms)).sort(compareQueue);
  }

  async view(principal: Principal, alarmId: string): Promise<AlarmView> {
    const [view] = await this.views.of([await this.tenancy.findOne(principal, Alarm, 'alarm', alarmId)]);
    return view!;
  }

  /**
   * Exactly one operator wins a take: the row lock decides, and the others are told who has
   * it. Taking an alarm one already holds answers with it, so a double click is no error.
   */
  async take(principal: Principal, alarmId: string): Promise<AlarmView> {
    requireRole(principal, RESPONSE_CENTRE, 'only the response centre takes alarms');
    try {
      await this.act(principal, alarmId, { type: 'take' }, { audit: 'alarm.take', purpose: `handling alarm ${alarmId}` });
    } catch (error) {
      const view = await this.view(principal, alarmId);
      if (view.takenBy?.id === principal.operatorId && view.state !== 'closed') return view;
      if (!(error instanceof ConflictException)) throw error;
      throw new ConflictException({
        statusCode: 409,
        message: view.state === 'closed' ? 'the alarm is already closed' : `the alarm is taken by ${view.takenBy?.displayName ?? 'another operator'}`,
        takenBy: view.takenBy ?? undefined,
      });
    }
    const view = await this.announceUpdated(principal, alarmId);
    this.commands.acknowledgeAlarm(view.device.id, view.id);
    return view;
  }

  /** Puts a taken alarm back in the queue for another operator, with a fresh answer limit. */
  async release(principal: Principal, alarmId: string, note: string | undefined): Promise<AlarmView> {
    requireRole(principal, RESPONSE_CENTRE, 'only the response centre handles alarms');
    await this.act(principal, alarmId, { type: 'release', note }, { audit: 'alarm.release', purpose: `releasing alarm ${alarmId}` });
    await this.escalation.schedule([alarmId]);
    return this.announceUpdated(principal, alarmId);
  }

  async addLogStep(principal: Principal, alarmId: string, step: ManualLogStep, note: string | undefined): Promise<AlarmView> {
    requireRole(principal, RESPONSE_CENTRE, 'only the response centre handles alarms');
    await this.act(principal, alarmId, { type: 'log', step, note }, { audit: 'alarm.log', purpose: `logging ${step} on alarm ${alarmId}` });
    return this.announceUpdated(principal, alarmId);
  }

  /**
   * Sends the alarm to call-out: to the team the operator chose, or else to the team serving
   * the resident's zone. The team's responders see it on their phones; the operator keeps the
   * alarm, and the supervisor is told if no one is on site within the municipality's limit.
   */
  async callOut(principal: Principal, alarmId: string, request: CallOutRequest): Promise<AlarmView> {
    requireRole(principal, RESPONSE_CENTRE, 'only the response centre sends call-outs');
    const alarm = await this.tenancy.findOne(principal, Alarm, 'alarm', alarmId);
    const team = await this.teams.forCallOut(alarm, request.teamId);
    const note = [team.name, request.note?.trim()].filter(Boolean).join(': ');
    const next = await this.act(principal, alarmId, { type: 'call-out', teamId: team.id, note }, { audit: 'alarm.call-out', purpose: `calling out ${team.name} for alarm ${alarmId}` });
    await this.escalation.scheduleOnSite(alarmId, next.calledOutAt!);
    return this.announceUpdated(principal, alarmId, team.id);
  }

  async cancelCallOut(principal: Principal, alarmId: string, note: string | undefined): Promise<AlarmView> {
    requireRole(principal, RESPONSE_CENTRE, 'only the response centre cancels call-outs');
    const before = await this.tenancy.findOne(principal, Alarm, 'alarm', alarmId);
    await this.act(principal, alarmId, { type: 'cancel-call-out', note }, { audit: 'alarm.cancel-call-out', purpose: `cancelling the call-out of alarm ${alarmId}` });
    return this.announceUpdated(principal, alarmId, before.callOutTeamId);
  }

  /**
   * A responder (or the operator, for a team that phones in) accepts a call-out, reports on
   * site or reports done; done hands the alarm back to its operator, who closes it.
   */
  async reportCallOut(principal: Principal, alarmId: string, report: CallOutReport, note: string | undefined): Promise<AlarmView> {
    requireRole(principal, [...RESPONSE_CENTRE, 'responder'], 'only responders and the response centre report on call-outs');
    const before = await this.tenancy.findOne(principal, Alarm, 'alarm', alarmId);
    const type = report === 'accept' ? 'accept-call-out' : report;
    await this.act(principal, alarmId, { type, note }, { audit: `alarm.${type}`, purpose: `call-out for alarm ${alarmId}: ${report}` });
    return this.announceUpdated(principal, alarmId, before.callOutTeamId);
  }

  /** Closes with coded cause and measures, and writes the journal entry in the same transaction. */
  async close(principal: Principal, alarmId: string, request: CloseAlarmRequest): Promise<AlarmView> {
    requireRole(principal, RESPONSE_CENTRE, 'only the response centre closes alarms');
    let entry: QueuedEntry | undefined;
    await this.act(
      principal,
      alarmId,
      { type: 'close', cause: request.cause, measures: request.measures, note: request.note },
      {
        audit: 'alarm.close',
        purpose: `closing alarm ${alarmId} and journaling it`,
        within: async (manager) => {
          entry = (await this.journal.writeWithin(manager, alarmId)) ?? undefined;
        },
      },
    );
    // The outbox holds the entry; if Redis is away now, the outbox sweep queues it later.
    if (entry) this.journal.dispatch(entry).catch((error: Error) => this.logger.warn(`journal entry ${entry!.id} waits in the outbox: ${error.message}`));
    return this.announceUpdated(principal, alarmId);
  }

  /** An alarm closed too soon (the resident calls back about the same thing) is handled again by whoever reopens it. */
  async reopen(principal: Principal, alarmId: string, note: string | undefined): Promise<AlarmView> {
    requireRole(principal, RESPONSE_CENTRE, 'only the response centre reopens alarms');
    await this.act(principal, alarmId, { type: 'reopen', note }, { audit: 'alarm.reopen', purpose: `reopening alarm ${alarmId}` });
    return this.announceUpdated(principal, alarmId);
  }

  /**
   * Triage proposes, the operator decides: a changed priority is logged on the alarm with the
   * operator's reason and audited, and the alarm takes its new place in every queue.
   */
  async changePriority(principal: Principal, alarmId: string, severity: Severity, reason: string): Promise<AlarmView> {
    const alarm = await this.tenancy.findOne(principal, Alarm, 'alarm', alarmId);
    if (alarm.state === 'closed') throw new ConflictException('the alarm is closed');
    await this.db.transaction(async (manager) => {
      const note = `Prioritet endret fra ${alarm.severity} til ${severity}: ${reason}`;
      const changed = await manager
        .createQueryBuilder()
        .update(Alarm)
        .set({ severity, triageColour: triageColourFor(severity), reason: `${alarm.reason}; ${note} (${principal.displayName})` })
        .where("id = :id AND state <> 'closed'", { id: alarmId })
        .execute();
      if (changed.affected !== 1) throw new ConflictException('the alarm is closed');
      await manager.insert(AlarmLogEntry, { alarmId, code: logStepCode('action'), at: new Date(), operatorId: principal.operatorId, note });
      await this.audit.record(principal, 'alarm.priority', [alarm.residentId], `priority of alarm ${alarmId}: ${reason}`, manager);
    });
    return this.announceUpdated(principal, alarmId);
  }

  /**
   * The hub resolves an alarm whose cause went away by itself (a device back in contact): an
   * alarm no one has taken is closed as technical with nothing to do; one being handled gets
   * the news in its log, and its operator closes it. Technical alarms are not journaled.
   */
  async resolveByHub(alarmId: string, note: string): Promise<void> {
    await this.announceResolved(await this.db.transaction((manager) => this.resolveWithin(manager, [alarmId], note)));
    await this.incidents.alarmsChanged([alarmId]);
  }

  /** resolveByHub inside the caller's transaction, for alarms whose end is stored in it; returns those that changed. */
  async resolveWithin(manager: EntityManager, alarmIds: readonly string[], note: string): Promise<Alarm[]> {
    if (alarmIds.length === 0) return [];
    const alarms = await manager.getRepository(Alarm).createQueryBuilder('alarm').where('alarm.id = ANY(:alarmIds)', { alarmIds: [...alarmIds] }).orderBy('alarm.id').setLock('pessimistic_write').getMany();
    const resolved: Alarm[] = [];
    for (const alarm of alarms) {
      const decision = decide(alarm, { type: 'hub-resolve', note, actor: { kind: 'hub' }, at: new Date() });
      if (decision.ok) resolved.push(await storeDecision(manager, alarm, decision.next, decision.log)); // else already closed
    }
    return resolved;
  }

  async announceResolved(alarms: Alarm[]): Promise<void> {
    for (const view of await this.views.of(alarms)) this.realtime.alarmUpdated(view);
  }

  /**
   * One lifecycle action, decided by the state machine under a lock on the alarm's row: either
   * the whole change (state, log entries with who and when, audit, `within`) commits, or none.
   */
  private async act(
    principal: Principal,
    alarmId: string,
    request: LifecycleRequest,
    options: { audit: string; purpose: string; within?: (manager: EntityManager) => Promise<void> },
  ): Promise<Alarm> {
    const changed = await this.db.transaction(async (manager) => {
      const alarm = await this.tenancy.query(principal, Alarm, 'alarm', manager).andWhere('alarm.id = :alarmId', { alarmId }).setLock('pessimistic_write').getOne();
      if (!alarm) throw new NotFoundException(`no alarm ${alarmId}`);
      const decision = decide(alarm, { ...request, actor: actorOf(principal), at: new Date() } as LifecycleAction);
      if (!decision.ok) throw refusalError(decision.refusal, decision.reason);
      const next = await storeDecision(manager, alarm, decision.next, decision.log);
      await this.audit.record(principal, options.audit, [alarm.residentId], options.purpose, manager);
      await options.within?.(manager);
      return next;
    });
    // An incident's alarm closed (or reopened, taken, released) on its own: the incident may have ended with it.
    await this.incidents.alarmsChanged([alarmId]).catch((error: Error) => this.logger.error(`settling the incident of alarm ${alarmId}: ${error.message}`));
    return changed;
  }

  /** Announces the alarm to the consoles of its tenant, and to the responder team that has (or just had) its call-out. */
  private async announceUpdated(principal: Principal, alarmId: string, teamId?: string | null): Promise<AlarmView> {
    const view = await this.view(principal, alarmId);
    this.realtime.alarmUpdated(view);
    const team = teamId ?? view.callOut?.team.id;
    if (team) this.realtime.callOutUpdated(team, view);
    return view;
  }
}

function actorOf(principal: Principal): Actor {
  if (principal.role === 'responder' && principal.teamId) return { kind: 'responder', id: principal.operatorId, teamId: principal.teamId };
  return { kind: 'operator', id: principal.operatorId };
}

/** A refusal as an HTTP answer: someone else has it or the state is wrong 409, not yours to do 403, bad input 400. */
function refusalError(refusal: Refusal, reason: string): Error {
  switch (refusal) {
    case 'state':
    case 'holder':
      return new ConflictException(reason);
    case 'actor':
      return new ForbiddenException(reason);
    case 'input':
      return new BadRequestException(reason);
  }
}
