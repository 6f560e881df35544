import type { ServiceLevelFigures } from '@knutepunkt/hub/contract';
import { describeDuration } from './device-health';
import { translate, type Messages } from './i18n/index';

/** The periods the report offers, in days back from now; the hub's default is a week. */
export const SERVICE_LEVEL_PERIODS = [1, 7, 30] as const;
export type ServiceLevelPeriod = (typeof SERVICE_LEVEL_PERIODS)[number];
export const DEFAULT_SERVICE_LEVEL_PERIOD: ServiceLevelPeriod = 7;

/** The morning peak, kl. 08–11 Oslo time, when most alarms come in and answer times slip. */
export const PEAK_HOURS = { from: 8, until: 11 } as const;

export type TargetVerdict = 'met' | 'missed' | 'no-alarms';

/** Whether a share reached its target; with no alarms there is nothing to judge. */
export function targetVerdict(share: number | null, target: number): TargetVerdict {
  if (share === null || !Number.isFinite(share)) return 'no-alarms';
  return share >= target ? 'met' : 'missed';
}

/**
 * A share as a percentage with one decimal ("97,5 %"). Rounded down, so that 97.46 % never reads
 * as the 97.5 % target it missed.
 */
export function formatShare(share: number | null, intlLocale: string): string | null {
  if (share === null || !Number.isFinite(share)) return null;
  // The small addition keeps binary fractions (0.57 × 1000 = 569.999…) from losing a tenth.
  const floored = Math.floor(share * 1000 + 1e-6) / 1000;
  return new Intl.NumberFormat(intlLocale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(floored);
}

/** A median answer time in words ("45 s", "1 min 5 s"); null when nothing was answered. */
export function formatAnswerTime(seconds: number | null, messages: Messages): string | null {
  if (seconds === null || !Number.isFinite(seconds)) return null;
  return describeDuration(seconds * 1000, messages);
}

/** The median time from call-out to on site in words ("12 min 30 s"); null when no responder reported on site. */
export function formatOnSiteTime(minutes: number | null, messages: Messages): string | null {
  if (minutes === null || !Number.isFinite(minutes)) return null;
  return describeDuration(Math.round(minutes * 60) * 1000, messages);
}

export function isPeakHour(hour: number): boolean {
  return hour >= PEAK_HOURS.from && hour < PEAK_HOURS.until;
}

/** "08:00–09:00": the hour of day a row counts. */
export function hourSpan(hour: number): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(hour)}:00–${pad((hour + 1) % 24)}:00`;
}

const NO_ALARMS: ServiceLevelFigures = {
  alarms: 0,
  answeredWithin60s: 0,
  answeredWithin180s: 0,
  shareWithin60s: null,
  shareWithin180s: null,
  medianAnswerSeconds: null,
  callOuts: 0,
  medianOnSiteMinutes: null,
};

/** All 24 hours in order: the hub lists only hours that had alarms, the table shows the whole day. */
export function wholeDay<T extends { hour: number } & ServiceLevelFigures>(byHour: readonly T[]): Array<{ hour: number } & ServiceLevelFigures> {
  const found = new Map(byHour.map((row) => [row.hour, row]));
  return Array.from({ length: 24 }, (_, hour) => found.get(hour) ?? { hour, ...NO_ALARMS });
}

/** The period select's label: "Siste døgn", "Siste 7 dager". */
export function describePeriod(days: number, messages: Messages): string {
  return days === 1 ? translate(messages, 'serviceLevels.period.one') : translate(messages, 'serviceLevels.period.other', { count: days });
}
