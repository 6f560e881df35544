import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ALERT_CODES, isAlertCode } from '@knutepunkt/device-adapters';
import { DataSource } from 'typeorm';
import { Alarm } from '../alarms/alarm.entity.js';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/session-token.js';
import { Tenancy } from '../auth/tenancy.js';
import type { ResidentDetail } from '../realtime/contract.js';
import { Resident } from './resident.entity.js';

const RECENT_ALARMS = 10;

@Injectable()
export class ResidentsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tenancy: Tenancy,
    private readonly audit: AuditService,
  ) {}

  /** The resident's situation beside an alarm. Every read is audited with its reason. */
  async detail(principal: Principal, residentId: string, reason: string): Promise<ResidentDetail> {
    const resident = await this.tenancy.findOne(principal, Resident, 'resident', residentId);
    const recent = await this.db.getRepository(Alarm).find({
      where: { residentId },
      order: { raisedAt: 'DESC' },
      take: RECENT_ALARMS,
      select: ['id', 'code', 'raisedAt', 'state', 'cause'],
    });
    await this.audit.record(principal, 'resident.read', [resident.id], reason);
    return {
      id: resident.id,
      name: resident.name,
      address: resident.address,
      zone: resident.zone,
      birthDate: resident.birthDate,
      phone: resident.phone,
      keyBox: resident.keyBox,
      eLock: resident.eLock,
      diagnoses: resident.diagnoses,
      riskFlags: resident.riskFlags,
      nextOfKin: resident.nextOfKin,
      updatedAt: resident.updatedAt.toISOString(),
      source: resident.source,
      recentAlarms: recent.map((alarm) => ({
        id: alarm.id,
        code: alarm.code,
        codeDisplay: isAlertCode(alarm.code) ? ALERT_CODES[alarm.code].display : alarm.code,
        raisedAt: alarm.raisedAt.toISOString(),
        state: alarm.state,
        cause: alarm.cause,
      })),
    };
  }
}
