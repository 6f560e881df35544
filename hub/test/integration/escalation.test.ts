import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AlarmSupervisorAlert, AlarmView } from '../../src/realtime/contract.js';
import { api, connectDevice, consoleSocket, deviceOf, eventually, loginAs, nativeEvent, REDIS_URL, startTestHub, type TestHub } from './hub-harness.js';

let test: TestHub;
let operator: string;

beforeAll(async () => {
  test = await startTestHub();
  operator = (await loginAs(test, 'operator')).token;
  // A one-second answer limit, so escalation is seen in the test's time.
  await test.hub.dataSource.query("UPDATE tenants SET answer_limit_seconds = 1 WHERE name = 'Nordby kommune'");
});
afterAll(async () => {
  await test?.stop();
});

it('escalates an untaken alarm each time its answer limit passes, raises it in the queue, tells the supervisor, and stops once it is taken', async () => {
  const console = await consoleSocket(test.hub, operator);
  const supervisor = await consoleSocket(test.hub, (await loginAs(test, 'supervisor')).token);
  const device = deviceOf(test.manifest, 'safety-alarm', 0);
  const client = await connectDevice(test.hub.mqttUrl, device);
  const event = nativeEvent('4.13');
  await client.publishAsync(`devices/${device.deviceId}/events`, event.payload, { qos: 1 });
  await client.endAsync();

  const first = await eventually(() => console.received.find((message) => message.event === 'alarm:escalated' && message.alarm.escalationLevel === 1), 10_000, 'first escalation');
  const alarmId = first.alarm.id;
  await eventually(() => console.received.find((message) => message.event === 'alarm:escalated' && message.alarm.id === alarmId && message.alarm.escalationLevel === 2), 10_000, 'second escalation');
  // The supervisor hears of each step; operators hear the escalation itself, not the supervisor's alert.
  const alerts = supervisor.received.filter((message) => message.event === 'supervisor:alert').map((message) => message.alarm as unknown as AlarmSupervisorAlert);
  expect(alerts.filter((alert) => alert.alarm.id === alarmId && alert.kind === 'not-answered').map((alert) => alert.alarm.escalationLevel)).toEqual(expect.arrayContaining([1, 2]));
  expect(console.received.some((message) => message.event === 'supervisor:alert')).toBe(false);

  // Escalated twice, a button press (severity 30 or 40) stands above a fresh critical fall in the queue.
  const fall = deviceOf(test.manifest, 'safety-alarm', 1);
  const fallClient = await connectDevice(test.hub.mqttUrl, fall);
  await fallClient.publishAsync(`devices/${fall.deviceId}/events`, nativeEvent('4.1').payload, { qos: 1 });
  await fallClient.endAsync();
  const queue = (await api<AlarmView[]>(test.hub, operator, 'GET', '/api/alarms')).body;
  const order = queue.map((alarm) => alarm.id);
  const freshFall = queue.find((alarm) => alarm.device.id === fall.deviceId && alarm.code === '4.1')!;
  expect(order.indexOf(alarmId)).toBeLessThan(order.indexOf(freshFall.id));

  const taken = await api<AlarmView>(test.hub, operator, 'POST', `/api/alarms/${alarmId}/take`);
  expect(taken.status).toBe(200);
  const level = taken.body.escalationLevel;
  // The step already queued runs, and finds the alarm taken: no further escalation.
  const jobs = new Queue('alarm-escalation', { connection: { url: REDIS_URL }, prefix: test.env.QUEUE_PREFIX });
  await eventually(async () => (await jobs.getJob(`${alarmId}.${level + 1}`))?.isCompleted(), 10_000, 'the queued escalation step to run');
  await jobs.close();
  const [after] = (await test.hub.dataSource.query('SELECT escalation_level FROM alarms WHERE id = $1', [alarmId])) as Array<{ escalation_level: number }>;
  expect(after!.escalation_level).toBe(level);
  console.socket.close();
  supervisor.socket.close();
});

it('gives an alarm put back in the queue a whole answer limit from then: the step queued before the take does not escalate it early', async () => {
  await test.hub.dataSource.query("UPDATE tenants SET answer_limit_seconds = 3 WHERE name = 'Nordby kommune'");
  const device = deviceOf(test.manifest, 'safety-alarm', 2);
  const client = await connectDevice(test.hub.mqttUrl, device);
  await client.publishAsync(`devices/${device.deviceId}/events`, nativeEvent('4.13').payload, { qos: 1 });
  await client.endAsync();
  const alarm = (await api<AlarmView[]>(test.hub, operator, 'GET', '/api/alarms')).body.find((candidate) => candidate.device.id === device.deviceId && candidate.state === 'reported')!;
  expect((await api(test.hub, operator, 'POST', `/api/alarms/${alarm.id}/take`)).status).toBe(200);
  // Released two seconds in: the step queued at raising (due at three seconds) must find the clock restarted.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const released = await api<AlarmView>(test.hub, operator, 'POST', `/api/alarms/${alarm.id}/release`);
  expect(released.body.state).toBe('reported');
  const jobs = new Queue('alarm-escalation', { connection: { url: REDIS_URL }, prefix: test.env.QUEUE_PREFIX });
  await eventually(async () => (await jobs.getJob(`${alarm.id}.1`))?.isCompleted(), 10_000, 'the step queued at raising to run');
  const [early] = (await test.hub.dataSource.query('SELECT escalation_level FROM alarms WHERE id = $1', [alarm.id])) as Array<{ escalation_level: number }>;
  expect(early!.escalation_level).toBe(0);
  // A whole limit after the release, it escalates.
  await eventually(async () => {
    const [row] = (await test.hub.dataSource.query('SELECT escalation_level FROM alarms WHERE id = $1', [alarm.id])) as Array<{ escalation_level: number }>;
    return row!.escalation_level === 1;
  }, 10_000, 'the escalation a whole limit after the release');
  await jobs.close();
});

it('still escalates after Redis lost its clocks: the sweep queues them again from the database', async () => {
  const lossy = await startTestHub({ CLOCK_SWEEP_SECONDS: '1' });
  const jobs = new Queue('alarm-escalation', { connection: { url: REDIS_URL }, prefix: lossy.env.QUEUE_PREFIX });
  try {
    await lossy.hub.dataSource.query("UPDATE tenants SET answer_limit_seconds = 5 WHERE name = 'Nordby kommune'");
    const token = (await loginAs(lossy, 'operator')).token;
    const device = deviceOf(lossy.manifest, 'safety-alarm', 3);
    const client = await connectDevice(lossy.hub.mqttUrl, device);
    await client.publishAsync(`devices/${device.deviceId}/events`, nativeEvent('4.13').payload, { qos: 1 });
    await client.endAsync();
    const alarm = await eventually(async () => (await api<AlarmView[]>(lossy.hub, token, 'GET', '/api/alarms')).body.find((candidate) => candidate.device.id === device.deviceId), 10_000, 'alarm raised');
    await eventually(async () => (await jobs.getJob(`${alarm.id}.1`)) !== undefined, 10_000, 'its first step queued');
    // Redis loses the hub's escalation clocks, as a Redis restarted without persistence would.
    await jobs.obliterate({ force: true });
    expect(await jobs.getJob(`${alarm.id}.1`)).toBeUndefined();
    await eventually(async () => {
      const [row] = (await lossy.hub.dataSource.query('SELECT escalation_level FROM alarms WHERE id = $1', [alarm.id])) as Array<{ escalation_level: number }>;
      return row!.escalation_level >= 1;
    }, 15_000, 'the escalation after the clocks were lost');
  } finally {
    await jobs.close();
    await lossy.stop();
  }
});
