import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ALERT_CODES, isAlertCode, LOG_STEPS } from '@knutepunkt/device-adapters';
import { DataSource, In } from 'typeorm';
import { Operator } from '../auth/operator.entity.js';
import { Device } from '../devices/device.entity.js';
import type { AlarmView, OperatorRef } from '../realtime/contract.js';
import { Resident } from '../residents/resident.entity.js';
import { ResponderTeam, teamView } from '../responders/responder-team.entity.js';
import { AlarmLogEntry } from './alarm-log-entry.entity.js';
import { Alarm } from './alarm.entity.js';

/** Turns alarm rows into the AlarmView of the wire contract, a few queries for any number. */
@Injectable()
export class AlarmViews {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async of(alarms: Alarm[]): Promise<AlarmView[]> {
    if (alarms.length === 0) return [];
    const ids = alarms.map((alarm) => alarm.id);
    const [residents, devices, log] = await Promise.all([
      this.db.getRepository(Resident).find({ where: { id: In(unique(alarms.map((alarm) => alarm.residentId))) }, select: ['id', 'name', 'address'] }),
      this.db.getRepository(Device).find({ where: { id: In(unique(alarms.map((alarm) => alarm.deviceId))) }, select: ['id', 'model', 'training'] }),
      this.db.getRepository(AlarmLogEntry).find({ where: { alarmId: In(ids) }, order: { at: 'ASC', id: 'ASC' } }),
    ]);
    const operatorIds = unique(
      [...alarms.flatMap((alarm) => [alarm.takenBy, alarm.responderId]), ...log.map((entry) => entry.operatorId)].filter((id): id is string => id !== null),
    );
    const teamIds = unique(alarms.map((alarm) => alarm.callOutTeamId).filter((id): id is string => id !== null));
    const teams = teamIds.length ? await this.db.getRepository(ResponderTeam).findBy({ id: In(teamIds) }) : [];
    const teamById = new Map(teams.map((team) => [team.id, teamView(team)]));
    const operators = operatorIds.length
      ? await this.db.getRepository(Operator).find({ where: { id: In(operatorIds) }, select: ['id', 'displayName'] })
      : [];
    const residentById = new Map(residents.map((resident) => [resident.id, resident]));
    const deviceById = new Map(devices.map((device) => [device.id, device]));
    const operatorById = new Map<string, OperatorRef>(operators.map((operator) => [operator.id, { id: operator.id, displayName: operator.displayName }]));
    const operatorRef = (id: string | null): OperatorRef | null => (id ? (operatorById.get(id) ?? { id, displayName: '?' }) : null);
    return alarms.map((alarm) => {
      const resident = residentById.get(alarm.residentId);
      return {
        id: alarm.id,
        tenantId: alarm.tenantId,
        code: alarm.code,
        codeDisplay: isAlertCode(alarm.code) ? ALERT_CODES[alarm.code].display : alarm.code,
        kind: alarm.kind,
        severity: alarm.severity,
        triageColour: alarm.triageColour,
        reason: alarm.reason,
        state: alarm.state,
        occurredAt: alarm.occurredAt.toISOString(),
        raisedAt: alarm.raisedAt.toISOString(),
        takenBy: operatorRef(alarm.takenBy),
        takenAt: alarm.takenAt?.toISOString() ?? null,
        closedAt: alarm.closedAt?.toISOString() ?? null,
        cause: alarm.cause,
        measures: alarm.measures,
        resident: { id: alarm.residentId, name: resident?.name ?? '', address: resident?.address ?? '' },
        device: { id: alarm.deviceId, model: deviceById.get(alarm.deviceId)?.model ?? '', training: deviceById.get(alarm.deviceId)?.training ?? false },
        journal: { status: alarm.journalStatus, at: alarm.journalAt?.toISOString() ?? null, error: alarm.journalError },
        escalationLevel: alarm.escalationLevel,
        escalatedAt: alarm.escalatedAt?.toISOString() ?? null,
        repeatCount: alarm.repeatCount,
        callOut:
          alarm.callOutTeamId && alarm.calledOutAt
            ? {
                team: teamById.get(alarm.callOutTeamId) ?? { id: alarm.callOutTeamId, name: '?', phone: null, zones: [] },
                responder: operatorRef(alarm.responderId),
                calledOutAt: alarm.calledOutAt.toISOString(),
                onSiteAt: alarm.onSiteAt?.toISOString() ?? null,
              }
            : null,
        log: log
          .filter((entry) => entry.alarmId === alarm.id)
          .map((entry) => ({
            code: entry.code,
            step: LOG_STEPS[entry.code].key,
            at: entry.at.toISOString(),
            operator: operatorRef(entry.operatorId),
            note: entry.note,
          })),
      };
    });
  }
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
