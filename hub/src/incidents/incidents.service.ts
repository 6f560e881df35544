import { ConflictException, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ALERT_CODES, isAlertCode, type Severity, triageColourFor } from '@knutepunkt/device-adapters';
import { DataSource, type EntityManager, In } from 'typeorm';
import type { LifecycleAction } from '../alarms/alarm-lifecycle.js';
import { AlarmViews } from '../alarms/alarm-views.service.js';
import { Alarm } from '../alarms/alarm.entity.js';
import { AuditService } from '../audit/audit.service.js';
import { Operator } from '../auth/operator.entity.js';
import { requireRole, RESPONSE_CENTRE } from '../auth/roles.js';
import type { Principal } from '../auth/session-token.js';
import { Tenancy } from '../auth/tenancy.js';
import { type AlarmState, type CloseIncidentRequest, type IncidentMemberView, type IncidentView, type OperatorRef, RECENTLY_CLOSED_MS } from '../realtime/contract.js';
import { RealtimeGateway } from '../realtime/realtime.gateway.js';
import { TenantTriageRules } from '../triage/tenant-triage-rules.service.js';
import { IncidentEscalation, type IncidentEscalationStep } from './incident-escalation.service.js';
import { Incident } from './incident.entity.js';
import { actOnAlarms, correlateOutages, type IncidentChanges, lockTenantIncidents, OUTAGE_WORDING, settleIncidents } from './outage-incidents.js';


interface MemberRow {
  id: string;
  incident_id: string;
  state: AlarmState;
  code: string;
  severity: Severity;
  raised_at: Date;
  taken_by: string | null;
  device_id: string;
  model: string | null;
  resident_id: string;
  name: string | null;
  address: string | null;
}

/**
 * Incidents: many power-loss or no-contact alarms from many devices of one municipality within
 * a short while become one "possible power or network outage", which the operator sees as one
 * row, takes as one and closes as one. Its alarms stay stored, each resolves by itself when its
 * device returns, and the incident closes by itself when all of them have ended. While an
 * incident is open its alarms do not escalate one by one; the incident escalates instead.
 */
@Injectable()
export class IncidentsService implements OnModuleInit {
  private readonly logger = new Logger(IncidentsService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tenancy: Tenancy,
    private readonly audit: AuditService,
    private readonly realtime: RealtimeGateway,
    private readonly alarmViews: AlarmViews,
    private readonly triageRules: TenantTriageRules,
    private readonly escalation: IncidentEscalation,
  ) {}

  onModuleInit(): Promise<void> {
    return this.escalation.onDue((step) => this.escalate(step));
  }

  /** In the ingest transaction that raised these alarms: outage alarms open or join an incident. */
  correlateWithin(manager: EntityManager, raisedAlarmIds: readonly string[]): Promise<IncidentChanges> {
    return correlateOutages(manager, raisedAlarmIds, (tenantId) => this.triageRules.of(tenantId));
  }

  /**
   * Tells consoles once the correlating transaction has committed. The incident goes out before
   * its new alarms are announced, so a console folds them into its row instead of sounding for each.
   */
  async announce(changes: IncidentChanges): Promise<void> {
    const ids = [...changes.opened, ...changes.updated];
    if (ids.length === 0) return;
    const opened = new Set(changes.opened);
    for (const view of await this.views(await this.db.getRepository(Incident).findBy({ id: In(ids) }))) {
      this.realtime.incident(opened.has(view.id) ? 'incident:opened' : 'incident:updated', view);
    }
    await this.announceAlarms(changes.alarms);
    await this.escalation.schedule(changes.opened);
  }

  /**
   * Some of these alarms ended or changed outside the incident (a device back in contact or
   * taken out of service, power back, an operator closing or reopening one on its own): the
   * incidents they belong to close if none of their alarms is open any more, and consoles hear.
   */
  async alarmsChanged(alarmIds: readonly string[]): Promise<void> {
    const rows = (await this.db.query('SELECT DISTINCT incident_id, tenant_id FROM alarms WHERE id = ANY($1) AND incident_id IS NOT NULL', [alarmIds])) as Array<{
      incident_id: string;
      tenant_id: string;
    }>;
    if (rows.length === 0) return;
    await this.db.transaction(async (manager) => {
      await lockTenantIncidents(manager, rows.map((row) => row.tenant_id));
      await settleIncidents(manager, rows.map((row) => row.incident_id));
    });
    await this.announce({ opened: [], updated: rows.map((row) => row.incident_id), alarms: [] });
  }

  /** The operator's incidents: open ones and those closed in the last minutes. */
  async queue(principal: Principal): Promise<IncidentView[]> {
    requireRole(principal, RESPONSE_CENTRE, 'incidents are for the response centre');
    const incidents = await this.tenancy
      .query(principal, Incident, 'incident')
      .andWhere("(incident.state <> 'closed' OR incident.closedAt > :since)", { since: new Date(Date.now() - RECENTLY_CLOSED_MS) })
      .orderBy('incident.openedAt', 'ASC')
      .limit(100)
      .getMany();
    const views = await this.views(incidents);
    await this.audit.record(principal, 'incident-queue.read', residentsOf(views), 'response-centre queue');
    return views;
  }

  async view(principal: Principal, incidentId: string): Promise<IncidentView> {
    requireRole(principal, RESPONSE_CENTRE, 'incidents are for the response centre');
    const [view] = await this.views([await this.tenancy.findOne(principal, Incident, 'incident', incidentId)]);
    await this.audit.record(principal, 'incident.read', residentsOf([view!]), `reading incident ${incidentId}`);
    return view!;
  }

  /**
   * Exactly one operator wins a take, and with it every alarm of the incident no one has taken
   * (each through the alarm lifecycle, logged as handled together). Alarms another operator
   * already holds stay theirs. Taking one's own incident again answers with it.
   */
  async take(principal: Principal, incidentId: string): Promise<IncidentView> {
    requireRole(principal, RESPONSE_CENTRE, 'only the response centre takes incidents');
    const incident = await this.tenancy.findOne(principal, Incident, 'incident', incidentId);
    const outcome = await this.db.transaction(async (manager) => {
      await lockTenantIncidents(manager, [incident.tenantId]);
      const current = await manager.findOneByOrFail(Incident, { id: incidentId });
      if (current.state === 'being-handled' && current.takenBy === principal.operatorId) return { refused: null, alarms: [] };
      if (current.state !== 'reported') return { refused: current.state, alarms: [] };
      const at = new Date();
      await manager.update(Incident, { id: incidentId }, { state: 'being-handled', takenBy: principal.operatorId, takenAt: at });
      const members = await this.memberIds(manager, incidentId);
      const alarms = await actOnAlarms(manager, members, (alarm) => (alarm.state === 'reported' ? [{ type: 'take', actor: { kind: 'operator', id: principal.operatorId }, at }] : []));
      await this.audit.record(principal, 'incident.take', await this.memberResidents(manager, incidentId), `handling incident ${incidentId}`, manager);
      return { refused: null, alarms };
    });
    const view = await this.viewOf(incidentId);
    if (outcome.refused) {
      throw new ConflictException({
        statusCode: 409,
        message: outcome.refused === 'closed' ? 'the incident is already closed' : `the incident is taken by ${view.takenBy?.displayName ?? 'another operator'}`,
        takenBy: view.takenBy ?? undefined,
      });
    }
    this.realtime.incident('incident:updated', view);
    await this.announceAlarms(outcome.alarms.map((alarm) => alarm.id));
    return view;
  }

  /**
   * Closes the incident and, as technical with the operator's measures, each of its alarms that
   * the closing operator holds or no one has taken. An alarm another operator holds, or with a
   * call-out under way, stays open and is handled on its own; it shows in the queue by itself again.
   * Incident alarms are not journaled, like the alarms the hub resolves: an outage is no care event.
   */
  async close(principal: Principal, incidentId: string, request: CloseIncidentRequest): Promise<IncidentView> {
    requireRole(principal, RESPONSE_CENTRE, 'only the response centre closes incidents');
    const incident = await this.tenancy.findOne(principal, Incident, 'incident', incidentId);
    const alarms = await this.db.transaction(async (manager) => {
      await lockTenantIncidents(manager, [incident.tenantId]);
      const current = await manager.findOneByOrFail(Incident, { id: incidentId });
      if (current.state === 'closed') throw new ConflictException('the incident is already closed');
      if (current.state === 'reported') throw new ConflictException('take the incident first');
      if (current.takenBy !== principal.operatorId) throw new ConflictException('another operator is handling this incident');
      const at = new Date();
      const operator = { kind: 'operator', id: principal.operatorId } as const;
      const note = request.note?.trim() ? `${OUTAGE_WORDING}: ${request.note.trim()}` : OUTAGE_WORDING;
      const close: LifecycleAction = { type: 'close', cause: 'technical', measures: request.measures, note, actor: operator, at };
      const closed = await actOnAlarms(manager, await this.memberIds(manager, incidentId), (alarm) => {
        if (alarm.state === 'reported') return [{ type: 'take', actor: operator, at }, close];
        return alarm.state === 'being-handled' && alarm.takenBy === principal.operatorId ? [close] : [];
      });
      await manager.update(Incident, { id: incidentId }, { state: 'closed', closedAt: at, closedBy: principal.operatorId, closingNote: request.note?.trim() || null });
      await this.audit.record(principal, 'incident.close', await this.memberResidents(manager, incidentId), `closing incident ${incidentId}`, manager);
      return closed;
    });
    const view = await this.viewOf(incidentId);
    this.realtime.incident('incident:updated', view);
    await this.announceAlarms(alarms.map((alarm) => alarm.id));
    return view;
  }

  /** An untaken incident's answer limit ran out: it escalates if any of its alarms still waits, and closes if none is open. */
  private async escalate({ incidentId, level }: IncidentEscalationStep): Promise<void> {
    const [escalated] = (await this.db.query(
      `UPDATE incidents SET escalation_level = $2, escalated_at = now()
       WHERE id = $1 AND state = 'reported' AND escalation_level = $2 - 1
         AND EXISTS (SELECT 1 FROM alarms WHERE alarms.incident_id = incidents.id AND alarms.state = 'reported')
       RETURNING id`,
      [incidentId, level],
    )) as [Array<{ id: string }>, number];
    if (escalated.length === 0) {
      // Taken, closed, or every alarm already taken one by one or ended: nothing waits.
      const [incident] = (await this.db.query('SELECT tenant_id FROM incidents WHERE id = $1', [incidentId])) as Array<{ tenant_id: string }>;
      if (!incident) return;
      const settled = await this.db.transaction(async (manager) => {
        await lockTenantIncidents(manager, [incident.tenant_id]);
        return settleIncidents(manager, [incidentId]);
      });
      if (settled.length > 0) await this.announce({ opened: [], updated: settled, alarms: [] });
      else await this.escalation.schedule([incidentId], new Date());
      return;
    }
    const view = await this.viewOf(incidentId);
    this.realtime.incident('incident:updated', view);
    this.realtime.incident('incident:escalated', view);
    this.realtime.supervisorAlert({ kind: 'incident-not-answered', incident: view, at: new Date().toISOString() });
    this.logger.warn(`incident ${incidentId} (${view.deviceCount} devices) not taken in time: escalation ${level}`);
    await this.escalation.schedule([incidentId]);
  }

  private async viewOf(incidentId: string): Promise<IncidentView> {
    const [view] = await this.views([await this.db.getRepository(Incident).findOneByOrFail({ id: incidentId })]);
    return view!;
  }

  private async memberIds(manager: EntityManager, incidentId: string): Promise<string[]> {
    const rows = (await manager.query("SELECT id FROM alarms WHERE incident_id = $1 AND state <> 'closed'", [incidentId])) as Array<{ id: string }>;
    return rows.map((row) => row.id);
  }

  private async memberResidents(manager: EntityManager, incidentId: string): Promise<string[]> {
    const rows = (await manager.query('SELECT DISTINCT resident_id FROM alarms WHERE incident_id = $1', [incidentId])) as Array<{ resident_id: string }>;
    return rows.map((row) => row.resident_id);
  }

  /** Alarms changed through their incident are announced as any changed alarm is, once committed. */
  private async announceAlarms(alarmIds: string[]): Promise<void> {
    if (alarmIds.length === 0) return;
    const rows = await this.db.getRepository(Alarm).findBy({ id: In(alarmIds) });
    for (const view of await this.alarmViews.of(rows)) this.realtime.alarmUpdated(view);
  }

  /** Incident rows as the wire contract's IncidentView, a few queries for any number. */
  private async views(incidents: Incident[]): Promise<IncidentView[]> {
    if (incidents.length === 0) return [];
    const members = (await this.db.query(
      `SELECT a.id, a.incident_id, a.state, a.code, a.severity, a.raised_at, a.taken_by, a.device_id, d.model, a.resident_id, r.name, r.address
       FROM alarms a LEFT JOIN devices d ON d.id = a.device_id LEFT JOIN residents r ON r.id = a.resident_id
       WHERE a.incident_id = ANY($1) ORDER BY a.raised_at, a.id`,
      [incidents.map((incident) => incident.id)],
    )) as MemberRow[];
    const operatorIds = [
      ...new Set([...incidents.flatMap((incident) => [incident.takenBy, incident.closedBy]), ...members.map((member) => member.taken_by)].filter((id): id is string => id !== null)),
    ];
    const operators = operatorIds.length ? await this.db.getRepository(Operator).find({ where: { id: In(operatorIds) }, select: ['id', 'displayName'] }) : [];
    const operatorById = new Map<string, OperatorRef>(operators.map((operator) => [operator.id, { id: operator.id, displayName: operator.displayName }]));
    const operatorRef = (id: string | null): OperatorRef | null => (id ? (operatorById.get(id) ?? { id, displayName: '?' }) : null);
    return incidents.map((incident) => {
      const own = members.filter((member) => member.incident_id === incident.id);
      const open = own.filter((member) => member.state !== 'closed');
      const severity = highest((open.length > 0 ? open : own).map((member) => member.severity));
      return {
        id: incident.id,
        tenantId: incident.tenantId,
        kind: incident.kind,
        state: incident.state,
        openedAt: incident.openedAt.toISOString(),
        takenBy: operatorRef(incident.takenBy),
        takenAt: incident.takenAt?.toISOString() ?? null,
        closedAt: incident.closedAt?.toISOString() ?? null,
        closedBy: operatorRef(incident.closedBy),
        closingNote: incident.closingNote,
        escalationLevel: incident.escalationLevel,
        escalatedAt: incident.escalatedAt?.toISOString() ?? null,
        severity,
        triageColour: triageColourFor(severity),
        deviceCount: new Set(own.map((member) => member.device_id)).size,
        openDeviceCount: new Set(open.map((member) => member.device_id)).size,
        members: own.map(
          (member): IncidentMemberView => ({
            alarmId: member.id,
            state: member.state,
            code: member.code,
            codeDisplay: isAlertCode(member.code) ? ALERT_CODES[member.code].display : member.code,
            severity: member.severity,
            raisedAt: member.raised_at.toISOString(),
            takenBy: operatorRef(member.taken_by),
            resident: { id: member.resident_id, name: member.name ?? '', address: member.address ?? '' },
            device: { id: member.device_id, model: member.model ?? '' },
          }),
        ),
      };
    });
  }
}

function highest(severities: Severity[]): Severity {
  return severities.reduce<Severity>((top, severity) => (severity > top ? severity : top), severities[0] ?? 20);
}

function residentsOf(views: IncidentView[]): string[] {
  return views.flatMap((view) => view.members.map((member) => member.resident.id));
}
