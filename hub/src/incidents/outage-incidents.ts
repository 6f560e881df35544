/**
 * What happens to a municipality's incidents inside a transaction: correlating freshly raised
 * outage alarms, acting on an incident's alarms through the alarm lifecycle, and closing
 * incidents whose alarms have all ended. Every change to a municipality's incidents holds that
 * municipality's incident lock first, so that correlations committed together by one group
 * commit, a supervision sweep, another hub instance or an operator's take never see each other
 * half done: two correlations can neither both miss the threshold nor both open an incident.
 */
import { type EntityManager, Not } from 'typeorm';
import { storeDecision } from '../alarms/alarm-decisions.js';
import { decide, type LifecycleAction, type LogEntryDraft } from '../alarms/alarm-lifecycle.js';
import { Alarm } from '../alarms/alarm.entity.js';
import { decideOutage, OUTAGE_CONDITIONS, outageWindowStart, type OutageAlarm, type OutageRules } from '../triage/outage-correlation.js';
import { Incident } from './incident.entity.js';

/** What the operator reads of an outage incident, and in the logs of its alarms. */
export const OUTAGE_WORDING = 'Mulig strøm- eller nettbrudd';
const HANDLED_TOGETHER = `Håndteres samlet i hendelsen «${OUTAGE_WORDING}»`;
const ALL_ENDED = 'Alle alarmene i hendelsen er avsluttet';

/** The first key of the incident lock (pg_advisory_xact_lock(int, int)); the second is the tenant's hash. */
const INCIDENT_LOCK_SPACE = 0x6b70_0001;

/** Incidents that changed in a transaction, to announce once it commits. */
export interface IncidentChanges {
  opened: string[];
  updated: string[];
  /** Alarms raised earlier that changed with them (taken with the incident they joined). */
  alarms: string[];
}

export function noIncidentChanges(): IncidentChanges {
  return { opened: [], updated: [], alarms: [] };
}

/** Holds the incident lock of each tenant until the transaction ends, always in the same order. */
export async function lockTenantIncidents(manager: EntityManager, tenantIds: readonly string[]): Promise<void> {
  for (const tenantId of [...new Set(tenantIds)].sort()) {
    await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [INCIDENT_LOCK_SPACE, tenantId]);
  }
}

/**
 * Called in the transaction that raised `raisedAlarmIds`: for each tenant with a fresh
 * power-loss or no-contact alarm among them, lets the pure decision open an incident or add
 * the tenant's unattached outage alarms to the incident already open. An incident no one has
 * taken takes in any of them. One someone is handling takes them in only while its outage is
 * still unfolding (its newest alarm raised within the tenant's outage window), and they are
 * taken for its operator at once; later alarms are not that operator's to hold unseen: they
 * stay alarms of their own, and a new incident can open once the old one closes.
 */
export async function correlateOutages(
  manager: EntityManager,
  raisedAlarmIds: readonly string[],
  rulesOf: (tenantId: string) => Promise<OutageRules>,
  now: Date = new Date(),
): Promise<IncidentChanges> {
  const changes = noIncidentChanges();
  if (raisedAlarmIds.length === 0) return changes;
  const fresh = (await manager.query(
    `SELECT DISTINCT a.tenant_id FROM alarms a JOIN device_events e ON e.device_id = a.device_id AND e.event_id = a.event_id
     WHERE a.id = ANY($1) AND a.kind = 'technical' AND e.event->>'technical' = ANY($2)`,
    [raisedAlarmIds, OUTAGE_CONDITIONS],
  )) as Array<{ tenant_id: string }>;
  const tenantIds = fresh.map((row) => row.tenant_id);
  await lockTenantIncidents(manager, tenantIds);
  for (const tenantId of [...tenantIds].sort()) {
    const rules = await rulesOf(tenantId);
    if (rules.outageDeviceCount === 0) continue;
    // Read under the lock: what other transactions committed before it is all here.
    const unattached = (
      (await manager.query(
        `SELECT a.id, a.device_id, a.raised_at FROM alarms a JOIN device_events e ON e.device_id = a.device_id AND e.event_id = a.event_id
         WHERE a.tenant_id = $1 AND a.kind = 'technical' AND a.state <> 'closed' AND a.incident_id IS NULL AND a.raised_at >= $2
           AND e.event->>'technical' = ANY($3)`,
        [tenantId, outageWindowStart(now, rules), OUTAGE_CONDITIONS],
      )) as Array<{ id: string; device_id: string; raised_at: Date }>
    ).map((row): OutageAlarm => ({ alarmId: row.id, deviceId: row.device_id, raisedAt: row.raised_at }));
    let open = await manager.getRepository(Incident).findOne({ where: { tenantId, kind: 'outage', state: Not('closed') } });
    // Every alarm of it ended but nothing settled it (a hub stopped in between): it closes now, and this outage is a new one.
    if (open && (await settleIncidents(manager, [open.id])).length > 0) {
      changes.updated.push(open.id);
      open = null;
    }
    if (open?.state === 'being-handled' && !(await stillUnfolding(manager, open.id, rules, now))) continue;
    const decision = decideOutage(unattached, open?.id ?? null, rules, now);
    if (decision.action === 'none') continue;
    let incidentId: string;
    if (decision.action === 'open') {
      const [created] = (await manager.query(
        "INSERT INTO incidents (tenant_id, kind, state, opened_at) VALUES ($1, 'outage', 'reported', $2) RETURNING id",
        [tenantId, now],
      )) as Array<{ id: string }>;
      incidentId = created!.id;
      changes.opened.push(incidentId);
    } else {
      incidentId = decision.incidentId;
      changes.updated.push(incidentId);
    }
    await manager.query('UPDATE alarms SET incident_id = $1 WHERE id = ANY($2) AND incident_id IS NULL', [incidentId, decision.alarmIds]);
    if (open?.state === 'being-handled' && open.takenBy) {
      const handler = open.takenBy;
      const taken = await actOnAlarms(manager, decision.alarmIds, (alarm) =>
        alarm.state === 'reported' ? [{ type: 'take', actor: { kind: 'operator', id: handler }, at: now }] : [],
      );
      // Those raised in this transaction are announced as raised, already taken.
      changes.alarms.push(...taken.map((alarm) => alarm.id).filter((id) => !raisedAlarmIds.includes(id)));
    }
  }
  return changes;
}

/** Whether the incident's newest alarm was raised within the outage window: the same outage, still spreading. */
async function stillUnfolding(manager: EntityManager, incidentId: string, rules: OutageRules, now: Date): Promise<boolean> {
  const [row] = (await manager.query('SELECT coalesce(max(raised_at) >= $2, false) AS unfolding FROM alarms WHERE incident_id = $1', [
    incidentId,
    outageWindowStart(now, rules),
  ])) as Array<{ unfolding: boolean }>;
  return row!.unfolding;
}

/**
 * Applies lifecycle actions to alarms, each alarm's in turn, under row locks taken in id order.
 * The state machine decides each step; an alarm any of whose steps it refuses is left as it
 * was. Returns the alarms that changed.
 */
export async function actOnAlarms(manager: EntityManager, alarmIds: readonly string[], plan: (alarm: Alarm) => LifecycleAction[]): Promise<Alarm[]> {
  if (alarmIds.length === 0) return [];
  const alarms = await manager
    .getRepository(Alarm)
    .createQueryBuilder('alarm')
    .where('alarm.id = ANY(:alarmIds)', { alarmIds: [...alarmIds] })
    .orderBy('alarm.id')
    .setLock('pessimistic_write')
    .getMany();
  const changed: Alarm[] = [];
  for (const alarm of alarms) {
    let next = alarm;
    const log: LogEntryDraft[] = [];
    let refused = false;
    for (const action of plan(alarm)) {
      const decision = decide(next, action);
      if (!decision.ok) {
        refused = true;
        break;
      }
      next = decision.next;
      log.push(...decision.log);
    }
    if (refused || log.length === 0) continue;
    // The take says why no one pressed it: the alarm came with its incident.
    const noted = log.map((entry) => (entry.note === null && entry.action === 'take' ? { ...entry, note: HANDLED_TOGETHER } : entry));
    next = await storeDecision(manager, alarm, next, noted);
    changed.push(next);
  }
  return changed;
}

/**
 * Closes the incidents among these whose alarms have all ended (devices back, or each closed
 * on its own), whoever held them. The caller holds the incidents' tenants' locks.
 */
export async function settleIncidents(manager: EntityManager, incidentIds: readonly string[]): Promise<string[]> {
  if (incidentIds.length === 0) return [];
  const [settled] = (await manager.query(
    `UPDATE incidents SET state = 'closed', closed_at = now(), closing_note = $2
     WHERE id = ANY($1) AND state <> 'closed'
       AND NOT EXISTS (SELECT 1 FROM alarms WHERE alarms.incident_id = incidents.id AND alarms.state <> 'closed')
     RETURNING id`,
    [incidentIds, ALL_ENDED],
  )) as [Array<{ id: string }>, number];
  return settled.map((row) => row.id);
}
