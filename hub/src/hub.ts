import 'reflect-metadata';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Logger, type LoggerService, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FleetManifest } from '@knutepunkt/device-adapters';
import express from 'express';
import type { DataSource } from 'typeorm';
import { type HubConfig, loadConfig } from './config/config.js';
import { openDatabase } from './db/data-source.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded-database.js';
import { redisAnswers } from './db/redis.js';
import { seedDemoFleet } from './demo/demo-fleet.js';
import { HubModule } from './hub.module.js';
import { MqttBroker } from './ingest/mqtt-broker.service.js';

export interface RunningHub {
  config: HubConfig;
  url: string;
  mqttUrl: string;
  dataSource: DataSource;
  manifest: FleetManifest | null;
  stop(): Promise<void>;
}

/** Request bodies stay under about 1 MB (DESIGN.md). */
const BODY_LIMIT = '1mb';

/** Starts the whole hub: database, HTTP API and console, socket.io, MQTT broker, journal worker. */
export async function startHub(env: NodeJS.ProcessEnv = process.env, logger?: LoggerService | false): Promise<RunningHub> {
  const config = loadConfig(env);
  const log = new Logger('Hub');
  if (!env.SESSION_SECRET) log.warn('SESSION_SECRET is unset: sessions end when the hub restarts, and several hubs cannot share them');
  if (!(await redisAnswers(config.REDIS_URL!))) {
    throw new Error(
      'Redis does not answer at REDIS_URL. Start one (`redis-server --daemonize yes`, or `apt-get install redis-server`) or point REDIS_URL at yours.',
    );
  }
  let embedded: EmbeddedDatabase | null = null;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedDatabase(config.EMBEDDED_DB_DIR!, config.EMBEDDED_DB_PORT, (line) => log.log(line));
    databaseUrl = embedded.url;
    log.log(`DATABASE_URL is unset: using the embedded PostgreSQL on port ${config.EMBEDDED_DB_PORT}`);
  }
  const dataSource = await openDatabase(databaseUrl);

  const app = await NestFactory.create<NestExpressApplication>(HubModule.with(config, dataSource), {
    bodyParser: false,
    logger: logger ?? undefined,
    abortOnError: false,
  });
  app.use(express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/fhir+json'] }));
  // OAuth2 token requests are form-encoded (RFC 6749); nowhere else takes forms.
  app.use('/api/epj/token', express.urlencoded({ extended: false, limit: '4kb' }));
  // PostgreSQL text cannot hold NUL: refuse it at the door rather than fail deep inside.
  app.use((request: express.Request, response: express.Response, next: express.NextFunction) => {
    if (request.body !== undefined && JSON.stringify(request.body).includes('\\u0000')) {
      response.status(400).json({ statusCode: 400, message: 'text must not contain NUL characters' });
    } else next();
  });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  const openApi = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('Knutepunkt hub').setDescription('Response-centre API of the welfare-technology hub').setVersion('0.1.0').addBearerAuth().build(),
  );
  app.use('/api/openapi.json', (_request: express.Request, response: express.Response) => response.json(openApi));
  serveConsole(app, config.CONSOLE_DIR!, log);

  await app.listen(config.HUB_PORT, config.HUB_HOST!);
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://${config.HUB_HOST}:${address.port}`;
  const mqttPort = await app.get(MqttBroker).listen();
  const mqttUrl = `mqtt://${config.MQTT_HOST}:${mqttPort}`;
  const manifest = config.DEMO_FLEET ? await seedDemoFleet(dataSource, config.FLEET_MANIFEST_PATH!, url, mqttUrl) : null;

  return {
    config,
    url,
    mqttUrl,
    dataSource,
    manifest,
    async stop() {
      await app.close();
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

/** The console is a static single-page app: files as they are, every other page its index.html. */
function serveConsole(app: NestExpressApplication, consoleDir: string, log: Logger): void {
  const index = path.join(consoleDir, 'index.html');
  if (!existsSync(index)) {
    log.warn(`no console build in ${consoleDir}: run \`pnpm build\` to serve the console at /`);
    return;
  }
  app.use(express.static(consoleDir, { index: 'index.html', maxAge: '1h' }));
  app.use((request: express.Request, response: express.Response, next: express.NextFunction) => {
    const apiPath = request.path.startsWith('/api') || request.path.startsWith('/socket.io') || request.path === '/health';
    if (request.method === 'GET' && !apiPath) response.sendFile(index);
    else next();
  });
}
