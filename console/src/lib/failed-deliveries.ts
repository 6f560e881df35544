import type { FailedDeliveryView } from '@knutepunkt/hub/contract';
import type { Role } from './console-views';

/** Who sees the exception list of failed journal deliveries, and may send one again: as the hub allows. */
export function mayRetryDeliveries(role: Role): boolean {
  return role === 'supervisor' || role === 'admin';
}

/** What went wrong, in the words a supervisor needs to decide what to do next. */
export type FailureKind = 'refused' | 'unreachable' | 'epj-error' | 'not-built' | 'other';

/**
 * Reads the hub's reason (its English diagnostic) as one of a few kinds: the EPJ refused the
 * entry (fix the data or ask the EPJ vendor), could not be reached or failed itself (retry once
 * it is back), or the hub could not build the entry (fix the registry data).
 */
export function failureKind(reason: string | null): FailureKind {
  if (!reason) return 'other';
  const status = /^EPJ answered (\d{3})/.exec(reason);
  if (status) {
    const code = Number(status[1]);
    if (code >= 500 || code === 408 || code === 429) return 'epj-error';
    return 'refused';
  }
  if (/^EPJ (token endpoint )?not reached/.test(reason) || /stalled/i.test(reason)) return 'unreachable';
  if (/^EPJ (did not|token endpoint)/.test(reason)) return 'epj-error';
  return 'not-built';
}

/** Oldest first: the one that has waited longest for the record is dealt with first. */
export function failedDeliveryOrder(deliveries: readonly FailedDeliveryView[]): FailedDeliveryView[] {
  return [...deliveries].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.outboxId.localeCompare(b.outboxId));
}
