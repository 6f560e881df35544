import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ALERT_CODES, isAlertCode } from '@knutepunkt/device-adapters';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/session-token.js';
import type { ServiceLevelFigures, ServiceLevelReport } from '../realtime/contract.js';

/** Response centres are held to 97.5 % of alarms answered within 60 s and 99 % within 180 s. */
export const SERVICE_LEVEL_TARGETS = { within60s: 0.975, within180s: 0.99 };

interface Row {
  key: string;
  alarms: string;
  within60: string;
  within180: string;
  median: number | null;
  call_outs: string;
  on_site_median: number | null;
}

/**
 * Answer times from the log: an alarm is answered when an operator takes it; time to on site
 * runs from the call-out to the responder's report. Alarms still
 * waiting count as not answered in time once their time has passed; alarms the hub resolved
 * before anyone took them (a device back in contact) are left out.
 */
@Injectable()
export class ServiceLevels {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async report(principal: Principal, days: number): Promise<ServiceLevelReport> {
    const to = new Date();
    const from = new Date(to.getTime() - days * 24 * 60 * 60 * 1000);
    const figures = (groupBy: string) =>
      this.db.query(
        `WITH answered AS (
           SELECT a.*, EXTRACT(EPOCH FROM (COALESCE(a.taken_at, now()) - a.raised_at)) AS waited, a.taken_at IS NOT NULL AS taken
           FROM alarms a
           WHERE a.tenant_id = ANY($1) AND a.raised_at >= $2 AND a.raised_at < $3 AND (a.taken_at IS NOT NULL OR a.state = 'reported')
         )
         SELECT ${groupBy} AS key, count(*) AS alarms,
                count(*) FILTER (WHERE taken AND waited <= 60) AS within60,
                count(*) FILTER (WHERE taken AND waited <= 180) AS within180,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY waited) FILTER (WHERE taken) AS median,
                count(*) FILTER (WHERE called_out_at IS NOT NULL) AS call_outs,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (on_site_at - called_out_at)) / 60) FILTER (WHERE on_site_at IS NOT NULL) AS on_site_median
         FROM answered GROUP BY 1 ORDER BY 1`,
        [principal.tenantIds, from, to],
      ) as Promise<Row[]>;
    const [byTenant, byHour, byCode, tenants] = [
      await figures('tenant_id::text'),
      await figures("EXTRACT(HOUR FROM raised_at AT TIME ZONE 'Europe/Oslo')::int::text"),
      await figures('code'),
      (await this.db.query('SELECT id, name FROM tenants WHERE id = ANY($1) ORDER BY name', [principal.tenantIds])) as Array<{ id: string; name: string }>,
    ];
    const byTenantKey = new Map(byTenant.map((row) => [row.key, row]));
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      targets: SERVICE_LEVEL_TARGETS,
      tenants: tenants.map((tenant) => ({ tenantId: tenant.id, name: tenant.name, ...toFigures(byTenantKey.get(tenant.id)) })),
      byHour: byHour.map((row) => ({ hour: Number(row.key), ...toFigures(row) })),
      byCode: byCode.map((row) => ({ code: row.key, codeDisplay: isAlertCode(row.key) ? ALERT_CODES[row.key].display : row.key, ...toFigures(row) })),
    };
  }
}

function toFigures(row: Row | undefined): ServiceLevelFigures {
  const alarms = Number(row?.alarms ?? 0);
  const within60 = Number(row?.within60 ?? 0);
  const within180 = Number(row?.within180 ?? 0);
  return {
    alarms,
    answeredWithin60s: within60,
    answeredWithin180s: within180,
    shareWithin60s: alarms ? within60 / alarms : null,
    shareWithin180s: alarms ? within180 / alarms : null,
    medianAnswerSeconds: row?.median === null || row?.median === undefined ? null : Math.round(Number(row.median)),
    callOuts: Number(row?.call_outs ?? 0),
    medianOnSiteMinutes: row?.on_site_median === null || row?.on_site_median === undefined ? null : Math.round(Number(row.on_site_median) * 10) / 10,
  };
}
