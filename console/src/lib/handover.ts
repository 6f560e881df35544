import type { HandoverNoteKind, HandoverNoteView, ShiftPlanView, WriteHandoverNoteRequest } from '@knutepunkt/hub/contract';
import type { MessageKey } from './i18n';
import { TIME_ZONE } from './oslo-time';

/** As the hub allows (hub/src/handover/handover-requests.ts). */
export const HANDOVER_TEXT_LIMIT = 2000;
/** A resident note's lifetime to choose from; the hub's default is three days. */
export const RESIDENT_NOTE_DAYS = [1, 3, 7, 14] as const;
export const DEFAULT_RESIDENT_NOTE_DAYS = 3;

/** Unread notes first, so the incoming shift starts with what it has not seen; within each, the newest first. */
export function orderForHandover(notes: readonly HandoverNoteView[]): HandoverNoteView[] {
  return [...notes].sort(
    (a, b) => Number(a.readAt !== null) - Number(b.readAt !== null) || Date.parse(b.writtenAt) - Date.parse(a.writtenAt) || a.id.localeCompare(b.id),
  );
}

export function unreadCount(notes: readonly HandoverNoteView[]): number {
  return notes.filter((note) => note.readAt === null).length;
}

/** The board without a note another console resolved: it is no longer handed over. */
export function withoutNote(notes: readonly HandoverNoteView[], id: string): HandoverNoteView[] {
  return notes.filter((note) => note.id !== id);
}

/** The board with a note as the hub last answered it (written, read, resolved): kept while it is current, else dropped. */
export function withNote(notes: readonly HandoverNoteView[], changed: HandoverNoteView, now: number): HandoverNoteView[] {
  const current = changed.resolvedAt === null && Date.parse(changed.expiresAt) > now;
  const others = withoutNote(notes, changed.id);
  return current ? [changed, ...others] : others;
}

export interface HandoverDraft {
  kind: HandoverNoteKind;
  text: string;
  residentId: string | null;
  /** For a shift note from an operator of several municipalities. */
  tenantId: string | null;
  days: number;
}

/** What keeps a draft from being sent, as a message key; null when it may go. */
export function draftProblem(draft: HandoverDraft, tenantCount: number): MessageKey | null {
  if (draft.text.trim() === '') return 'handover.error.blank';
  if (draft.text.length > HANDOVER_TEXT_LIMIT) return 'handover.error.tooLong';
  if (draft.kind === 'resident' && !draft.residentId) return 'handover.error.noResident';
  if (draft.kind === 'shift' && tenantCount > 1 && !draft.tenantId) return 'handover.error.noTenant';
  return null;
}

/** The request for a draft: each kind of note carries only its own fields, as the hub requires. */
export function requestOf(draft: HandoverDraft): WriteHandoverNoteRequest {
  const text = draft.text.trim();
  if (draft.kind === 'resident') return { kind: 'resident', text, residentId: draft.residentId!, days: draft.days };
  return draft.tenantId ? { kind: 'shift', text, tenantId: draft.tenantId } : { kind: 'shift', text };
}

const clockMinute = new Map<string, Intl.DateTimeFormat>();

/** "23:00–07:00": a shift by the Oslo clock, whatever the desk's own time zone. */
export function shiftSpan(shift: ShiftPlanView['currentShift'], locale: string): string {
  let format = clockMinute.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: TIME_ZONE });
    clockMinute.set(locale, format);
  }
  return `${format.format(new Date(shift.start))}–${format.format(new Date(shift.end))}`;
}
