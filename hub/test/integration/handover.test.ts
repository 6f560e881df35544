import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/auth/secret-hash.js';
import { DEFAULT_SHIFT_CHANGES, noteExpiry } from '../../src/handover/shifts.js';
import type { HandoverBoard, HandoverNoteView, HandoverSignal, LoginResponse, ShiftPlanView } from '../../src/realtime/contract.js';
import { api, consoleSocket, eventually, login, loginAs, startTestHub, type TestHub } from './hub-harness.js';

let test: TestHub;
let kari: LoginResponse;
let ola: LoginResponse;
let siri: LoginResponse;
let nils: LoginResponse;
let vendor: LoginResponse;
let nordby: string;
let sorvik: string;
let astrid: string;
let nordbyNeighbour: string;
let sorvikResident: string;

beforeAll(async () => {
  test = await startTestHub();
  [kari, ola, siri, nils, vendor] = (await Promise.all(['operator', 'operator2', 'sorvik', 'admin', 'vendor'].map((username) => loginAs(test, username)))) as [
    LoginResponse,
    LoginResponse,
    LoginResponse,
    LoginResponse,
    LoginResponse,
  ];
  nordby = kari.operator.tenants[0]!.id;
  sorvik = siri.operator.tenants[0]!.id;
  const residentsOf = async (tenantId: string) =>
    ((await test.hub.dataSource.query('SELECT id FROM residents WHERE tenant_id = $1 ORDER BY name', [tenantId])) as Array<{ id: string }>).map((row) => row.id);
  [astrid, nordbyNeighbour] = (await residentsOf(nordby)) as [string, string];
  [sorvikResident] = (await residentsOf(sorvik)) as [string];
});
afterAll(async () => {
  await test?.stop();
});

const board = async (who: LoginResponse, query = '') => api<HandoverBoard>(test.hub, who.token, 'GET', `/api/handover${query}`);
const write = (who: LoginResponse, body: unknown) => api<HandoverNoteView & { message: string }>(test.hub, who.token, 'POST', '/api/handover', body);
const noteCount = async () => Number(((await test.hub.dataSource.query('SELECT count(*) AS n FROM handover_notes')) as Array<{ n: string }>)[0]!.n);
const lastAudit = async (action: string) =>
  ((await test.hub.dataSource.query('SELECT operator_id, resident_ids, reason FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1', [action])) as Array<{
    operator_id: string;
    resident_ids: string[];
    reason: string;
  }>)[0];

describe('writing and reading handover notes', () => {
  let residentNote: HandoverNoteView;
  let shiftNote: HandoverNoteView;

  it('writes a resident note and a shift note, saying who wrote them and when, with the expiry of the shift plan', async () => {
    const before = Date.now();
    const resident = await write(kari, { kind: 'resident', residentId: astrid, text: '  Astrid har vært urolig i natt, ring datter ved ny alarm  ' });
    const shift = await write(kari, { kind: 'shift', text: 'Strømbrudd i Sørvik, Elvia jobber med det' });
    const after = Date.now();
    expect(resident.status).toBe(201);
    expect(shift.status).toBe(201);
    residentNote = resident.body;
    shiftNote = shift.body;

    expect(residentNote).toMatchObject({
      kind: 'resident',
      tenantId: nordby,
      text: 'Astrid har vært urolig i natt, ring datter ved ny alarm',
      resident: { id: astrid },
      writtenBy: { id: kari.operator.id, displayName: kari.operator.displayName },
      resolvedAt: null,
    });
    expect(shiftNote).toMatchObject({ kind: 'shift', tenantId: nordby, resident: null, writtenBy: { id: kari.operator.id } });
    for (const note of [residentNote, shiftNote]) {
      expect(Date.parse(note.writtenAt)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(note.writtenAt)).toBeLessThanOrEqual(after);
      // The writer has read what they wrote.
      expect(note.readAt).toBe(note.writtenAt);
    }
    expect(residentNote.expiresAt).toBe(noteExpiry('resident', new Date(residentNote.writtenAt), DEFAULT_SHIFT_CHANGES).toISOString());
    expect(shiftNote.expiresAt).toBe(noteExpiry('shift', new Date(shiftNote.writtenAt), DEFAULT_SHIFT_CHANGES).toISOString());
    expect(await lastAudit('handover.write')).toMatchObject({ operator_id: kari.operator.id, resident_ids: [astrid] });
  });

  it('shows the incoming operator the current notes, unread, newest first, with the shift in progress, and audits the read', async () => {
    const { status, body } = await board(ola);
    expect(status).toBe(200);
    const mine = body.notes.filter((note) => [residentNote.id, shiftNote.id].includes(note.id));
    expect(mine.map((note) => note.id)).toEqual([shiftNote.id, residentNote.id]);
    expect(mine.every((note) => note.readAt === null)).toBe(true);
    expect(mine[1]).toMatchObject({ text: residentNote.text, writtenBy: { displayName: kari.operator.displayName }, readBy: [{ operator: { id: kari.operator.id } }] });
    expect(body.shifts).toEqual([expect.objectContaining({ tenantId: nordby, shiftChanges: ['07:00', '15:00', '23:00'] })]);
    const { start, end } = body.shifts[0]!.currentShift;
    expect(Date.parse(start)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(end)).toBeGreaterThan(Date.now());
    expect(await lastAudit('handover.read')).toMatchObject({ operator_id: ola.operator.id, resident_ids: [astrid], reason: 'shift handover' });
  });

  it("lists one resident's notes beside their alarm, and audits that read with its reason", async () => {
    await write(ola, { kind: 'resident', residentId: nordbyNeighbour, text: 'Nøkkelboksen er byttet, ny kode i journalen' });
    const { body } = await board(ola, `?residentId=${astrid}`);
    expect(body.notes.map((note) => note.id)).toEqual([residentNote.id]);
    expect(await lastAudit('handover.read')).toMatchObject({ resident_ids: [astrid], reason: 'handover notes beside the resident' });
  });

  it('keeps a read receipt: the first time counts, and the writer sees who has read it', async () => {
    const first = await api<HandoverNoteView>(test.hub, ola.token, 'POST', `/api/handover/${residentNote.id}/read`);
    expect(first.status).toBe(200);
    expect(first.body.readAt).not.toBeNull();
    const again = await api<HandoverNoteView>(test.hub, ola.token, 'POST', `/api/handover/${residentNote.id}/read`);
    expect(again.body.readAt).toBe(first.body.readAt);
    expect((await board(ola)).body.notes.find((note) => note.id === residentNote.id)!.readAt).toBe(first.body.readAt);
    const seenByKari = (await board(kari)).body.notes.find((note) => note.id === residentNote.id)!;
    expect(seenByKari.readBy.map((receipt) => receipt.operator.displayName)).toEqual([kari.operator.displayName, ola.operator.displayName]);
    expect(await lastAudit('handover.mark-read')).toMatchObject({ operator_id: ola.operator.id, resident_ids: [astrid] });
  });

  it('tells the other consoles of the municipality that a note was written and resolved, without its text', async () => {
    const olaConsole = await consoleSocket(test.hub, ola.token);
    const siriConsole = await consoleSocket(test.hub, siri.token);
    try {
      const note = (await write(kari, { kind: 'resident', residentId: astrid, text: 'Datter kommer i morgen kl. 10' })).body;
      const noted = await eventually(() => olaConsole.received.find((event) => event.event === 'handover:noted' && (event.alarm as unknown as HandoverSignal).id === note.id), 5000, 'handover:noted');
      expect(noted.alarm).toEqual({ id: note.id, tenantId: nordby, kind: 'resident', residentId: astrid });

      const resolved = await api<HandoverNoteView>(test.hub, ola.token, 'POST', `/api/handover/${note.id}/resolve`);
      expect(resolved.body).toMatchObject({ resolvedBy: { id: ola.operator.id } });
      await eventually(() => olaConsole.received.some((event) => event.event === 'handover:resolved' && (event.alarm as unknown as HandoverSignal).id === note.id), 5000, 'handover:resolved');
      // Sørvik's console hears nothing of Nordby's notes.
      expect(siriConsole.received.filter((event) => event.event.startsWith('handover:'))).toEqual([]);
    } finally {
      olaConsole.socket.disconnect();
      siriConsole.socket.disconnect();
    }
  });
});

describe('choosing a resident to write about', () => {
  it("finds the operator's own residents by part of the name, and audits the search", async () => {
    const [{ name }] = (await test.hub.dataSource.query('SELECT name FROM residents WHERE id = $1', [astrid])) as [{ name: string }];
    const part = name.slice(1, 4).toUpperCase();
    const found = await api<Array<{ id: string; name: string }>>(test.hub, kari.token, 'GET', `/api/handover/residents?search=${encodeURIComponent(part)}`);
    expect(found.status).toBe(200);
    expect(found.body.map((resident) => resident.id)).toContain(astrid);
    expect(found.body.every((resident) => resident.name.toUpperCase().includes(part))).toBe(true);
    expect(await lastAudit('handover.resident-search')).toMatchObject({ operator_id: kari.operator.id, reason: 'choosing a resident for a handover note' });
    // Sørvik's operator finds none of Nordby's residents; a wildcard is only a character.
    const fromSorvik = await api<Array<{ id: string }>>(test.hub, siri.token, 'GET', `/api/handover/residents?search=${encodeURIComponent(part)}`);
    expect(fromSorvik.body.some((resident) => resident.id === astrid)).toBe(false);
    expect((await api<unknown[]>(test.hub, kari.token, 'GET', '/api/handover/residents?search=%25%25')).body).toEqual([]);
  });

  it('refuses a search shorter than two characters with 400 naming it, and a vendor with 403', async () => {
    const short = await api<{ message: string[] }>(test.hub, kari.token, 'GET', '/api/handover/residents?search=a');
    expect(short.status).toBe(400);
    expect(short.body.message).toEqual(['search must be longer than or equal to 2 characters']);
    expect((await api(test.hub, vendor.token, 'GET', '/api/handover/residents?search=an')).status).toBe(403);
  });
});

describe('when a note stops being handed over', () => {
  it('drops a resolved note from the board; resolving again keeps who resolved it first', async () => {
    const note = (await write(kari, { kind: 'shift', text: 'Ring vaktmester om heisen i Storgata 4' })).body;
    const resolved = await api<HandoverNoteView>(test.hub, ola.token, 'POST', `/api/handover/${note.id}/resolve`);
    expect(resolved.status).toBe(200);
    expect(resolved.body.resolvedBy).toEqual({ id: ola.operator.id, displayName: ola.operator.displayName });
    const again = await api<HandoverNoteView>(test.hub, kari.token, 'POST', `/api/handover/${note.id}/resolve`);
    expect(again.body.resolvedBy!.id).toBe(ola.operator.id);
    expect(again.body.resolvedAt).toBe(resolved.body.resolvedAt);
    expect((await board(kari)).body.notes.some((candidate) => candidate.id === note.id)).toBe(false);
  });

  it('drops a note once its time has run out', async () => {
    const note = (await write(kari, { kind: 'resident', residentId: nordbyNeighbour, text: 'Hørselsapparatet er til reparasjon', days: 1 })).body;
    const oneDayOn = noteExpiry('resident', new Date(note.writtenAt), DEFAULT_SHIFT_CHANGES, 1).toISOString();
    expect(note.expiresAt).toBe(oneDayOn);
    expect((await board(ola)).body.notes.some((candidate) => candidate.id === note.id)).toBe(true);
    // A day and a shift later: written a day and a half ago, and its time out a second ago.
    await test.hub.dataSource.query("UPDATE handover_notes SET written_at = now() - interval '36 hours', expires_at = now() - interval '1 second' WHERE id = $1", [note.id]);
    expect((await board(ola)).body.notes.some((candidate) => candidate.id === note.id)).toBe(false);
  });

  it("follows the municipality's own shift plan, which only its admin may change", async () => {
    expect((await api(test.hub, kari.token, 'PUT', `/api/handover/shifts/${nordby}`, { shiftChanges: ['07:30', '19:30'] })).status).toBe(403);
    expect((await api(test.hub, siri.token, 'PUT', `/api/handover/shifts/${nordby}`, { shiftChanges: ['07:30', '19:30'] })).status).toBe(403);
    const plan = await api<ShiftPlanView>(test.hub, nils.token, 'PUT', `/api/handover/shifts/${nordby}`, { shiftChanges: ['19:30', '07:30'] });
    expect(plan.status).toBe(200);
    expect(plan.body.shiftChanges).toEqual(['07:30', '19:30']);
    expect((await api<ShiftPlanView[]>(test.hub, kari.token, 'GET', '/api/handover/shifts')).body).toEqual([expect.objectContaining({ tenantId: nordby, shiftChanges: ['07:30', '19:30'] })]);
    // Sørvik keeps the defaults.
    expect((await board(siri)).body.shifts).toEqual([expect.objectContaining({ tenantId: sorvik, shiftChanges: ['07:00', '15:00', '23:00'] })]);
    const note = (await write(kari, { kind: 'shift', text: 'To nye brukere i Nordby fra mandag' })).body;
    expect(note.expiresAt).toBe(noteExpiry('shift', new Date(note.writtenAt), ['07:30', '19:30']).toISOString());
  });
});

describe('who sees handover notes', () => {
  it("keeps one municipality's notes from another's operators", async () => {
    const nordbyNote = (await write(kari, { kind: 'resident', residentId: astrid, text: 'Astrid får besøk av fastlege fredag' })).body;
    const sorvikNote = (await write(siri, { kind: 'shift', text: 'Sørvik: ny vikar på nattevakt' })).body;
    expect(sorvikNote.tenantId).toBe(sorvik);

    const seenBySiri = (await board(siri)).body.notes;
    expect(seenBySiri.map((note) => note.id)).toEqual([sorvikNote.id]);
    expect((await board(siri, `?residentId=${astrid}`)).body.notes).toEqual([]);
    expect((await board(kari)).body.notes.some((note) => note.id === sorvikNote.id)).toBe(false);

    expect((await api(test.hub, siri.token, 'POST', `/api/handover/${nordbyNote.id}/read`)).status).toBe(404);
    expect((await api(test.hub, siri.token, 'POST', `/api/handover/${nordbyNote.id}/resolve`)).status).toBe(404);
    expect((await write(siri, { kind: 'resident', residentId: astrid, text: 'Ikke min bruker' })).status).toBe(404);
    const foreignShift = await write(siri, { kind: 'shift', tenantId: nordby, text: 'Ikke min kommune' });
    expect(foreignShift.status).toBe(403);
    expect(foreignShift.body.message).toMatch(/tenantId/);
    // Nothing of Sørvik's resident reaches Nordby either.
    expect((await write(kari, { kind: 'resident', residentId: sorvikResident, text: 'Ikke min bruker' })).status).toBe(404);
  });

  it("refuses a vendor's account every handover note with 403", async () => {
    const note = (await write(kari, { kind: 'shift', text: 'Leverandøren skal ikke se dette' })).body;
    expect((await board(vendor)).status).toBe(403);
    expect((await api(test.hub, vendor.token, 'GET', '/api/handover/shifts')).status).toBe(403);
    expect((await write(vendor, { kind: 'shift', tenantId: nordby, text: 'Hei' })).status).toBe(403);
    expect((await api(test.hub, vendor.token, 'POST', `/api/handover/${note.id}/read`)).status).toBe(403);
    expect((await api(test.hub, vendor.token, 'POST', `/api/handover/${note.id}/resolve`)).status).toBe(403);
  });

  it('asks an operator of several municipalities which one a shift note is for', async () => {
    await test.hub.dataSource.query(
      "INSERT INTO operators (username, display_name, password_hash, role, tenant_ids) VALUES ('interkommunal', 'Ida Interkommunal', $1, 'operator', $2)",
      [await hashSecret('begge-kommuner'), [nordby, sorvik]],
    );
    const ida = await login(test.hub, 'interkommunal', 'begge-kommuner');
    const unnamed = await write(ida, { kind: 'shift', text: 'Gjelder hvem?' });
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.message).toMatch(/^tenantId: /);
    expect((await write(ida, { kind: 'shift', tenantId: sorvik, text: 'Gjelder Sørvik' })).body.tenantId).toBe(sorvik);
    // A resident note needs no tenantId: it belongs to the resident's municipality.
    expect((await write(ida, { kind: 'resident', residentId: sorvikResident, text: 'Gjelder Sørvik-brukeren' })).body.tenantId).toBe(sorvik);
    const seen = (await board(ida)).body;
    expect(new Set(seen.notes.map((note) => note.tenantId))).toEqual(new Set([nordby, sorvik]));
    expect(seen.shifts.map((shift) => shift.tenantId).sort()).toEqual([nordby, sorvik].sort());
  });
});

describe('bad input', () => {
  it.each([
    ['no kind', { text: 'Hei' }, /kind must be one of/],
    ['an unknown kind', { kind: 'alarm', text: 'Hei' }, /kind must be one of/],
    ['a blank text', { kind: 'shift', text: '   ' }, /text must not be blank/],
    ['no text', { kind: 'shift' }, /text must be a string/],
    ['a text too long', { kind: 'shift', text: 'x'.repeat(2001) }, /text must be shorter than or equal to 2000/],
    ['a resident note without a resident', { kind: 'resident', text: 'Hei' }, /residentId must be a UUID/],
    ['a resident id that is no UUID', { kind: 'resident', residentId: 'astrid', text: 'Hei' }, /residentId must be a UUID/],
    ['a shift note naming a resident', { kind: 'shift', residentId: '00000000-0000-4000-8000-000000000000', text: 'Hei' }, /residentId: only a resident note/],
    ['a resident note naming a municipality', { kind: 'resident', residentId: '00000000-0000-4000-8000-000000000000', tenantId: '00000000-0000-4000-8000-000000000000', text: 'Hei' }, /tenantId: a resident note/],
    ['no days', { kind: 'resident', residentId: '00000000-0000-4000-8000-000000000000', text: 'Hei', days: 0 }, /days must not be less than 1/],
    ['too many days', { kind: 'resident', residentId: '00000000-0000-4000-8000-000000000000', text: 'Hei', days: 15 }, /days must not be greater than 14/],
    ['part of a day', { kind: 'resident', residentId: '00000000-0000-4000-8000-000000000000', text: 'Hei', days: 1.5 }, /days must be an integer/],
    ['days on a shift note', { kind: 'shift', text: 'Hei', days: 2 }, /days: only a resident note/],
    ['an unknown field', { kind: 'shift', text: 'Hei', urgent: true }, /property urgent should not exist/],
    ['a NUL character', { kind: 'shift', text: 'Strøm\u0000brudd' }, /NUL/],
  ])('refuses %s with 400 naming the field, and stores nothing', async (_case, body, message) => {
    const before = await noteCount();
    const answer = await write(kari, body);
    expect(answer.status).toBe(400);
    expect(String(answer.body.message)).toMatch(message);
    expect(await noteCount()).toBe(before);
  });

  it('refuses a malformed id or resident filter with 400 naming it', async () => {
    const read = await api<{ message: string }>(test.hub, kari.token, 'POST', '/api/handover/not-a-note/read');
    expect(read.status).toBe(400);
    expect(read.body.message).toBe('id must be a UUID');
    const filter = await api<{ message: string[] }>(test.hub, kari.token, 'GET', '/api/handover?residentId=astrid');
    expect(filter.status).toBe(400);
    expect(filter.body.message).toEqual(['residentId must be a UUID']);
    const unknown = await api(test.hub, kari.token, 'POST', '/api/handover/00000000-0000-4000-8000-000000000000/read');
    expect(unknown.status).toBe(404);
  });

  it.each([
    [{ shiftChanges: [] }, /shiftChanges: a list of 1 to 6 times of day/],
    [{ shiftChanges: ['7:00'] }, /shiftChanges: "7:00" is not a time of day as HH:MM/],
    [{ shiftChanges: ['07:00', '07:00'] }, /shiftChanges: each time only once/],
    [{ shiftChanges: '07:00' }, /shiftChanges must be an array/],
  ])('refuses the shift plan %j with 400 naming shiftChanges', async (body, message) => {
    const answer = await api<{ message: string[] | string }>(test.hub, nils.token, 'PUT', `/api/handover/shifts/${nordby}`, body);
    expect(answer.status).toBe(400);
    expect([answer.body.message].flat().join('; ')).toMatch(message);
  });
});
