import { describe, expect, it } from 'vitest';
import { LIFECYCLE_NOTES } from '../../src/alarms/alarm-lifecycle.js';
import { responderVisit } from '../../src/journal/responder-visit.js';

const at = (time: string) => new Date(`2025-03-12T${time}Z`);
const names = (id: string) => ({ 'r-3': 'Per Pleier', 'op-7': 'Kari Operatør' })[id] ?? '';
const calledOut = { calledOutAt: at('07:16:00'), onSiteAt: at('07:31:00') };
const log = [
  { code: 4, at: at('07:16:00'), operatorId: 'op-7', note: 'Hjemmetjenesten Sentrum' },
  { code: 5, at: at('07:17:30'), operatorId: 'r-3', note: null },
  { code: 9, at: at('07:31:00'), operatorId: 'r-3', note: LIFECYCLE_NOTES.onSite },
  { code: 9, at: at('07:49:00'), operatorId: 'r-3', note: `${LIFECYCLE_NOTES.done}: Hjulpet opp` },
];

describe('responderVisit', () => {
  it('runs from the call-out until the responder reported done, by that responder', () => {
    expect(responderVisit(calledOut, log, names)).toEqual({
      calledOutAt: '2025-03-12T07:16:00.000Z',
      onSiteAt: '2025-03-12T07:31:00.000Z',
      doneAt: '2025-03-12T07:49:00.000Z',
      responder: { id: 'r-3', name: 'Per Pleier' },
    });
  });

  it('is null when no responder reached the resident or none reported done', () => {
    expect(responderVisit({ calledOutAt: null, onSiteAt: null }, [], names)).toBeNull();
    expect(responderVisit({ calledOutAt: at('07:16:00'), onSiteAt: null }, log.slice(0, 2), names)).toBeNull();
    expect(responderVisit(calledOut, log.slice(0, 3), names)).toBeNull();
    // A "done" of an earlier call-out, before this one's responder was on site, is not this visit's end.
    expect(responderVisit({ calledOutAt: at('07:50:00'), onSiteAt: at('07:55:00') }, log, names)).toBeNull();
  });
});
