import { describe, expect, it } from 'vitest';
import { homeView, mayOpen, viewsFor } from './console-views';

describe('console views by role', () => {
  it('keeps operators at the alarm desk, with its service levels', () => {
    expect(viewsFor('operator')).toEqual(['alarms', 'service-levels']);
    expect(mayOpen('operator', 'devices')).toBe(false);
    expect(mayOpen('operator', 'service-levels')).toBe(true);
    expect(homeView('operator')).toBe('alarms');
  });

  it('gives admins every view, alarms first', () => {
    expect(viewsFor('admin')).toEqual(['alarms', 'devices', 'service-levels']);
    expect(homeView('admin')).toBe('alarms');
  });

  it('lands a vendor account on devices: it has no alarms, nor their service levels', () => {
    expect(viewsFor('vendor')).toEqual(['devices']);
    expect(mayOpen('vendor', 'alarms')).toBe(false);
    expect(mayOpen('vendor', 'service-levels')).toBe(false);
    expect(homeView('vendor')).toBe('devices');
  });
});
