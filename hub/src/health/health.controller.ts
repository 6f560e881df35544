import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { IngestStats } from '../ingest/ingest-stats.js';
import { MqttBroker } from '../ingest/mqtt-broker.service.js';
import { JournalService } from '../journal/journal.service.js';

/** Readiness: the hub is ready only when the broker, the database and Redis all are. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly broker: MqttBroker,
    private readonly journal: JournalService,
    private readonly stats: IngestStats,
  ) {}

  @Get()
  @HttpCode(200)
  async health(@Res({ passthrough: true }) response: Response) {
    const [database, redis] = await Promise.all([
      this.db.query('SELECT 1').then(() => true, () => false),
      this.journal.redisReady(),
    ]);
    const checks = { broker: this.broker.listening, database, redis };
    const ready = Object.values(checks).every(Boolean);
    response.status(ready ? 200 : 503);
    return {
      status: ready ? 'ready' : 'not-ready',
      checks,
      ingest: { storedEvents: this.stats.storedEvents, duplicateEvents: this.stats.duplicateEvents, quarantined: this.stats.quarantinedByReason },
    };
  }
}
