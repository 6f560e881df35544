import { BadRequestException, ConflictException, ForbiddenException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ADAPTER_NAMES } from '@knutepunkt/device-adapters';
import { DataSource, type EntityManager, In, IsNull } from 'typeorm';
import { AlarmsService } from '../alarms/alarms.service.js';
import { HeldEvent } from '../alarms/held-event.entity.js';
import { AuditService } from '../audit/audit.service.js';
import { hashSecret, newSecret } from '../auth/secret-hash.js';
import type { Principal } from '../auth/session-token.js';
import { Tenancy } from '../auth/tenancy.js';
import { Tenant } from '../auth/tenant.entity.js';
import { DeviceConnections } from '../ingest/device-connections.js';
import type { DeviceCredentials, DeviceDetail, DeviceView, PlaceDeviceRequest, RegisterDeviceRequest } from '../realtime/contract.js';
import { Resident } from '../residents/resident.entity.js';
import { DeviceDirectory } from './device-directory.service.js';
import { DeviceModel } from './device-model.entity.js';
import { DeviceOutage } from './device-outage.entity.js';
import { DevicePlacement } from './device-placement.entity.js';
import { DEVICE_ID_PATTERN, Device, type DeviceStatus } from './device.entity.js';


/** Opens a placement for where the device now serves (and closes the one before). */
export async function placeDevice(manager: EntityManager, deviceId: string, tenantId: string, residentId: string | null): Promise<void> {
  await manager.update(DevicePlacement, { deviceId, removedAt: IsNull() }, { removedAt: new Date() });
  await manager.insert(DevicePlacement, { deviceId, tenantId, residentId });
}

/**
 * Provisioning: admins register and place their municipality's devices; a vendor's account
 * registers and manages its own devices and never sees who uses them.
 */
@Injectable()
export class DeviceRegistry {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tenancy: Tenancy,
    private readonly directory: DeviceDirectory,
    private readonly connections: DeviceConnections,
    private readonly audit: AuditService,
    private readonly alarms: AlarmsService,
  ) {}

  async register(principal: Principal, request: RegisterDeviceRequest): Promise<DeviceCredentials> {
    requireManager(principal);
    const model = await this.db.getRepository(DeviceModel).findOneBy({ name: request.model });
    if (!model) throw new BadRequestException(`model: no device model "${request.model}" is registered`);
    if (principal.role === 'vendor' && model.vendorId !== principal.vendorId) throw new ForbiddenException('model: not one of your models');
    if (!ADAPTER_NAMES.includes(model.adapter)) throw new BadRequestException(`model: its adapter "${model.adapter}" is not in this hub`);
    await this.checkTenant(principal, request.tenantId);
    const id = request.id ?? deviceIdFor(request.serial);
    if (!DEVICE_ID_PATTERN.test(id)) throw new BadRequestException('id: letters, digits, ".", "_" and "-" only, at most 64');
    const password = newSecret();
    await this.db.transaction(async (manager) => {
      if (await manager.existsBy(Device, { id })) throw new ConflictException(`id: device ${id} is already registered`);
      if (request.residentId) await this.checkResident(manager, principal, request.tenantId, request.residentId);
      if (request.gatewayId) await this.checkGateway(manager, principal, request.gatewayId, request.tenantId);
      if (request.serial && (await manager.existsBy(Device, { vendorId: model.vendorId ?? IsNull(), serial: request.serial }))) {
        throw new ConflictException(`serial: ${request.serial} is already registered for this vendor`);
      }
      if (request.gatewayId && (await manager.existsBy(Device, { gatewayId: request.gatewayId, gatewayAddress: request.gatewayAddress ?? IsNull() }))) {
        throw new ConflictException(`gatewayAddress: the gateway already has a sensor named "${request.gatewayAddress}"`);
      }
      await manager.insert(Device, {
        id,
        tenantId: request.tenantId,
        residentId: request.residentId ?? null,
        kind: model.kind,
        model: model.name,
        adapter: model.adapter,
        credentialHash: await hashSecret(password),
        status: 'active',
        vendorId: model.vendorId,
        serial: request.serial,
        gatewayId: request.gatewayId ?? null,
        gatewayAddress: request.gatewayAddress ?? null,
        training: request.training ?? false,
        heartbeatSeconds: model.heartbeatSeconds,
        missedHeartbeats: model.missedHeartbeats,
      });
      await placeDevice(manager, id, request.tenantId, request.residentId ?? null);
      if (request.residentId) await this.audit.record(principal, 'device.register', [request.residentId], `device ${id} placed with the resident`, manager);
    });
    return { device: await this.view(principal, id), password };
  }

  /** Devices most in need of attention first: out of contact, then low battery, then not yet heard from. */
  async list(principal: Principal): Promise<DeviceView[]> {
    const devices = await this.tenancy
      .devices(principal)
      .andWhere("device.status <> 'retired'")
      .orderBy(
        `CASE WHEN device.contact = 'lost' THEN 0 WHEN device.battery <= 15 THEN 1 WHEN device.contact = 'unknown' THEN 2 WHEN device.status = 'suspended' THEN 3 ELSE 4 END`,
      )
      .addOrderBy('device.lastSeenAt', 'ASC', 'NULLS FIRST')
      .limit(5000)
      .getMany();
    return this.views(principal, devices);
  }

  async detail(principal: Principal, deviceId: string): Promise<DeviceDetail> {
    const device = await this.tenancy.device(principal, deviceId);
    const [view] = await this.views(principal, [device]);
    const vendor = principal.role === 'vendor';
    const [outages, placements, held] = await Promise.all([
      this.db.getRepository(DeviceOutage).find({ where: { deviceId }, order: { startedAt: 'DESC' }, take: 50 }),
      this.db.getRepository(DevicePlacement).find({ where: { deviceId }, order: { placedAt: 'DESC' } }),
      vendor ? null : this.db.getRepository(HeldEvent).find({ where: { deviceId }, order: { holdUntil: 'DESC' }, take: 20 }),
    ]);
    return {
      ...view!,
      outages: outages.map((outage) => ({ startedAt: outage.startedAt.toISOString(), endedAt: outage.endedAt?.toISOString() ?? null, cause: outage.cause, alarmId: vendor ? null : outage.alarmId })),
      placements: placements.map((placement) => ({
        tenantId: placement.tenantId,
        residentId: vendor ? null : placement.residentId,
        placedAt: placement.placedAt.toISOString(),
        removedAt: placement.removedAt?.toISOString() ?? null,
      })),
      held:
        held?.map((hold) => ({
          eventId: hold.eventId,
          code: hold.code,
          holdUntil: hold.holdUntil.toISOString(),
          releasedAt: hold.releasedAt?.toISOString() ?? null,
          cancelledAt: hold.cancelledAt?.toISOString() ?? null,
        })) ?? null,
    };
  }

  /** Moves the device to another resident or municipality (or into stock); its history stays. */
  async place(principal: Principal, deviceId: string, request: PlaceDeviceRequest): Promise<DeviceView> {
    if (principal.role !== 'admin') throw new ForbiddenException('only an admin of the municipality places devices with residents');
    const device = await this.tenancy.device(principal, deviceId);
    await this.checkTenant(principal, request.tenantId);
    await this.db.transaction(async (manager) => {
      if (request.residentId) await this.checkResident(manager, principal, request.tenantId, request.residentId);
      await manager.update(Device, { id: device.id }, { tenantId: request.tenantId, residentId: request.residentId });
      await placeDevice(manager, device.id, request.tenantId, request.residentId);
      const residents = [device.residentId, request.residentId].filter((resident): resident is string => resident !== null);
      await this.audit.record(principal, 'device.place', residents, `device ${device.id} moved`, manager);
    });
    this.directory.forget(device.id);
    return this.view(principal, device.id);
  }

  async rotateCredentials(principal: Principal, deviceId: string): Promise<DeviceCredentials> {
    requireManager(principal);
    const device = await this.tenancy.device(principal, deviceId);
    if (device.status === 'retired') throw new ConflictException('the device is retired');
    const password = newSecret();
    await this.db.getRepository(Device).update({ id: device.id }, { credentialHash: await hashSecret(password) });
    this.endSession(device.id);
    return { device: await this.view(principal, device.id), password };
  }

  async setStatus(principal: Principal, deviceId: string, status: DeviceStatus): Promise<DeviceView> {
    requireManager(principal);
    const device = await this.tenancy.device(principal, deviceId);
    if (device.status === 'retired') throw new ConflictException('the device is retired');
    const openOutages = await this.db.getRepository(DeviceOutage).findBy({ deviceId: device.id, endedAt: IsNull() });
    await this.db.transaction(async (manager) => {
      // Resumed, the device is given a fresh heartbeat deadline; out of service, it is expected to say nothing.
      const contact = status === 'active' ? { contact: 'ok' as const, lastSeenAt: new Date() } : { contact: 'unknown' as const };
      await manager.update(Device, { id: device.id }, status === 'retired' ? { status, residentId: null, ...contact } : { status, ...contact });
      if (status === 'retired') await manager.update(DevicePlacement, { deviceId: device.id, removedAt: IsNull() }, { removedAt: new Date() });
      if (status !== 'active') await manager.update(DeviceOutage, { deviceId: device.id, endedAt: IsNull() }, { endedAt: new Date() });
      if (device.residentId) await this.audit.record(principal, `device.${status}`, [device.residentId], `device ${device.id} set ${status}`, manager);
    });
    if (status !== 'active') {
      this.endSession(device.id);
      for (const outage of openOutages) {
        if (outage.alarmId) await this.alarms.resolveByHub(outage.alarmId, `Utstyret er tatt ut av drift (${status})`);
      }
    } else this.directory.forget(device.id);
    return this.view(principal, device.id);
  }

  private endSession(deviceId: string): void {
    this.directory.forget(deviceId);
    this.connections.disconnect(deviceId);
  }

  async view(principal: Principal, deviceId: string): Promise<DeviceView> {
    const [view] = await this.views(principal, [await this.tenancy.device(principal, deviceId)]);
    return view!;
  }

  private async views(principal: Principal, devices: Device[]): Promise<DeviceView[]> {
    const showResidents = principal.role !== 'vendor';
    const residentIds = [...new Set(devices.map((device) => device.residentId).filter((id): id is string => id !== null))];
    const residents = showResidents && residentIds.length ? await this.db.getRepository(Resident).find({ where: { id: In(residentIds) }, select: ['id', 'name', 'address'] }) : [];
    if (residents.length) await this.audit.record(principal, 'device-list.read', residents.map((resident) => resident.id), 'device health');
    const residentById = new Map(residents.map((resident) => [resident.id, resident]));
    const openOutages = devices.length
      ? await this.db.getRepository(DeviceOutage).find({ where: { deviceId: In(devices.map((device) => device.id)), endedAt: IsNull() } })
      : [];
    const outageSince = new Map(openOutages.map((outage) => [outage.deviceId, outage.startedAt.toISOString()]));
    return devices.map((device) => {
      const resident = device.residentId ? residentById.get(device.residentId) : undefined;
      return {
        id: device.id,
        kind: device.kind,
        model: device.model,
        adapter: device.adapter,
        serial: device.serial,
        status: device.status,
        contact: device.contact,
        tenantId: device.tenantId,
        resident: resident ? { id: resident.id, name: resident.name, address: resident.address } : null,
        gatewayId: device.gatewayId,
        gatewayAddress: device.gatewayAddress,
        lastSeenAt: device.lastSeenAt?.toISOString() ?? null,
        battery: device.battery,
        heartbeatSeconds: device.heartbeatSeconds,
        missedHeartbeats: device.missedHeartbeats,
        outageSince: outageSince.get(device.id) ?? null,
        training: device.training,
      };
    });
  }

  private async checkTenant(principal: Principal, tenantId: string): Promise<void> {
    const exists = await this.db.getRepository(Tenant).existsBy({ id: tenantId });
    // A vendor delivers to any municipality; an admin registers for their own.
    if (!exists || (principal.role !== 'vendor' && !this.tenancy.admits(principal, tenantId))) {
      throw new BadRequestException(`tenantId: no municipality ${tenantId} you may register devices for`);
    }
  }

  private async checkResident(manager: EntityManager, principal: Principal, tenantId: string, residentId: string): Promise<void> {
    if (principal.role === 'vendor') throw new ForbiddenException('residentId: an admin of the municipality places devices with residents');
    if (!(await manager.existsBy(Resident, { id: residentId, tenantId }))) throw new BadRequestException(`residentId: no resident ${residentId} in that municipality`);
  }

  private async checkGateway(manager: EntityManager, principal: Principal, gatewayId: string, tenantId: string): Promise<void> {
    const gateway = await manager.findOneBy(Device, { id: gatewayId, tenantId });
    // A vendor's sensor joins only its own gateway: another's would hand it a resident's door.
    const mayUse = gateway && (principal.role !== 'vendor' || gateway.vendorId === principal.vendorId);
    if (!gateway || gateway.kind !== 'gateway' || !mayUse) throw new BadRequestException(`gatewayId: no gateway ${gatewayId} of yours in that municipality`);
  }
}

function requireManager(principal: Principal): void {
  if (principal.role !== 'admin' && principal.role !== 'vendor') throw new ForbiddenException('only admins and vendor accounts manage devices');
}

/** A device id from a vendor's serial: the characters a topic level and client id allow. */
function deviceIdFor(serial: string): string {
  const id = serial.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
  if (id.length === 0) throw new BadRequestException('serial: empty');
  return id;
}
