import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AlarmEscalation } from './alarms/alarm-escalation.service.js';
import { AlarmHolds } from './alarms/alarm-holds.service.js';
import { AlarmViews } from './alarms/alarm-views.service.js';
import { AlarmsController } from './alarms/alarms.controller.js';
import { AlarmsService } from './alarms/alarms.service.js';
import { ServiceLevelsController } from './alarms/service-levels.controller.js';
import { ServiceLimitsController } from './alarms/service-limits.controller.js';
import { ServiceLevels } from './alarms/service-levels.service.js';
import { AuditService } from './audit/audit.service.js';
import { AuthController } from './auth/auth.controller.js';
import { OperatorGuard } from './auth/auth.guard.js';
import { Tenancy } from './auth/tenancy.js';
import { HUB_CONFIG, type HubConfig } from './config/config.js';
import { DeviceDirectory } from './devices/device-directory.service.js';
import { DeviceCommands } from './devices/device-commands.service.js';
import { DeviceHeartbeats } from './devices/device-heartbeats.service.js';
import { DeviceRegistry } from './devices/device-registry.service.js';
import { DeviceStates } from './devices/device-states.service.js';
import { DeviceSupervision } from './devices/device-supervision.service.js';
import { DeviceModelsController } from './devices/device-models.controller.js';
import { DevicesController } from './devices/devices.controller.js';
import { HealthController } from './health/health.controller.js';
import { IncidentEscalation } from './incidents/incident-escalation.service.js';
import { IncidentsController } from './incidents/incidents.controller.js';
import { IncidentsService } from './incidents/incidents.service.js';
import { DeviceConnections } from './ingest/device-connections.js';
import { Inbox } from './ingest/inbox.service.js';
import { IngestStats } from './ingest/ingest-stats.js';
import { MqttBroker } from './ingest/mqtt-broker.service.js';
import { VkpFhirController } from './ingest/vkp-fhir.controller.js';
import { EpjContextController } from './journal/epj-context.controller.js';
import { EpjContextService } from './journal/epj-context.service.js';
import { EpjEndpoints } from './journal/epj-endpoints.js';
import { HandoverController } from './handover/handover.controller.js';
import { HandoverService } from './handover/handover.service.js';
import { JournalService } from './journal/journal.service.js';
import { DispenserJournal } from './journal/dispenser-journal.service.js';
import { JournalPolicyController } from './journal/journal-policy.controller.js';
import { JournalDeliveriesController } from './journal/journal-deliveries.controller.js';
import { EpjClientGuard } from './journal/epj-client.guard.js';
import { EpjClientsController, EpjTokenController } from './journal/epj-clients.controller.js';
import { JournalPullController } from './journal/journal-pull.controller.js';
import { RealtimeGateway } from './realtime/realtime.gateway.js';
import { ResidentsService } from './residents/residents.service.js';
import { CallOutsController } from './responders/call-outs.controller.js';
import { ResponderTeams } from './responders/responder-teams.service.js';
import { TenantTriageRules } from './triage/tenant-triage-rules.service.js';
import { TriageRulesController } from './triage/triage-rules.controller.js';

/** The hub: one module whose providers come from the feature folders along the alarm's flow. */
@Module({})
export class HubModule {
  static with(config: HubConfig, dataSource: DataSource): DynamicModule {
    return {
      module: HubModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSource.options,
          dataSourceFactory: async () => dataSource,
        }),
      ],
      controllers: [
        AuthController,
        AlarmsController,
        CallOutsController,
        ServiceLevelsController,
        JournalDeliveriesController,
        JournalPolicyController,
        EpjClientsController,
        EpjTokenController,
        JournalPullController,
        EpjContextController,
        ServiceLimitsController,
        HandoverController,
        TriageRulesController,
        DevicesController,
        DeviceModelsController,
        VkpFhirController,
        HealthController,
        IncidentsController,
      ],
      providers: [
        { provide: HUB_CONFIG, useValue: config },
        OperatorGuard,
        EpjClientGuard,
        Tenancy,
        AuditService,
        DeviceDirectory,
        DeviceHeartbeats,
        DeviceRegistry,
        DeviceCommands,
        DeviceSupervision,
        DeviceStates,
        IngestStats,
        Inbox,
        DeviceConnections,
        MqttBroker,
        AlarmViews,
        AlarmEscalation,
        AlarmHolds,
        AlarmsService,
        ServiceLevels,
        ResidentsService,
        ResponderTeams,
        TenantTriageRules,
        RealtimeGateway,
        EpjEndpoints,
        EpjContextService,
        JournalService,
        DispenserJournal,
        HandoverService,
        IncidentEscalation,
        IncidentsService,
      ],
    };
  }
}
