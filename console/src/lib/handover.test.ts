import type { HandoverNoteView } from '@knutepunkt/hub/contract';
import { describe, expect, it } from 'vitest';
import { draftProblem, HANDOVER_TEXT_LIMIT, orderForHandover, requestOf, shiftSpan, unreadCount, withNote, withoutNote, type HandoverDraft } from './handover';

const note = (id: string, writtenAt: string, readAt: string | null, extra: Partial<HandoverNoteView> = {}): HandoverNoteView => ({
  id,
  tenantId: 't1',
  kind: 'shift',
  resident: null,
  text: `note ${id}`,
  writtenBy: { id: 'o1', displayName: 'Kari Operatør' },
  writtenAt,
  expiresAt: '2025-01-15T14:00:00.000Z',
  resolvedAt: null,
  resolvedBy: null,
  readAt,
  readBy: [],
  ...extra,
});

describe('the handover board', () => {
  const oldUnread = note('a', '2025-01-15T01:00:00.000Z', null);
  const newUnread = note('b', '2025-01-15T05:00:00.000Z', null);
  const newestRead = note('c', '2025-01-15T05:30:00.000Z', '2025-01-15T06:05:00.000Z');
  const oldRead = note('d', '2025-01-14T20:00:00.000Z', '2025-01-15T06:01:00.000Z');

  it('puts unread notes first, newest first within unread and read', () => {
    expect(orderForHandover([oldRead, newestRead, oldUnread, newUnread]).map((n) => n.id)).toEqual(['b', 'a', 'c', 'd']);
    expect(unreadCount([oldRead, newestRead, oldUnread, newUnread])).toBe(2);
  });

  it('replaces a note the hub answered with, and drops it once resolved or out of time', () => {
    const now = Date.parse('2025-01-15T06:10:00.000Z');
    const read = { ...newUnread, readAt: '2025-01-15T06:10:00.000Z' };
    expect(withNote([oldUnread, newUnread], read, now)).toEqual([read, oldUnread]);
    expect(withNote([oldUnread, newUnread], { ...newUnread, resolvedAt: '2025-01-15T06:10:00.000Z' }, now)).toEqual([oldUnread]);
    expect(withNote([oldUnread], newUnread, Date.parse('2025-01-15T14:00:00.000Z'))).toEqual([oldUnread]);
    expect(withoutNote([oldUnread, newUnread], 'a')).toEqual([newUnread]);
  });

  it('tells a shift by the Oslo clock, across midnight and in summer', () => {
    expect(shiftSpan({ start: '2025-01-15T22:00:00.000Z', end: '2025-01-16T06:00:00.000Z' }, 'nb-NO')).toBe('23:00–07:00');
    expect(shiftSpan({ start: '2025-07-15T05:00:00.000Z', end: '2025-07-15T13:00:00.000Z' }, 'en-GB')).toBe('07:00–15:00');
  });
});

describe('writing a note', () => {
  const draft = (extra: Partial<HandoverDraft>): HandoverDraft => ({ kind: 'shift', text: 'Strømbrudd i Sørvik', residentId: null, tenantId: null, days: 3, ...extra });

  it('asks for a text, a resident for a resident note, and a municipality from an operator of several', () => {
    expect(draftProblem(draft({ text: '  \n ' }), 1)).toBe('handover.error.blank');
    expect(draftProblem(draft({ text: 'x'.repeat(HANDOVER_TEXT_LIMIT + 1) }), 1)).toBe('handover.error.tooLong');
    expect(draftProblem(draft({ kind: 'resident' }), 1)).toBe('handover.error.noResident');
    expect(draftProblem(draft({}), 2)).toBe('handover.error.noTenant');
    expect(draftProblem(draft({}), 1)).toBeNull();
    expect(draftProblem(draft({ kind: 'resident', residentId: 'r1' }), 2)).toBeNull();
  });

  it('sends each kind of note with only its own fields', () => {
    expect(requestOf(draft({ text: ' Strøm tilbake kl. 03 ', residentId: 'r1', days: 7 }))).toEqual({ kind: 'shift', text: 'Strøm tilbake kl. 03' });
    expect(requestOf(draft({ tenantId: 't2' }))).toEqual({ kind: 'shift', text: 'Strømbrudd i Sørvik', tenantId: 't2' });
    expect(requestOf(draft({ kind: 'resident', residentId: 'r1', tenantId: 't2', days: 7, text: 'Urolig i natt' }))).toEqual({
      kind: 'resident',
      text: 'Urolig i natt',
      residentId: 'r1',
      days: 7,
    });
  });
});
