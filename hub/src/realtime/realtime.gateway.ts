import { Inject, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Server } from 'socket.io';
import { readSessionToken } from '../auth/session-token.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { redisConnection } from '../db/redis.js';
import type { AlarmView, ConsoleToServerEvents, ServerToConsoleEvents } from './contract.js';

const tenantRoom = (tenantId: string) => `tenant:${tenantId}`;

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
      void socket.join(session.tenantIds.map(tenantRoom));
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

  async onApplicationShutdown(): Promise<void> {
    // Consoles go first, so the adapter has nothing in flight when its Redis connections close.
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all(this.redis.map((connection) => connection.quit().catch(() => undefined)));
  }
}
