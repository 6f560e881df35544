import { performance } from 'node:perf_hooks';
import { it } from 'vitest';
import { connectDevice, nativeEvent, startTestHub } from '../test/integration/hub-harness.js';

const DEVICES = 20;
const EVENTS_PER_DEVICE = 150;
const IN_FLIGHT_PER_DEVICE = 10;

interface Figures {
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Every device publishes QoS 1 events with a few in flight; each counts from publish to PUBACK. */
async function measure(batchSize: number): Promise<Figures> {
  const test = await startTestHub({ INGEST_BATCH_SIZE: String(batchSize), EPJ_FHIR_URL: '' });
  try {
    const devices = test.manifest.residents.flatMap((resident) => resident.devices).filter((device) => device.adapter === 'native-json').slice(0, DEVICES);
    const clients = await Promise.all(devices.map((device) => connectDevice(test.hub.mqttUrl, device)));
    const latencies: number[] = [];
    const started = performance.now();
    await Promise.all(
      clients.map(async (client, index) => {
        const topic = `devices/${devices[index]!.deviceId}/events`;
        for (let sent = 0; sent < EVENTS_PER_DEVICE; sent += IN_FLIGHT_PER_DEVICE) {
          await Promise.all(
            Array.from({ length: IN_FLIGHT_PER_DEVICE }, async () => {
              const begun = performance.now();
              await client.publishAsync(topic, nativeEvent('4.13').payload, { qos: 1 });
              latencies.push(performance.now() - begun);
            }),
          );
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(clients.map((client) => client.endAsync()));
    latencies.sort((a, b) => a - b);
    return {
      eventsPerSecond: latencies.length / seconds,
      p50Ms: latencies[Math.floor(latencies.length * 0.5)]!,
      p99Ms: latencies[Math.floor(latencies.length * 0.99)]!,
    };
  } finally {
    await test.stop();
  }
}

it('ingest: acknowledged-after-write throughput with and without group commit', async () => {
  const single = await measure(1);
  const grouped = await measure(500);
  const row = (name: string, figures: Figures) =>
    `${name.padEnd(26)} ${figures.eventsPerSecond.toFixed(0).padStart(7)} events/s   PUBACK p50 ${figures.p50Ms.toFixed(1).padStart(6)} ms   p99 ${figures.p99Ms.toFixed(1).padStart(6)} ms`;
  console.log(
    [
      '',
      `ingest benchmark: ${DEVICES} devices x ${EVENTS_PER_DEVICE} QoS 1 events, ${IN_FLIGHT_PER_DEVICE} in flight per device, real PostgreSQL`,
      row('one transaction per event', single),
      row('group commit (batch 500)', grouped),
      `ratio: group commit is ${(grouped.eventsPerSecond / single.eventsPerSecond).toFixed(2)}x the throughput`,
      '',
    ].join('\n'),
  );
}, 600_000);
