import { ConflictException, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ALERT_CODES, isAlertCode, logStepCode, type DeviceEvent, type LogStepCode, type Severity, triageColourFor } from '@knutepunkt/device-adapters';
import { DataSource, type EntityManager, In, IsNull } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/session-token.js';
import { Tenancy } from '../auth/tenancy.js';
import { DeviceCommands } from '../devices/device-commands.service.js';
import { DeviceDirectory, type KnownDevice } from '../devices/device-directory.service.js';
import { StoredEvent } from '../ingest/stored-event.entity.js';
import { JournalService } from '../journal/journal.service.js';
import { type AlarmView, type CloseAlarmRequest, compareQueue, type ManualLogStep } from '../realtime/contract.js';
import { RealtimeGateway } from '../realtime/realtime.gateway.js';
import { TenantTriageRules } from '../triage/tenant-triage-rules.service.js';
import { repeatFamily } from '../triage/triage-rules.js';
import { triage, type TriageContext } from '../triage/triage.js';
import { AlarmEscalation } from './alarm-escalation.service.js';
import { AlarmHolds, type HeldEventKey } from './alarm-holds.service.js';
import { HeldEvent } from './held-event.entity.js';
import { AlarmLogEntry } from './alarm-log-entry.entity.js';
import { AlarmViews } from './alarm-views.service.js';
import { Alarm } from './alarm.entity.js';

const CALL_FOR_HELP = 'call-for-help';
const CALL_FOR_HELP_CODES = Object.keys(ALERT_CODES).filter((code) => repeatFamily(code) === CALL_FOR_HELP);

/** How long a closed alarm stays in the queue view, greyed, so the operator sees it went. */
const RECENTLY_CLOSED_MS = 10 * 60 * 1000;

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
    const joined = new Set<string>();
    const held: Array<HeldEventKey & { holdUntil: Date }> = [];
    const alarms: Alarm[] = [];
    const openInBatch = new Map<string, Alarm>();
    /** Repeats of alarms raised in this very batch, joined once those have their ids. */
    const repeatsInBatch: Array<{ alarm: Alarm; event: DeviceEvent; receivedAt: Date }> = [];
    for (const { event, device, receivedAt } of events) {
      if (!device.residentId) continue; // an unassigned device's events are stored but concern no one yet
      const rules = await this.triageRules.of(device.tenantId);
      // A door closed again: the opening it held back raises nothing.
      if (event.code === '4.16') await manager.update(HeldEvent, { deviceId: device.id, code: '4.15', releasedAt: IsNull(), cancelledAt: IsNull() }, { cancelledAt: new Date() });
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
      const family = `${device.residentId}|${CALL_FOR_HELP}`;
      const open = joinable ? (openInBatch.get(family) ?? (await this.openCallForHelp(manager, device.residentId, rules.repeatWindowMinutes))) : undefined;
      if (open?.id) {
        await this.joinRepeat(manager, open.id, event, receivedAt);
        joined.add(open.id);
        continue;
      }
      if (open) {
        repeatsInBatch.push({ alarm: open, event, receivedAt });
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
      if (joinable) openInBatch.set(family, alarm);
    }
    if (alarms.length === 0) return { raised: [], joined: [...joined], held };
    const saved = await manager.save(Alarm, alarms, { chunk: 500 });
    await manager.insert(
      AlarmLogEntry,
      saved.map((alarm) => ({ alarmId: alarm.id, code: 0 as LogStepCode, at: alarm.raisedAt, operatorId: null, note: null })),
    );
    for (const repeat of repeatsInBatch) await this.joinRepeat(manager, repeat.alarm.id, repeat.event, repeat.receivedAt);
    return { raised: saved.map((alarm) => alarm.id), joined: [...joined], held };
  }

  /** The resident's open call for help raised within the window, if any. */
  private async openCallForHelp(manager: EntityManager, residentId: string, windowMinutes: number): Promise<Alarm | undefined> {
    return (
      (await manager
        .getRepository(Alarm)
        .createQueryBuilder('alarm')
        .where("alarm.residentId = :residentId AND alarm.state <> 'closed' AND alarm.code IN (:...codes)", { residentId, codes: CALL_FOR_HELP_CODES })
        .andWhere('alarm.raisedAt > now() - make_interval(mins => :windowMinutes)', { windowMinutes })
        .orderBy('alarm.raisedAt', 'DESC')
        .setLock('pessimistic_write')
        .getOne()) ?? undefined
    );
  }

  private async joinRepeat(manager: EntityManager, alarmId: string, event: DeviceEvent, at: Date): Promise<void> {
    await manager.increment(Alarm, { id: alarmId }, 'repeatCount', 1);
    const display = isAlertCode(event.code) ? ALERT_CODES[event.code].display : event.code;
    await manager.insert(AlarmLogEntry, { alarmId, code: logStepCode('action'), at, operatorId: null, note: `Gjentatt: ${event.code} ${display}` });
  }

  /** Starts the clocks of events triage held back (after the transaction that stored them). */
  scheduleHolds(held: Array<HeldEventKey & { holdUntil: Date }>): Promise<void> {
    return this.holds.schedule(held);
  }

  /** A held event's time ran out with nothing cancelling it: it raises its alarm now. */
  private async releaseHeld({ deviceId, eventId }: HeldEventKey): Promise<void> {
    const device = await this.directory.find(deviceId);
    const raised = await this.db.transaction(async (manager) => {
      const released = await manager.update(HeldEvent, { deviceId, eventId, releasedAt: IsNull(), cancelledAt: IsNull() }, { releasedAt: new Date() });
      if (released.affected !== 1 || !device) return [];
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

  /** Exactly one operator wins a take: the database decides. */
  async take(principal: Principal, alarmId: string): Promise<AlarmView> {
    const alarm = await this.tenancy.findOne(principal, Alarm, 'alarm', alarmId);
    const won = await this.db.transaction(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(Alarm)
        .set({ state: 'being-handled', takenBy: principal.operatorId, takenAt: () => 'now()' })
        .where("id = :id AND state = 'reported'", { id: alarm.id })
        .execute();
      if (result.affected !== 1) return false;
      await manager.insert(AlarmLogEntry, { alarmId: alarm.id, code: logStepCode('being-handled'), at: new Date(), operatorId: principal.operatorId, note: null });
      await this.audit.record(principal, 'alarm.take', [alarm.residentId], `handling alarm ${alarm.id}`, manager);
      return true;
    });
    const view = await this.view(principal, alarmId);
    const mine = view.state === 'being-handled' && view.takenBy?.id === principal.operatorId;
    if (!won && !mine) {
      throw new ConflictException({
        statusCode: 409,
        message: view.state === 'closed' ? 'the alarm is already closed' : `the alarm is taken by ${view.takenBy?.displayName ?? 'another operator'}`,
        takenBy: view.takenBy ?? undefined,
      });
    }
    if (won) {
      this.realtime.alarmUpdated(view);
      this.commands.acknowledgeAlarm(view.device.id, view.id);
    }
    return view;
  }

  async addLogStep(principal: Principal, alarmId: string, step: ManualLogStep, note: string | undefined): Promise<AlarmView> {
    const alarm = await this.handledBy(principal, alarmId);
    await this.db.transaction(async (manager) => {
      // Holding the alarm row keeps a close from committing between the check and the insert,
      // so no step is left out of the journal entry.
      const [held] = (await manager.query("SELECT id FROM alarms WHERE id = $1 AND state = 'being-handled' AND taken_by = $2 FOR SHARE", [
        alarmId,
        principal.operatorId,
      ])) as unknown[];
      if (!held) throw new ConflictException('the alarm changed: reload it');
      await manager.insert(AlarmLogEntry, { alarmId, code: logStepCode(step), at: new Date(), operatorId: principal.operatorId, note: note ?? null });
      await this.audit.record(principal, 'alarm.log', [alarm.residentId], `logging ${step} on alarm ${alarmId}`, manager);
    });
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

  /** Closes with coded cause and measures, and writes the journal entry in the same transaction. */
  async close(principal: Principal, alarmId: string, request: CloseAlarmRequest): Promise<AlarmView> {
    const alarm = await this.handledBy(principal, alarmId);
    const outboxId = await this.db.transaction(async (manager) => {
      const now = new Date();
      const result = await manager
        .createQueryBuilder()
        .update(Alarm)
        .set({ state: 'closed', closedAt: now, cause: request.cause, measures: request.measures, closingNote: request.note ?? null, journalStatus: 'pending' })
        .where("id = :id AND state = 'being-handled' AND taken_by = :operatorId", { id: alarmId, operatorId: principal.operatorId })
        .execute();
      if (result.affected !== 1) throw new ConflictException('the alarm changed while you closed it: reload it');
      await manager.insert(AlarmLogEntry, [
        { alarmId, code: logStepCode('cause'), at: now, operatorId: principal.operatorId, note: request.cause },
        { alarmId, code: logStepCode('measures'), at: now, operatorId: principal.operatorId, note: request.measures.join(', ') },
        { alarmId, code: logStepCode('acknowledged'), at: now, operatorId: principal.operatorId, note: request.note ?? null },
      ]);
      await this.audit.record(principal, 'alarm.close', [alarm.residentId], `closing alarm ${alarmId} and journaling it`, manager);
      return this.journal.writeWithin(manager, alarmId);
    });
    // The outbox holds the entry; if Redis is away now, the outbox sweep queues it later.
    this.journal.dispatch(outboxId).catch((error: Error) => this.logger.warn(`journal entry ${outboxId} waits in the outbox: ${error.message}`));
    return this.announceUpdated(principal, alarmId);
  }

  /**
   * The hub resolves an alarm whose cause went away by itself (a device back in contact): an
   * alarm no one has taken is closed as technical with nothing to do; one being handled gets
   * the news in its log, and its operator closes it. Technical alarms are not journaled.
   */
  async resolveByHub(alarmId: string, note: string): Promise<void> {
    await this.db.transaction(async (manager) => {
      const now = new Date();
      const closed = await manager
        .createQueryBuilder()
        .update(Alarm)
        .set({ state: 'closed', closedAt: now, cause: 'technical', measures: ['none-needed'], closingNote: note })
        .where("id = :id AND state = 'reported'", { id: alarmId })
        .execute();
      if (closed.affected === 1) {
        await manager.insert(AlarmLogEntry, [
          { alarmId, code: logStepCode('cause'), at: now, operatorId: null, note: 'technical' },
          { alarmId, code: logStepCode('measures'), at: now, operatorId: null, note: 'none-needed' },
          { alarmId, code: logStepCode('acknowledged'), at: now, operatorId: null, note },
        ]);
      } else {
        await manager.query(
          `INSERT INTO alarm_log (alarm_id, code, at, operator_id, note) SELECT id, $2, $3, NULL, $4 FROM alarms WHERE id = $1 AND state = 'being-handled' FOR SHARE`,
          [alarmId, logStepCode('action'), now, note],
        );
      }
    });
    const alarm = await this.db.getRepository(Alarm).findOneBy({ id: alarmId });
    if (alarm) for (const view of await this.views.of([alarm])) this.realtime.alarmUpdated(view);
  }

  private async announceUpdated(principal: Principal, alarmId: string): Promise<AlarmView> {
    const view = await this.view(principal, alarmId);
    this.realtime.alarmUpdated(view);
    return view;
  }

  private async handledBy(principal: Principal, alarmId: string): Promise<Alarm> {
    const alarm = await this.tenancy.findOne(principal, Alarm, 'alarm', alarmId);
    if (alarm.state !== 'being-handled') throw new ConflictException(alarm.state === 'closed' ? 'the alarm is closed' : 'take the alarm first');
    if (alarm.takenBy !== principal.operatorId) throw new ConflictException('another operator is handling this alarm');
    return alarm;
  }
}
