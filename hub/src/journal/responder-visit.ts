import { LIFECYCLE_NOTES } from '../alarms/alarm-lifecycle.js';
import type { JournalSource } from './vkp-bundle.js';

interface VisitLogEntry {
  code: number;
  at: Date;
  operatorId: string | null;
  note: string | null;
}

/**
 * The responder visit of an alarm's latest call-out, for its journal entry: from the call-out
 * until the responder reported done, by whoever reported it. Null when no responder reached the
 * resident (never called out, cancelled on the way, or not yet reported done).
 */
export function responderVisit(
  alarm: { calledOutAt: Date | null; onSiteAt: Date | null },
  log: VisitLogEntry[],
  operatorName: (id: string) => string,
): JournalSource['visit'] {
  const { calledOutAt, onSiteAt } = alarm;
  if (calledOutAt === null || onSiteAt === null || onSiteAt < calledOutAt) return null;
  // The lifecycle writes "done" as an action step (9) whose note starts with its own words.
  const done = log.find((entry) => entry.code === 9 && entry.at >= onSiteAt && entry.operatorId !== null && entry.note?.startsWith(LIFECYCLE_NOTES.done));
  if (!done) return null;
  return {
    calledOutAt: calledOutAt.toISOString(),
    onSiteAt: onSiteAt.toISOString(),
    doneAt: done.at.toISOString(),
    responder: { id: done.operatorId!, name: operatorName(done.operatorId!) },
  };
}
