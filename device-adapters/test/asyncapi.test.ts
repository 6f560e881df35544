import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DiagnosticSeverity, Parser, type Diagnostic } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { readFixture } from '../src/conformance/index.js';
import type { DecodeContext, DeviceAdapter, DeviceCommand } from '../src/device-event.js';
import { isInstant } from '../src/instant.js';
import { ADAPTER_NAMES, adapterNamed } from '../src/registry.js';
import { ALERT_CODES } from '../src/vkp-codes.js';

/**
 * asyncapi.yaml is what vendors build against; these tests keep it valid AsyncAPI 3 and keep it
 * from drifting away from the adapters, the VKP code table, the fixtures and the hub's topics.
 */
const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOCUMENT_TEXT = readFileSync(join(PACKAGE_ROOT, 'asyncapi.yaml'), 'utf8');
const FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures');
/** The hub's topic parser and ACL, when this package sits in the workspace beside the hub. */
const HUB_TOPICS = join(PACKAGE_ROOT, '..', 'hub', 'src', 'ingest', 'topics.ts');

const CONTEXT: DecodeContext = { deviceId: 'dev-00042', receivedAt: '2026-03-01T07:00:00.000Z' };
const BINARY = 'application/octet-stream';

/** The command behind each command example, by example name; native JSON examples are these verbatim. */
const COMMAND_OF_EXAMPLE: { [Kind in DeviceCommand['kind']]: Extract<DeviceCommand, { kind: Kind }> } = {
  'alarm-received': { kind: 'alarm-received', alarmId: '5f0c6f1e-3a44-4b7e-9d8c-2f1a0b9e7c11' },
  configure: { kind: 'configure', heartbeatSeconds: 900 },
  test: { kind: 'test' },
};

interface Example {
  name?: string;
  payload?: unknown;
}
interface Message {
  name?: string;
  contentType?: string;
  'x-adapter'?: string;
  payload?: Schema;
  examples?: Example[];
}
interface Schema {
  type?: string | string[];
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
}
interface Operation {
  action: 'send' | 'receive';
  channel: Reference;
  bindings?: { mqtt?: { qos?: number; retain?: boolean } };
}
interface Channel {
  address: string;
  messages: Record<string, Reference>;
}
type Reference = { $ref: string };

const document = parseYaml(DOCUMENT_TEXT) as {
  channels: Record<string, Channel>;
  operations: Record<string, Operation>;
  components: { schemas: Record<string, Schema> };
};

/** Follows local `$ref`s ("#/components/…"), the only kind the document uses. */
function resolved<T>(node: T | Reference): T {
  let current: unknown = node;
  while (typeof current === 'object' && current !== null && '$ref' in current) {
    const ref = (current as Reference).$ref;
    if (!ref.startsWith('#/')) throw new Error(`only local references are expected, got ${ref}`);
    current = ref
      .slice(2)
      .split('/')
      .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((parent, segment) => (parent as Record<string, unknown> | undefined)?.[segment], document);
    if (current === undefined) throw new Error(`${ref} does not resolve`);
  }
  return current as T;
}

function messagesOf(channelKey: string): Message[] {
  const channel = document.channels[channelKey];
  if (!channel) throw new Error(`no channel ${channelKey}`);
  return Object.values(channel.messages).map((message) => resolved<Message>(message));
}

function schemaOf(schema: Schema | Reference | undefined): Schema {
  if (!schema) throw new Error('missing schema');
  const found = resolved(schema);
  return { ...found, properties: found.properties && Object.fromEntries(Object.entries(found.properties).map(([key, value]) => [key, resolved(value)])) };
}

function adapterOf(message: Message): DeviceAdapter {
  const adapter = message['x-adapter'] === undefined ? undefined : adapterNamed(message['x-adapter']);
  if (!adapter) throw new Error(`message ${message.name} names no registered adapter (x-adapter ${message['x-adapter']})`);
  return adapter;
}

/** Binary formats show their examples as hex; the others are the JSON they are sent as. */
function bytesOf(message: Message, example: Example): Uint8Array {
  if (message.contentType !== BINARY) return new TextEncoder().encode(JSON.stringify(example.payload));
  if (typeof example.payload !== 'string' || !/^(?:[0-9a-f]{2})+$/i.test(example.payload)) throw new Error(`${example.name}: binary examples are hex`);
  return Uint8Array.from(example.payload.match(/../g)!, (pair) => Number.parseInt(pair, 16));
}

/** Messages on the channels a device or gateway sends its events on: one per adapter. */
const EVENT_MESSAGES = [...messagesOf('deviceEvents'), ...messagesOf('gatewaySensorState')];
const COMMAND_MESSAGES = messagesOf('deviceCommands');

function describeDiagnostic({ severity, code, path, message }: Diagnostic): string {
  return `${DiagnosticSeverity[severity]} ${String(code)} at ${path.join('.')}: ${message}`;
}

describe('asyncapi.yaml', () => {
  it('is valid AsyncAPI 3.0.0 with no errors or warnings from the AsyncAPI parser', async () => {
    const parser = new Parser();
    const serious = (diagnostics: Diagnostic[]) =>
      diagnostics.filter((diagnostic) => diagnostic.severity <= DiagnosticSeverity.Warning).map(describeDiagnostic);
    expect(serious(await parser.validate(DOCUMENT_TEXT))).toEqual([]);
    const { document: parsed, diagnostics } = await parser.parse(DOCUMENT_TEXT);
    expect(serious(diagnostics)).toEqual([]);
    // The one information left: 3.1.0 exists, and the contract is pinned to 3.0.0 on purpose.
    expect(diagnostics.filter((diagnostic) => diagnostic.severity < DiagnosticSeverity.Hint).map((diagnostic) => diagnostic.code)).toEqual([
      'asyncapi-latest-version',
    ]);
    expect(parsed?.version()).toBe('3.0.0');
    expect(parsed?.servers().get('hub')?.protocol()).toBe('mqtt');
  });

  it("enumerates exactly the VKP alert codes as the native-json event's code", () => {
    const code = schemaOf(document.components.schemas.nativeJsonEvent).properties?.code;
    expect([...(code?.enum ?? [])].sort()).toEqual(Object.keys(ALERT_CODES).sort());
  });

  it('has an event message for every registered adapter, with its content type', () => {
    expect(EVENT_MESSAGES.map((message) => message['x-adapter']).sort()).toEqual([...ADAPTER_NAMES].sort());
    for (const message of EVENT_MESSAGES) {
      expect(message.name, `${message.name} is named by its adapter`).toBe(message['x-adapter']);
      expect(message.contentType, `${message.name}`).toBe(adapterOf(message).contentType);
    }
  });

  it('has a command message for exactly the adapters that encode commands', () => {
    const commanding = ADAPTER_NAMES.filter((name) => adapterNamed(name)?.encodeCommand !== undefined);
    expect(COMMAND_MESSAGES.map((message) => message['x-adapter']).sort()).toEqual(commanding.sort());
  });

  describe.each(EVENT_MESSAGES.map((message) => [message.name!, message] as const))('the %s examples', (_name, message) => {
    const adapter = adapterOf(message);
    const examples = message.examples ?? [];

    it('exist', () => expect(examples.length).toBeGreaterThan(0));

    it.each(examples.map((example) => [example.name!, example] as const))('%s is its fixture and decodes to an event', (name, example) => {
      const bytes = bytesOf(message, example);
      const fixture = readFixture(join(FIXTURES, `${adapter.name}.${name}.${message.contentType === BINARY ? 'hex' : 'json'}`));
      if (message.contentType === BINARY) expect(bytes).toEqual(fixture);
      else expect(example.payload).toEqual(JSON.parse(new TextDecoder().decode(fixture)));
      const result = adapter.decode(bytes, CONTEXT);
      expect(result.ok ? 'ok' : result.error).toBe('ok');
      expect(result.ok && result.events.length).toBeGreaterThan(0);
    });
  });

  describe.each(COMMAND_MESSAGES.map((message) => [message.name!, message] as const))('the %s examples', (_name, message) => {
    const adapter = adapterOf(message);

    it('show one command of each kind, as the adapter encodes it', () => {
      expect((message.examples ?? []).map((example) => example.name).sort()).toEqual(Object.keys(COMMAND_OF_EXAMPLE).sort());
      for (const example of message.examples ?? []) {
        const command = COMMAND_OF_EXAMPLE[example.name as DeviceCommand['kind']];
        const encoded = adapter.encodeCommand!(command);
        if (message.contentType === BINARY) expect(bytesOf(message, example), example.name).toEqual(encoded);
        else expect(example.payload, example.name).toEqual(JSON.parse(new TextDecoder().decode(encoded)));
      }
    });
  });

  describe('the native-json event schema draws the lines the adapter draws', () => {
    const schema = schemaOf(document.components.schemas.nativeJsonEvent);
    const property = (name: string): Schema => {
      const found = schema.properties?.[name];
      if (!found) throw new Error(`no property ${name}`);
      return found;
    };
    const adapter = adapterNamed('native-json')!;
    const valid = { id: 'evt-1', code: '4.1', occurredAt: '2026-03-01T08:14:05+01:00' };
    const accepts = (payload: Record<string, unknown>): boolean => adapter.decode(new TextEncoder().encode(JSON.stringify(payload)), CONTEXT).ok;

    it('requires id, code and occurredAt, and the adapter refuses an event without any of them', () => {
      expect(schema.required).toEqual(['id', 'code', 'occurredAt']);
      expect(accepts(valid)).toBe(true);
      for (const field of schema.required ?? []) expect(accepts({ ...valid, [field]: undefined }), field).toBe(false);
    });

    it.each(['id', 'text'])('%s: the adapter takes the longest string the schema allows and refuses one more', (field) => {
      const { minLength = 0, maxLength } = property(field);
      expect(maxLength).toBeDefined();
      expect(accepts({ ...valid, [field]: 'x'.repeat(maxLength!) })).toBe(true);
      expect(accepts({ ...valid, [field]: 'x'.repeat(maxLength! + 1) })).toBe(false);
      if (minLength > 0) expect(accepts({ ...valid, [field]: 'x'.repeat(minLength - 1) })).toBe(false);
    });

    const location = (fields: Record<string, number>) => ({ ...valid, location: { lat: 59.9, lon: 10.7, ...fields } });
    it.each([
      ['battery', () => property('battery'), (value: number) => ({ ...valid, battery: value })],
      ['location.lat', () => property('location').properties!.lat!, (value: number) => location({ lat: value })],
      ['location.lon', () => property('location').properties!.lon!, (value: number) => location({ lon: value })],
      ['location.accuracyM', () => property('location').properties!.accuracyM!, (value: number) => location({ accuracyM: value })],
    ] as const)('%s: the adapter takes the schema minimum and maximum and refuses beyond them', (_field, range, payload) => {
      const { minimum, maximum } = range();
      expect(minimum).toBeDefined();
      expect(maximum).toBeDefined();
      for (const inside of [minimum!, maximum!]) expect(accepts(payload(inside)), `${inside}`).toBe(true);
      for (const outside of [minimum! - 0.5, maximum! + 0.5]) expect(accepts(payload(outside)), `${outside}`).toBe(false);
    });

    it('location needs lat and lon, as the adapter does', () => {
      expect(property('location').required).toEqual(['lat', 'lon']);
      expect(accepts({ ...valid, location: { lat: 59.9 } })).toBe(false);
      expect(accepts({ ...valid, location: { lon: 10.7 } })).toBe(false);
    });

    it("occurredAt's pattern takes exactly the instants the adapter takes", () => {
      const pattern = new RegExp(resolved(property('occurredAt')).pattern!);
      const samples = [
        '2026-03-01T08:14:05+01:00',
        '2026-03-01T07:14:05Z',
        '2026-03-01t07:14:05z',
        '2026-03-01T07:14Z',
        '2026-03-01T07:14:05.123456789Z',
        '2026-03-01T08:14:05+0100',
        '2026-03-01T07:14:05-05:00',
        '2026-03-01T07:14:05',
        '2026-03-01 07:14:05Z',
        '2026-03-01',
        '2026-03-01T07:14:05.1234567890Z',
        '2026-03-01T07:14:05+1',
        'i går kveld',
      ];
      for (const sample of samples) expect(pattern.test(sample), sample).toBe(isInstant(sample));
    });
  });

  it('lists only dispenser-json event types the adapter knows', () => {
    const eventType = schemaOf(document.components.schemas.dispenserJsonEvent).properties?.eventType;
    const adapter = adapterNamed('dispenser-json')!;
    const decode = (type: unknown) =>
      adapter.decode(new TextEncoder().encode(JSON.stringify({ eventType: type, eventId: 1, timestamp: '2026-03-01T08:14:05+01:00' })), CONTEXT);
    for (const type of eventType?.enum ?? []) expect(decode(type).ok, String(type)).toBe(true);
    expect(decode('DOSE_SKIPPED')).toMatchObject({ ok: false, error: { reason: 'unknown-code' } });
  });

  it("uses the hub's topics: devices/{deviceId}/… and gateways/{gatewayId}/…", () => {
    expect(Object.values(document.channels).map((channel) => channel.address).sort()).toEqual(
      [
        'devices/{deviceId}/events',
        'devices/{deviceId}/heartbeat',
        'devices/{deviceId}/status',
        'devices/{deviceId}/commands',
        'gateways/{gatewayId}/{sensorName}',
        'gateways/{gatewayId}/bridge/state',
      ].sort(),
    );
    const { sendEvent, sendStatus, receiveCommand } = document.operations;
    expect(sendEvent?.bindings?.mqtt).toMatchObject({ qos: 1, retain: false });
    expect(sendStatus?.bindings?.mqtt).toMatchObject({ qos: 1, retain: true });
    expect(receiveCommand?.action).toBe('receive');
  });

  describe.skipIf(!existsSync(HUB_TOPICS))("against the hub's topic parser and ACL", () => {
    interface HubTopics {
      parseDeviceTopic(topic: string): { kind: string; deviceId: string } | null;
      mayPublish(deviceId: string, topic: string, isGateway?: boolean): boolean;
      maySubscribe(deviceId: string, topic: string, isGateway?: boolean): boolean;
      sensorAddress(path: string): string | null;
    }
    const ids = { deviceId: 'dev-00042', gatewayId: 'dev-00042', sensorName: 'stue-dor' };
    const topicOf = (address: string, own = true) =>
      address.replace(/\{(\w+)\}/g, (_whole, name: keyof typeof ids) => (own || name === 'sensorName' ? ids[name] : 'dev-77777'));

    it.each(Object.entries(document.operations))('%s is a topic the device may use, and only with its own id', async (_key, operation) => {
      const hub = (await import(pathToFileURL(HUB_TOPICS).href)) as HubTopics;
      const { address } = resolved<Channel>(operation.channel);
      const gateway = address.startsWith('gateways/');
      const topic = topicOf(address);
      expect(hub.parseDeviceTopic(topic)).toMatchObject({ deviceId: ids.deviceId, kind: gateway ? 'gateway' : address.split('/')[2] });
      const allowed = operation.action === 'send' ? hub.mayPublish : hub.maySubscribe;
      expect(allowed(ids.deviceId, topic, gateway), topic).toBe(true);
      expect(allowed(ids.deviceId, topicOf(address, false), gateway), 'another device’s topic').toBe(false);
      if (gateway) expect(hub.sensorAddress(topic.split('/').slice(2).join('/'))).toBe(address.endsWith('/bridge/state') ? null : ids.sensorName);
    });
  });
});
