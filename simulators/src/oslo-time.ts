/** Times are stored in UTC and shown in Europe/Oslo (DESIGN.md rule 8). */
const clock = new Intl.DateTimeFormat('nb-NO', {
  timeZone: 'Europe/Oslo',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** "14:03:27" in Oslo time, for log lines. */
export function osloClock(at: Date = new Date()): string {
  return clock.format(at);
}
