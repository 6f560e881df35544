import type { FailedDeliveryView } from '@knutepunkt/hub/contract';
import { describe, expect, it } from 'vitest';
import { failedDeliveryOrder, failureKind, mayRetryDeliveries } from './failed-deliveries';

describe('failed journal deliveries', () => {
  it('are shown to supervisors and admins, who may retry them', () => {
    expect(mayRetryDeliveries('supervisor')).toBe(true);
    expect(mayRetryDeliveries('admin')).toBe(true);
    expect(mayRetryDeliveries('operator')).toBe(false);
    expect(mayRetryDeliveries('responder')).toBe(false);
    expect(mayRetryDeliveries('vendor')).toBe(false);
  });

  it('tell a refusal by the EPJ from an EPJ that is away or failing, and from an entry the hub could not build', () => {
    expect(failureKind('EPJ answered 422: {"resourceType":"OperationOutcome"}')).toBe('refused');
    expect(failureKind('EPJ answered 401: unauthorised')).toBe('refused');
    expect(failureKind('EPJ answered 503: busy')).toBe('epj-error');
    expect(failureKind('EPJ answered 429: slow down')).toBe('epj-error');
    expect(failureKind('EPJ not reached: ECONNREFUSED')).toBe('unreachable');
    expect(failureKind('EPJ token endpoint not reached: ECONNREFUSED')).toBe('unreachable');
    expect(failureKind('job stalled more than allowable limit')).toBe('unreachable');
    expect(failureKind('EPJ did not answer with a transaction-response Bundle')).toBe('epj-error');
    expect(failureKind('EPJ token endpoint answered 401 (invalid_client)')).toBe('epj-error');
    expect(failureKind('resident has no valid fødselsnummer')).toBe('not-built');
    expect(failureKind(null)).toBe('other');
  });

  it('list the longest waiting first', () => {
    const delivery = (outboxId: string, createdAt: string) => ({ outboxId, createdAt }) as FailedDeliveryView;
    const ordered = failedDeliveryOrder([delivery('b', '2026-11-23T05:00:00Z'), delivery('c', '2026-11-22T05:00:00Z'), delivery('a', '2026-11-23T05:00:00Z')]);
    expect(ordered.map((entry) => entry.outboxId)).toEqual(['c', 'a', 'b']);
  });
});
