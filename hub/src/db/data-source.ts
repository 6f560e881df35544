import { DataSource } from 'typeorm';
import { Alarm } from '../alarms/alarm.entity.js';
import { AlarmLogEntry } from '../alarms/alarm-log-entry.entity.js';
import { HeldEvent } from '../alarms/held-event.entity.js';
import { AuditEntry } from '../audit/audit-entry.entity.js';
import { Operator } from '../auth/operator.entity.js';
import { Tenant } from '../auth/tenant.entity.js';
import { DeviceModel } from '../devices/device-model.entity.js';
import { DeviceOutage } from '../devices/device-outage.entity.js';
import { DevicePlacement } from '../devices/device-placement.entity.js';
import { Device } from '../devices/device.entity.js';
import { Vendor } from '../devices/vendor.entity.js';
import { QuarantinedMessage } from '../ingest/quarantined-message.entity.js';
import { StoredEvent } from '../ingest/stored-event.entity.js';
import { EpjClient } from '../journal/epj-client.entity.js';
import { EpjContextCopy } from '../journal/epj-context.entity.js';
import { OutboxEntry } from '../journal/outbox-entry.entity.js';
import { Incident } from '../incidents/incident.entity.js';
import { HandoverNoteRead } from '../handover/handover-note-read.entity.js';
import { HandoverNote } from '../handover/handover-note.entity.js';
import { ShiftPlan } from '../handover/shift-plan.entity.js';
import { Resident } from '../residents/resident.entity.js';
import { ResponderTeam } from '../responders/responder-team.entity.js';
import { InitialSchema1763856000000 } from './migrations/1763856000000-initial-schema.js';
import { DeviceLifecycle1763942400000 } from './migrations/1763942400000-device-lifecycle.js';
import { Escalation1764028800000 } from './migrations/1764028800000-escalation.js';
import { HeldEvents1764115200000 } from './migrations/1764115200000-held-events.js';
import { CallOuts1764201600000 } from './migrations/1764201600000-call-outs.js';
import { OutageIncidents1764288000000 } from './migrations/1764288000000-outage-incidents.js';
import { HandoverNotes1764374400000 } from './migrations/1764374400000-handover-notes.js';
import { JournalDelivery1764460800000 } from './migrations/1764460800000-journal-delivery.js';
import { EpjClients1764547200000 } from './migrations/1764547200000-epj-clients.js';
import { DispenserDose } from '../journal/dispenser-dose.entity.js';
import { JournalPolicy1764633600000 } from './migrations/1764633600000-journal-policy.js';
import { EpjContext1764720000000 } from './migrations/1764720000000-epj-context.js';
import { EpjClientRevocation1764806400000 } from './migrations/1764806400000-epj-client-revocation.js';

export const ENTITIES = [
  Tenant,
  Operator,
  Resident,
  ResponderTeam,
  Vendor,
  DeviceModel,
  Device,
  DeviceOutage,
  DevicePlacement,
  StoredEvent,
  QuarantinedMessage,
  Incident,
  Alarm,
  AlarmLogEntry,
  HeldEvent,
  OutboxEntry,
  EpjClient,
  EpjContextCopy,
  AuditEntry,
  ShiftPlan,
  HandoverNote,
  HandoverNoteRead,
  DispenserDose,
];

/** Migrations in the order they run; the schema is never synchronised from entities. */
export const MIGRATIONS = [
  InitialSchema1763856000000,
  DeviceLifecycle1763942400000,
  Escalation1764028800000,
  HeldEvents1764115200000,
  CallOuts1764201600000,
  OutageIncidents1764288000000,
  HandoverNotes1764374400000,
  JournalDelivery1764460800000,
  EpjClients1764547200000,
  JournalPolicy1764633600000,
  EpjContext1764720000000,
  EpjClientRevocation1764806400000,
];

export function createDataSource(databaseUrl: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    // Ingest group commits and operator requests share the pool; 20 keeps both moving.
    extra: { max: 20 },
  });
}

/** Opens the database and brings its schema up to date. */
export async function openDatabase(databaseUrl: string): Promise<DataSource> {
  const dataSource = createDataSource(databaseUrl);
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}
