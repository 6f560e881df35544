import type { HandoverNoteKind } from '../realtime/contract.js';
import { osloWall, TIME_OF_DAY } from '../oslo-time.js';

/**
 * Shifts and how long a handover note lasts: pure functions of a municipality's shift changes
 * (wall-clock times in Europe/Oslo) and the moment a note was written.
 *
 * - A shift runs from one shift change to the next; the default changes are 07:00, 15:00, 23:00.
 * - A shift note is for the shift that takes over: it lasts until the end of the shift after the
 *   one in which it was written (written 06:50 → gone at 15:00; written 07:10 → gone at 23:00).
 * - A resident note lasts until it is resolved, or until the end of the shift in progress
 *   `days` days (default 3, at most 14) after it was written, so it never vanishes mid-shift.
 * - The expiry is fixed when the note is written; changing the shift plan later moves only new notes.
 */

export const DEFAULT_SHIFT_CHANGES: readonly string[] = ['07:00', '15:00', '23:00'];
export const MAX_SHIFT_CHANGES = 6;
export const RESIDENT_NOTE_DAYS = { default: 3, min: 1, max: 14 } as const;

export interface Shift {
  start: Date;
  end: Date;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export class InvalidShiftChanges extends Error {}

/** A shift plan as stored or sent: one to six distinct `HH:MM` times, returned in order of the day. */
export function readShiftChanges(raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.length < 1 || raw.length > MAX_SHIFT_CHANGES) {
    throw new InvalidShiftChanges(`shiftChanges: a list of 1 to ${MAX_SHIFT_CHANGES} times of day such as "07:00"`);
  }
  for (const time of raw) {
    if (typeof time !== 'string' || !TIME_OF_DAY.test(time)) throw new InvalidShiftChanges(`shiftChanges: ${JSON.stringify(time)} is not a time of day as HH:MM`);
  }
  const sorted = [...(raw as string[])].sort();
  if (new Set(sorted).size !== sorted.length) throw new InvalidShiftChanges('shiftChanges: each time only once');
  return sorted;
}

/** How far Oslo's clock is ahead of UTC at an instant (1 h in winter, 2 h in summer). */
function osloOffset(instant: number): number {
  return osloWall(instant) - (instant - (((instant % 1000) + 1000) % 1000));
}

/**
 * The instant at which Oslo's clock shows `wall`. A time skipped in spring (02:30) is read with
 * the offset before the change, landing an hour later (03:30); a time seen twice in autumn is
 * the first of the two.
 */
function instantOfOsloWall(wall: number): number {
  const offsets = [osloOffset(wall - 12 * HOUR), osloOffset(wall + 12 * HOUR)];
  const exact = offsets.map((offset) => wall - offset).filter((instant) => osloWall(instant) === wall);
  return exact.length > 0 ? Math.min(...exact) : wall - offsets[0]!;
}

const minutesOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** The shift in progress at an instant: from the last shift change at or before it to the next. */
export function shiftAt(at: Date, shiftChanges: readonly string[]): Shift {
  const now = at.getTime();
  const wall = osloWall(now);
  const midnight = wall - (((wall % DAY) + DAY) % DAY);
  // With at least one change a day, yesterday's and tomorrow's changes enclose any instant.
  const changes = [...new Set([-1, 0, 1].flatMap((day) => shiftChanges.map((time) => instantOfOsloWall(midnight + day * DAY + minutesOf(time) * MINUTE))))].sort(
    (a, b) => a - b,
  );
  const end = changes.findIndex((change) => change > now);
  return { start: new Date(changes[end - 1]!), end: new Date(changes[end]!) };
}

/** When a note written at `writtenAt` stops being current (unless resolved sooner). */
export function noteExpiry(kind: HandoverNoteKind, writtenAt: Date, shiftChanges: readonly string[], days: number = RESIDENT_NOTE_DAYS.default): Date {
  if (kind === 'shift') return shiftAt(shiftAt(writtenAt, shiftChanges).end, shiftChanges).end;
  return shiftAt(new Date(writtenAt.getTime() + days * DAY), shiftChanges).end;
}

/** Whether a note is still handed over at an instant: not resolved, and its time not yet out. */
export function isCurrent(note: { expiresAt: Date; resolvedAt: Date | null }, at: Date): boolean {
  return note.resolvedAt === null && note.expiresAt.getTime() > at.getTime();
}
