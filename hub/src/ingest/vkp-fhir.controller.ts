import { Body, Controller, ForbiddenException, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { adapterNamed } from '@knutepunkt/device-adapters';
import type { Response } from 'express';
import { AlarmHolds } from '../alarms/alarm-holds.service.js';
import { DispenserJournal } from '../journal/dispenser-journal.service.js';
import { Acting, OperatorGuard } from '../auth/auth.guard.js';
import type { Principal } from '../auth/session-token.js';
import { Tenancy } from '../auth/tenancy.js';
import { DeviceDirectory } from '../devices/device-directory.service.js';
import { DeviceHeartbeats } from '../devices/device-heartbeats.service.js';
import { DeviceSupervision } from '../devices/device-supervision.service.js';
import { Inbox } from './inbox.service.js';

type OperationOutcome = { resourceType: 'OperationOutcome'; issue: Array<{ severity: 'information' | 'error'; code: string; diagnostics: string }> };

const outcome = (severity: 'information' | 'error', code: string, diagnostics: string): OperationOutcome => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity, code, diagnostics }],
});

/**
 * VKP interface I1: a vendor's cloud that already speaks VKP posts Flag, MedicationDispense
 * and DetectedIssue for one of its devices, into the same inbox as MQTT; it is answered with
 * an OperationOutcome. What cannot be read is quarantined with its reason, like any bad input.
 */
@ApiTags('vkp')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('api/vkp/devices')
export class VkpFhirController {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly directory: DeviceDirectory,
    private readonly inbox: Inbox,
    private readonly heartbeats: DeviceHeartbeats,
    private readonly supervision: DeviceSupervision,
    private readonly holds: AlarmHolds,
    private readonly doses: DispenserJournal,
  ) {}

  @Post(':deviceId/:resourceType')
  @HttpCode(201)
  @ApiOperation({ summary: 'Post a VKP Flag, MedicationDispense or DetectedIssue for one of your devices' })
  async post(
    @Acting() principal: Principal,
    @Param('deviceId') deviceId: string,
    @Param('resourceType') resourceType: string,
    @Body() resource: unknown,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OperationOutcome> {
    if (principal.role !== 'vendor') throw new ForbiddenException('VKP I1 is for vendor accounts');
    await this.tenancy.device(principal, deviceId);
    const device = (await this.directory.find(deviceId))!;
    const payload = Buffer.from(JSON.stringify(resource ?? null));
    const topic = `api/vkp/devices/${deviceId}/${resourceType}`;
    const refuse = async (reason: string, detail: string): Promise<OperationOutcome> => {
      await this.inbox.store({ kind: 'quarantine', deviceId, topic, reason, detail, payload, payloadBytes: payload.length });
      response.status(reason === 'inactive-device' ? 409 : 400);
      return outcome('error', reason === 'inactive-device' ? 'conflict' : 'invalid', detail);
    };
    if (!device.active) return refuse('inactive-device', `device ${deviceId} is suspended or retired`);
    const type = (resource as { resourceType?: unknown } | null)?.resourceType;
    if (type !== resourceType) return refuse('wrong-type', `resourceType "${String(type)}" does not match the URL's ${resourceType}`);
    const decoded = adapterNamed('vkp-fhir')!.decode(payload, { deviceId, receivedAt: new Date().toISOString() });
    if (!decoded.ok) return refuse(decoded.error.reason, decoded.error.detail);
    // A post is contact from the device, whether or not it raises anything.
    const contactRestored =
      decoded.events.length > 0
        ? await this.inbox.store({ kind: 'events', device, events: decoded.events })
        : (await this.heartbeats.seen([deviceId], decoded.report?.battery)).length > 0;
    if (contactRestored) await this.supervision.restored(deviceId);
    // A completed dispense: the dose taken out, so a missed dose held for its grace period raises nothing.
    if (decoded.report?.dispensedAt !== undefined) {
      const { dispensedAt } = decoded.report;
      await Promise.all([this.holds.cancel(deviceId, { dispensedAt }), this.doses.taken(deviceId, dispensedAt)]);
    }
    response.status(decoded.events.length > 0 ? 201 : 200);
    return outcome('information', 'informational', decoded.events.length > 0 ? `stored as ${decoded.events.map((event) => event.code).join(', ')}` : 'received; raises no alarm');
  }
}
