import { Inject, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Server } from 'socket.io';
import { readSessionToken } from '../auth/session-token.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { redisConnection } from '../db/redis.js';
import type { AlarmView, ConsoleToServerEvents, HandoverSignal, IncidentView, ServerToConsoleEvents, SupervisorAlert } from './contract.js';

const tenantRoom = (tenantId: string) => `tenant:${tenantId}`;
const supervisorRoom = (tenantId: string) => `supervisors:${tenantId}`;
const teamRoom = (teamId: string) => `team:${teamId}`;
/** Roles told when an alarm or incident waits too long or a responder is late. */
const SUPERVISING = new Set(['supervisor', 'admin']);

/**
 * Pushes alarms to consoles. A console joins the rooms of its operator's tenants only; the
 * Redis adapter carries events between hub instances.
 */
@WebSocketGateway({ cors: false })
export class RealtimeGateway implements OnGatewayInit, OnApplicationShutdown {
  private readonly logger = new Logger(RealtimeGateway.name);
  @WebSocketServer() private server!: Server<ConsoleToServerEvents, ServerToConsoleEvents>;
  private redis: Redis[] = [];

  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig) {}

  afterInit(server: Server<ConsoleToServerEvents, ServerToConsoleEvents>): void {
    const publisher = redisConnection(this.config.REDIS_URL!);
    const subscriber = publisher.duplicate();
    this.redis = [publisher, subscriber];
    server.adapter(createAdapter(publisher, subscriber, { key: `${this.config.QUEUE_PREFIX}:socket.io` }));
    server.use((socket, next) => {
      const token = (socket.handshake.auth as { token?: unknown }).token;
      const session = typeof token === 'string' ? readSessionToken(token, this.config.SESSION_SECRET!) : null;
      if (!session) return next(new Error('log in first: missing or expired session'));
      // A responder hears only its team's call-outs, never the whole queue.
      if (session.role === 'responder') void socket.join(session.teamId ? [teamRoom(session.teamId)] : []);
      else void socket.join(session.tenantIds.map(tenantRoom));
      if (SUPERVISING.has(session.role)) void socket.join(session.tenantIds.map(supervisorRoom));
      // The console hears alarms only as long as its session lasts.
      const expiry = setTimeout(() => socket.disconnect(true), Math.min(session.expiresAt - Date.now(), 2 ** 31 - 1));
      socket.once('disconnect', () => clearTimeout(expiry));
      next();
    });
    this.logger.log('socket.io ready');
  }

  alarmRaised(alarm: AlarmView): void {
    this.server.to(tenantRoom(alarm.tenantId)).emit('alarm:raised', alarm);
  }

  alarmUpdated(alarm: AlarmView): void {
    this.server.to(tenantRoom(alarm.tenantId)).emit('alarm:updated', alarm);
  }

  alarmEscalated(alarm: AlarmView): void {
    this.server.to(tenantRoom(alarm.tenantId)).emit('alarm:escalated', alarm);
  }

  incident(event: 'incident:opened' | 'incident:updated' | 'incident:escalated', incident: IncidentView): void {
    this.server.to(tenantRoom(incident.tenantId)).emit(event, incident);
  }

  /** The call-out's team sees the alarm change: a new call-out, someone accepting, or the call-out over. */
  callOutUpdated(teamId: string, alarm: AlarmView): void {
    this.server.to(teamRoom(teamId)).emit('call-out:updated', alarm);
  }

  supervisorAlert(alert: SupervisorAlert): void {
    const tenantId = alert.kind === 'incident-not-answered' ? alert.incident.tenantId : alert.alarm.tenantId;
    this.server.to(supervisorRoom(tenantId)).emit('supervisor:alert', alert);
  }

  handoverNoted(note: HandoverSignal): void {
    this.server.to(tenantRoom(note.tenantId)).emit('handover:noted', note);
  }

  handoverResolved(note: HandoverSignal): void {
    this.server.to(tenantRoom(note.tenantId)).emit('handover:resolved', note);
  }

  async onApplicationShutdown(): Promise<void> {
    // Consoles go first, so the adapter has nothing in flight when its Redis connections close.
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all(this.redis.map((connection) => connection.quit().catch(() => undefined)));
  }
}
