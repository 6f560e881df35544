/**
 * VKP code tables (vkp-r4 0.9.0). Codes are facts: these tables are written here and
 * cross-checked against ../shared/vkp-r4/CodeSystem in the tests.
 */
import type { TechnicalCondition } from './device-event.js';

export const ALERT_CODE_SYSTEM = 'http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090';
export const SEVERITY_SYSTEM = 'http://ehelse.no/fhir/CodeSystem/vkp-severity-level-v090';
export const TRIAGE_SYSTEM = 'http://ehelse.no/fhir/CodeSystem/vkp-triage-v090';
export const COMPOSITION_EVENT_SYSTEM = 'http://ehelse.no/fhir/CodeSystem/vkp-composition-event-v090';
export const COMPOSITION_CATEGORY_SYSTEM = 'http://ehelse.no/fhir/CodeSystem/vkp-composition-category-v090';
export const COMPOSITION_SECTION_SYSTEM = 'http://ehelse.no/fhir/CodeSystem/vkp-composition-section-v090';

/** Severity levels: 0 not reported, 10 normal, 20 moderate, 30 serious, 40 critical. */
export const SEVERITIES = {
  0: 'Ikke rapportert',
  10: 'Normal',
  20: 'Moderat',
  30: 'Alvorlig',
  40: 'Kritisk',
} as const;
export type Severity = keyof typeof SEVERITIES;

export const TRIAGE_COLOURS = {
  R: 'red',
  O: 'orange',
  Y: 'yellow',
  G: 'green',
  B: 'blue',
  BL: 'black',
  NR: 'not reported',
} as const;
export type TriageColour = keyof typeof TRIAGE_COLOURS;

/** Whether an alert is about the resident's care or about the equipment. */
export type AlertKind = 'care' | 'technical' | 'information';

export interface AlertCodeEntry {
  /** VKP display text (Norwegian, as published). */
  display: string;
  /** The severity the hub proposes before resident context is considered. */
  defaultSeverity: Severity;
  kind: AlertKind;
}

const care = (display: string, defaultSeverity: Severity): AlertCodeEntry => ({ display, defaultSeverity, kind: 'care' });
const technical = (display: string, defaultSeverity: Severity): AlertCodeEntry => ({ display, defaultSeverity, kind: 'technical' });
const information = (display: string): AlertCodeEntry => ({ display, defaultSeverity: 10, kind: 'information' });

/** vkp-alert-code-v090, every code, with the hub's default severity. */
export const ALERT_CODES = {
  '1': care('Elektronisk medisineringsstøtte', 20),
  '1.1': care('Ikke utlevert', 20),
  '1.2': care('Utlevering forhindret av medisinmangel', 20),
  '1.3': care('Mangler utleveringsbekreftelse', 20),
  '1.4': care('Melding ikke lest', 10),
  '1.5': technical('Teknisk feil', 20),
  '1.6': technical('Pose ikke lest', 20),
  '1.7': technical('Feil ved rull', 20),
  '1.8': technical('Rull sitter fast', 20),
  '1.9': technical('Full skuff', 10),
  '1.10': information('Medisin venter'),
  '1.11': care('Mangler tilstrekkelig mengde medisin', 20),
  '1.12': care('Snart tomt for medisin', 10),
  '1.13': care('Tomt for medisin', 20),
  '1.14': technical('Mangler tidsplan', 20),
  '1.15': information('Endringskontroll av medisinplan'),
  '1.16': information('Rull behandlet'),
  '1.17': technical('Batteri lavt', 10),
  '1.18': technical('Batteri tomt', 20),
  '1.19': technical('Ikke tilkoblet strøm', 20),
  '1.20': technical('Ingen kontakt', 20),
  '1.21': technical('Dispenser åpen', 10),
  '1.22': technical('Innbrudd', 20),
  '1.23': technical('Dosett feilplassert', 10),
  '2': care('Lokaliseringsteknologi', 30),
  '3': care('Trygghetsalarm', 30),
  '4': care('Digitalt tilsyn', 20),
  '4.1': care('Fall', 40),
  '4.2': care('Forlatt sengen', 20),
  '4.3': information('Satt seg opp seng'),
  '4.4': information('Reist seg fra stol'),
  '4.5': information('Kommet inn rom'),
  '4.6': information('Forlatt rom'),
  '4.7': care('Uventet langt opphold', 20),
  '4.8': information('Aktivitet rom'),
  '4.9': care('Inaktivitet', 30),
  '4.10': care('Høyt lydnivå', 20),
  '4.11': care('Brannalarm', 40),
  '4.12': care('Fravær', 20),
  '4.13': care('Knappetrykk', 30),
  '4.14': care('Snortrekk', 30),
  '4.15': care('Dør åpnet', 20),
  '4.16': information('Dør lukket'),
  '4.17': care('Vannalarm', 30),
  '4.18': care('Bevegelse', 10),
  '4.19': care('Manglende bevegelse', 30),
  '4.20': information('Lagt seg seng'),
  '4.21': care('Forlatt bolig', 30),
  '4.22': care('Mislykket brukeranrop', 20),
  '4.23': care('Inaktivitet bad', 30),
  '4.24': care('Epilepsi', 40),
  '4.25': care('Hendelsesbasert kameratilsyn', 20),
  '4.26': information('Planlagt kameratilsyn'),
  '5': care('Digital hjemmeoppfølging', 10),
  '5.1': care('Oppsummerende varsel', 10),
  '5.2': information('Handling utført'),
  '5.2.1': information('Måledata rapportert'),
  '5.2.2': information('Skjemabesvarelse'),
  '5.2.3': information('Annen handling utført'),
  '5.3': care('Inaktiv pasient', 10),
  '5.3.1': care('Manglende skjemabesvarelse', 10),
  '5.3.2': care('Måling ikke rapportert', 10),
  '6': care('Elektronisk dørlås', 20),
  '7': care('Sykesignalanlegg', 30),
  '7.1': care('Inkontinens', 20),
} as const satisfies Record<string, AlertCodeEntry>;

export type AlertCode = keyof typeof ALERT_CODES;

export function isAlertCode(code: string): code is AlertCode {
  return Object.hasOwn(ALERT_CODES, code);
}

/**
 * The dispenser codes that are VKP's own names for an equipment condition: an event with one of
 * these codes carries that condition as `technical` whichever format it came in.
 */
export const TECHNICAL_CONDITION_OF_CODE: Readonly<Partial<Record<AlertCode, TechnicalCondition>>> = {
  '1.17': 'battery-low',
  '1.18': 'battery-empty',
  '1.19': 'power-loss',
  '1.20': 'no-contact',
};

/**
 * Response-centre log steps (vkp-composition-event-v090). They are both the alarm's
 * lifecycle and the content of its journal entry.
 */
export const LOG_STEPS = {
  0: { key: 'reported', display: 'hendelse meldt' },
  1: { key: 'being-handled', display: 'hendelse behandles' },
  3: { key: 'acknowledged', display: 'hendelse kvittert' },
  4: { key: 'sent-to-call-out', display: 'hendelse til utrykning' },
  5: { key: 'call-out-accepted', display: 'hendelse ok utrykning' },
  6: { key: 'cause', display: 'årsak' },
  7: { key: 'measures', display: 'tiltak' },
  8: { key: 'conversation', display: 'samtale' },
  9: { key: 'action', display: 'aksjon' },
  10: { key: 'other-party', display: 'annen aktør' },
} as const;
export type LogStepCode = keyof typeof LOG_STEPS;
export type LogStepKey = (typeof LOG_STEPS)[LogStepCode]['key'];

export function logStepCode(key: LogStepKey): LogStepCode {
  const found = (Object.keys(LOG_STEPS) as unknown as string[])
    .map(Number)
    .find((code) => LOG_STEPS[code as LogStepCode].key === key);
  if (found === undefined) throw new Error(`unknown log step ${key}`);
  return found as LogStepCode;
}

/** The severity's proposed triage colour. */
export function triageColourFor(severity: Severity): TriageColour {
  switch (severity) {
    case 40:
      return 'R';
    case 30:
      return 'O';
    case 20:
      return 'Y';
    case 10:
      return 'G';
    default:
      return 'NR';
  }
}
