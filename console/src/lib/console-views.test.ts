import { describe, expect, it } from 'vitest';
import { homeRoute, homeView, mayOpen, viewsFor } from './console-views';

describe('console views by role', () => {
  it('keeps operators at the alarm desk, with shift handover and its service levels', () => {
    expect(viewsFor('operator')).toEqual(['alarms', 'handover', 'service-levels']);
    expect(mayOpen('operator', 'handover')).toBe(true);
    expect(mayOpen('operator', 'devices')).toBe(false);
    expect(mayOpen('operator', 'service-levels')).toBe(true);
    expect(homeView('operator')).toBe('alarms');
  });

  it('gives admins every view, alarms first', () => {
    expect(viewsFor('admin')).toEqual(['alarms', 'handover', 'devices', 'service-levels']);
    expect(homeView('admin')).toBe('alarms');
  });

  it('lands a vendor account on devices: it has no alarms, nor their service levels or handover notes', () => {
    expect(viewsFor('vendor')).toEqual(['devices']);
    expect(mayOpen('vendor', 'alarms')).toBe(false);
    expect(mayOpen('vendor', 'service-levels')).toBe(false);
    expect(mayOpen('vendor', 'handover')).toBe(false);
    expect(homeView('vendor')).toBe('devices');
  });

  it('gives supervisors the desk and the service levels', () => {
    expect(homeView('supervisor')).toBe('alarms');
    expect(mayOpen('supervisor', 'service-levels')).toBe(true);
    expect(mayOpen('supervisor', 'devices')).toBe(false);
  });

  it("lands a responder on its team's call-outs, and nowhere else", () => {
    expect(viewsFor('responder')).toEqual(['responder']);
    expect(homeRoute('responder')).toBe('/responder');
    expect(mayOpen('responder', 'alarms')).toBe(false);
    expect(mayOpen('responder', 'service-levels')).toBe(false);
    expect(mayOpen('operator', 'responder')).toBe(false);
    expect(homeRoute('vendor')).toBe('/devices');
    expect(homeRoute('operator')).toBe('/');
  });
});
