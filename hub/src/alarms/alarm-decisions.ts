import { InternalServerErrorException } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AlarmLogEntry } from './alarm-log-entry.entity.js';
import { type LifecycleAlarm, lifecycleBreaches, type LogEntryDraft } from './alarm-lifecycle.js';
import { Alarm } from './alarm.entity.js';

/**
 * Stores what the state machine decided about one alarm: its lifecycle fields, the times kept
 * for service levels and escalation, and the log entries with who and when. The one place a
 * decision reaches the database; the caller holds the alarm's row lock. A decision that would
 * break the lifecycle's invariants is refused before anything is written.
 */
export async function storeDecision(manager: EntityManager, before: Alarm, next: LifecycleAlarm, log: readonly LogEntryDraft[]): Promise<Alarm> {
  const breaches = lifecycleBreaches(next);
  if (breaches.length > 0) throw new InternalServerErrorException(`alarm ${before.id} would break the lifecycle: ${breaches.join('; ')}`);
  const calledOut = log.find((entry) => entry.action === 'call-out');
  const onSite = log.find((entry) => entry.action === 'on-site' && entry.step === 'action');
  const released = log.find((entry) => entry.action === 'release');
  const changes = {
    state: next.state,
    takenBy: next.takenBy,
    takenAt: next.takenAt,
    callOutTeamId: next.callOutTeamId,
    responderId: next.responderId,
    cause: next.cause,
    measures: next.measures,
    closingNote: next.closingNote,
    closedAt: next.closedAt,
    // Kept after the call-out ends: the time to on site is a service level.
    calledOutAt: calledOut ? calledOut.at : before.calledOutAt,
    onSiteAt: calledOut ? null : (onSite?.at ?? before.onSiteAt),
    // Back in the queue, the alarm's answer clock starts again from here.
    releasedAt: released ? released.at : before.releasedAt,
  };
  await manager.update(Alarm, { id: before.id }, changes);
  await manager.insert(
    AlarmLogEntry,
    log.map((entry) => ({ alarmId: before.id, code: entry.code, at: entry.at, operatorId: entry.actor.kind === 'hub' ? null : entry.actor.id, note: entry.note })),
  );
  return { ...before, ...changes };
}
