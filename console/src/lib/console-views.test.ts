import { describe, expect, it } from 'vitest';
import { homeView, mayOpen, viewsFor } from './console-views';

describe('console views by role', () => {
  it('keeps operators at the alarm desk', () => {
    expect(viewsFor('operator')).toEqual(['alarms']);
    expect(mayOpen('operator', 'devices')).toBe(false);
    expect(homeView('operator')).toBe('alarms');
  });

  it('gives admins both views, alarms first', () => {
    expect(viewsFor('admin')).toEqual(['alarms', 'devices']);
    expect(homeView('admin')).toBe('alarms');
  });

  it('lands a vendor account on devices: it has no alarms', () => {
    expect(viewsFor('vendor')).toEqual(['devices']);
    expect(mayOpen('vendor', 'alarms')).toBe(false);
    expect(homeView('vendor')).toBe('devices');
  });
});
