import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { Tenant } from '../auth/tenant.entity.js';
import { Device } from '../devices/device.entity.js';
import { osloDateAndTime } from '../oslo-time.js';
import { Resident } from '../residents/resident.entity.js';
import { DEVICE_KIND_WORDING } from './journal-wording.js';
import { InvalidJournalPolicy, readJournalPolicy } from './journal-policy.js';
import { JournalService } from './journal.service.js';
import { buildDispenserDayBundle, buildDoseBundle, missedDoseCodes, missedDoseSource, type DispenserEventSource } from './vkp-dispenser-entries.js';

/** How often the hub looks for municipalities whose daily summaries are due. */
const SUMMARY_CHECK_MS = 60_000;

/** The calendar day before `date` (YYYY-MM-DD). */
function dayBefore(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
}

/**
 * Medicine dispensers in the record, as the municipality's journaling policy says: each dose taken
 * out is kept (never a training device's), and becomes an entry of its own (each-dose) or part of
 * the resident's daily summary (daily-summary), written for the day before at the policy's hour.
 */
@Injectable()
export class DispenserJournal implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DispenserJournal.name);
  private timer: NodeJS.Timeout | null = null;
  /** The last day each municipality's summaries were written for, so the check costs nothing the rest of the day. */
  private readonly summarisedThrough = new Map<string, string>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly journal: JournalService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.summariseDue(new Date()), SUMMARY_CHECK_MS);
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** A dose was taken out of the device: kept once (a repeated report changes nothing), and journaled if the policy says each dose. */
  async taken(deviceId: string, handedOverAt: string): Promise<void> {
    const rows = (await this.db.query(
      `INSERT INTO dispenser_doses (tenant_id, resident_id, device_id, handed_over_at)
       SELECT tenant_id, resident_id, id, $2 FROM devices WHERE id = $1 AND resident_id IS NOT NULL AND NOT training
       ON CONFLICT (device_id, handed_over_at) DO NOTHING
       RETURNING id, tenant_id AS "tenantId", resident_id AS "residentId"`,
      [deviceId, handedOverAt],
    )) as Array<{ id: string; tenantId: string; residentId: string }>;
    const dose = rows[0];
    if (!dose) return;
    const tenant = await this.db.getRepository(Tenant).findOneByOrFail({ id: dose.tenantId });
    if (this.policyOf(tenant)?.dispenserDoses !== 'each-dose') return;
    const [resident, device] = await Promise.all([
      this.db.getRepository(Resident).findOneByOrFail({ id: dose.residentId }),
      this.db.getRepository(Device).findOneByOrFail({ id: deviceId }),
    ]);
    await this.journal.writeEntry({ tenantId: dose.tenantId, residentId: dose.residentId, entryKey: `dose/${dose.id}` }, () =>
      buildDoseBundle({ id: dose.id, preparedAt: handedOverAt, handedOverAt, device: deviceSummary(device), resident: { nationalId: resident.nationalId, name: resident.name } }),
    );
  }

  /**
   * Writes the day's summary for each of the municipality's residents who had a dose taken out or
   * missed that Oslo day; a summary written before is not written again. Returns the entries written.
   */
  async summarise(tenantId: string, date: string): Promise<string[]> {
    const [{ start, end }] = (await this.db.query(
      `SELECT ($1::date::timestamp AT TIME ZONE 'Europe/Oslo') AS start, (($1::date + 1)::timestamp AT TIME ZONE 'Europe/Oslo') AS "end"`,
      [date],
    )) as [{ start: Date; end: Date }];
    const taken = (await this.db.query(
      `SELECT id, resident_id AS "residentId", device_id AS "deviceId", handed_over_at AS "handedOverAt" FROM dispenser_doses
        WHERE tenant_id = $1 AND handed_over_at >= $2 AND handed_over_at < $3`,
      [tenantId, start, end],
    )) as Array<{ id: string; residentId: string; deviceId: string; handedOverAt: Date }>;
    const missed = (await this.db.query(
      `SELECT alarm.id, alarm.code, alarm.resident_id AS "residentId", alarm.device_id AS "deviceId", alarm.occurred_at AS "occurredAt"
         FROM alarms alarm JOIN devices device ON device.id = alarm.device_id
        WHERE alarm.tenant_id = $1 AND alarm.code = ANY($4) AND alarm.occurred_at >= $2 AND alarm.occurred_at < $3 AND NOT device.training`,
      [tenantId, start, end, missedDoseCodes()],
    )) as Array<{ id: string; code: string; residentId: string; deviceId: string; occurredAt: Date }>;
    const residentIds = [...new Set([...taken, ...missed].map((dose) => dose.residentId))];
    if (residentIds.length === 0) return [];
    const tenant = await this.db.getRepository(Tenant).findOneByOrFail({ id: tenantId });
    const residents = await this.db.getRepository(Resident).findBy({ id: In(residentIds) });
    const devices = new Map(
      (await this.db.getRepository(Device).findBy({ id: In([...new Set([...taken, ...missed].map((dose) => dose.deviceId))]) })).map((device) => [device.id, deviceSummary(device)]),
    );
    const written: string[] = [];
    for (const resident of residents) {
      const doses: Array<Omit<DispenserEventSource, 'resident'>> = [
        ...taken
          .filter((dose) => dose.residentId === resident.id)
          .map((dose) => ({
            id: dose.id,
            outcome: { kind: 'dispensed' as const },
            preparedAt: dose.handedOverAt.toISOString(),
            handedOverAt: dose.handedOverAt.toISOString(),
            device: devices.get(dose.deviceId)!,
          })),
        ...missed.filter((alarm) => alarm.residentId === resident.id).map((alarm) => missedDoseSource(alarm, devices.get(alarm.deviceId)!)),
      ];
      const entryKey = `dispenser-summary/${resident.id}/${date}`;
      const id = await this.journal.writeEntry({ tenantId, residentId: resident.id, entryKey }, () =>
        buildDispenserDayBundle({
          day: { date, start: start.toISOString(), end: end.toISOString() },
          resident: { id: resident.id, nationalId: resident.nationalId, name: resident.name },
          tenant: { name: tenant.name, organisationNumber: tenant.organisationNumber },
          doses,
        }),
      );
      if (id) written.push(id);
    }
    return written;
  }

  /** Writes yesterday's summaries for each municipality whose policy hour has come today. */
  async summariseDue(now: Date): Promise<void> {
    try {
      const { date: today, time } = osloDateAndTime(now);
      const yesterday = dayBefore(today);
      for (const tenant of await this.db.getRepository(Tenant).find()) {
        const policy = this.policyOf(tenant);
        if (policy?.dispenserDoses !== 'daily-summary' || time < policy.dailySummaryAt) continue;
        if (this.summarisedThrough.get(tenant.id) === yesterday) continue;
        await this.summarise(tenant.id, yesterday);
        this.summarisedThrough.set(tenant.id, yesterday);
      }
    } catch (error) {
      // The next check tries again: a summary not written is written late, not lost.
      this.logger.warn(`dispenser summaries: ${(error as Error).message}`);
    }
  }

  private policyOf(tenant: Tenant) {
    try {
      return readJournalPolicy(tenant.journalPolicy);
    } catch (error) {
      if (!(error instanceof InvalidJournalPolicy)) throw error;
      // Stored policies are validated when written; one that no longer reads journals nothing rather than guessing.
      this.logger.warn(`tenant ${tenant.id}: journaling policy unreadable: ${error.message}`);
      return null;
    }
  }
}

function deviceSummary(device: Device): DispenserEventSource['device'] {
  return { id: device.id, model: device.model, kind: device.kind, kindName: DEVICE_KIND_WORDING[device.kind] };
}
