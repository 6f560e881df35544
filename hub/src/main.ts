import { ConfigError } from './config/config.js';
import { startHub } from './hub.js';

/** `node dist/main.js`: starts the hub and stops it cleanly on SIGINT / SIGTERM. */
try {
  const hub = await startHub();
  console.log(`\nKnutepunkt hub ready\n  console and API  ${hub.url}\n  MQTT broker      ${hub.mqttUrl}\n  OpenAPI          ${hub.url}/api/openapi.json\n`);
  if (hub.manifest) {
    const operator = hub.manifest.operators[0]!;
    console.log(`Demo login: ${operator.username} / ${operator.password}  (more in ${hub.config.FLEET_MANIFEST_PATH})\n`);
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void hub.stop().then(() => process.exit(0));
    });
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `The hub could not start: ${(error as Error).message}`);
  process.exit(1);
}
