import type { AlertKind, LogStepKey, Severity, TriageColour } from '@knutepunkt/device-adapters';
import type { ElapsedUnit } from '../oslo-time';
import type { AlarmState, ClosingCause, ClosingMeasure, JournalStatus } from '@knutepunkt/hub/contract';

/**
 * Labels for every code the console shows. Listed as a type so that a new log step, cause or
 * measure in the contract is a compile error here until it has a Norwegian label.
 */
type CodeLabels = Record<
  | `logStep.${LogStepKey}`
  | `cause.${ClosingCause}`
  | `measure.${ClosingMeasure}`
  | `journal.${JournalStatus}`
  | `severity.${Severity}`
  | `kind.${AlertKind}`
  | `triage.${TriageColour}`
  | `state.${AlarmState}`
  | `ago.${ElapsedUnit}.${'one' | 'other'}`,
  string
>;

/** Norwegian bokmål: the console's first language and the source of truth for message keys. */
export const nb = {
  'app.name': 'Knutepunkt',
  'app.subtitle': 'Responssenter',
  'app.titleWithCount': '({count}) Knutepunkt',

  'login.heading': 'Logg inn',
  'login.username': 'Brukernavn',
  'login.password': 'Passord',
  'login.submit': 'Logg inn',
  'login.busy': 'Logger inn …',
  'login.failed': 'Feil brukernavn eller passord.',

  'topbar.operator': 'Innlogget som {name}',
  'topbar.logout': 'Logg ut',
  'topbar.connected': 'Tilkoblet',
  'topbar.disconnected': 'Frakoblet – køen kan være utdatert',
  'topbar.soundOn': 'Lyd på',
  'topbar.soundOff': 'Lyd av',
  'topbar.counts': '{reported} nye · {handling} under behandling',
  'language.toggle': 'English',
  'language.toggleLabel': 'Bytt språk til engelsk',

  'queue.heading': 'Alarmer',
  'queue.empty': 'Ingen åpne alarmer.',
  'queue.loading': 'Henter alarmer …',
  'queue.hint': 'T: ta neste alarm · Enter: ta valgt · ↑/↓: velg',
  'queue.takenBy': 'Tatt av {name}',
  'queue.raisedAt': 'Meldt {time}',

  'detail.empty': 'Velg en alarm i køen, eller trykk T for å ta den mest hastende.',
  'detail.loading': 'Henter detaljer …',
  'detail.code': 'Kode',
  'detail.severity': 'Alvorlighet',
  'detail.kind': 'Type',
  'detail.reason': 'Begrunnelse',
  'detail.occurredAt': 'Inntraff',
  'detail.raisedAt': 'Meldt',
  'detail.age': 'Ventetid',
  'detail.device': 'Utstyr',
  'detail.state': 'Status',
  'detail.takenBy': 'Tatt av {name} kl. {time}',
  'detail.takenByName': 'Tatt av {name}',
  'detail.take': 'Ta alarmen',
  'detail.takeShortcut': 'T',
  'detail.taking': 'Tar alarmen …',
  'detail.takeConflict': 'Alarmen er allerede tatt av {name}.',
  'detail.closedAt': 'Avsluttet {time}',
  'detail.cause': 'Årsak',
  'detail.measures': 'Tiltak',
  'detail.journal': 'Journal',

  'log.heading': 'Logg',
  'log.empty': 'Ingen loggføringer ennå.',
  'log.time': 'Tid',
  'log.step': 'Steg',
  'log.operator': 'Operatør',
  'log.note': 'Notat',
  'log.system': 'System',
  'log.addHeading': 'Loggfør',
  'log.notePlaceholder': 'Valgfritt notat',
  'log.add': 'Legg til',

  'close.heading': 'Avslutt alarm',
  'close.cause': 'Årsak',
  'close.causePlaceholder': 'Velg årsak …',
  'close.measures': 'Tiltak (minst ett)',
  'close.note': 'Notat',
  'close.notePlaceholder': 'Valgfritt notat til journalen',
  'close.submit': 'Avslutt og journalfør',
  'close.busy': 'Avslutter …',

  'resident.heading': 'Tjenestemottaker',
  'resident.age': '{years} år',
  'resident.born': 'Født {date}',
  'resident.address': 'Adresse',
  'resident.phone': 'Telefon',
  'resident.keyBox': 'Nøkkelboks',
  'resident.eLock': 'E-lås',
  'resident.diagnoses': 'Diagnoser',
  'resident.riskFlags': 'Risiko',
  'resident.nextOfKin': 'Pårørende',
  'resident.recentAlarms': 'Siste alarmer',
  'resident.noneRecorded': 'Ingen registrert',
  'resident.provenance': 'Oppdatert {ago}, kilde: {source}',
  'resident.stale': 'Opplysningene kan være utdaterte.',

  'error.network': 'Får ikke kontakt med huben.',
  'error.generic': 'Noe gikk galt: {message}',
  'error.dismiss': 'Lukk',

  'ago.now': 'akkurat nå',
  'ago.minute.one': 'for 1 minutt siden',
  'ago.minute.other': 'for {count} minutter siden',
  'ago.hour.one': 'for 1 time siden',
  'ago.hour.other': 'for {count} timer siden',
  'ago.day.one': 'for 1 dag siden',
  'ago.day.other': 'for {count} dager siden',
  'ago.month.one': 'for 1 måned siden',
  'ago.month.other': 'for {count} måneder siden',
  'ago.year.one': 'for 1 år siden',
  'ago.year.other': 'for {count} år siden',

  'riskFlag.fall-risk': 'Fallrisiko',
  'riskFlag.lives-alone': 'Bor alene',
  'riskFlag.wandering-risk': 'Risiko for å gå seg bort',

  'value.missing': '–',

  'logStep.reported': 'Hendelse meldt',
  'logStep.being-handled': 'Hendelse behandles',
  'logStep.acknowledged': 'Hendelse kvittert',
  'logStep.sent-to-call-out': 'Sendt til utrykning',
  'logStep.call-out-accepted': 'Utrykning bekreftet',
  'logStep.cause': 'Årsak',
  'logStep.measures': 'Tiltak',
  'logStep.conversation': 'Samtale',
  'logStep.action': 'Aksjon',
  'logStep.other-party': 'Annen aktør involvert',

  'cause.fall': 'Fall',
  'cause.illness': 'Sykdom',
  'cause.care-need': 'Omsorgsbehov',
  'cause.anxiety': 'Utrygghet eller angst',
  'cause.accidental-press': 'Utilsiktet utløst',
  'cause.technical': 'Teknisk feil',
  'cause.test': 'Test',
  'cause.other': 'Annet',

  'measure.conversation-only': 'Kun samtale',
  'measure.responder-visit': 'Utrykning til bruker',
  'measure.ambulance': 'Ambulanse (AMK)',
  'measure.next-of-kin-contacted': 'Pårørende kontaktet',
  'measure.gp-contacted': 'Fastlege eller legevakt kontaktet',
  'measure.device-service': 'Service på utstyr',
  'measure.none-needed': 'Ingen tiltak nødvendig',

  'journal.not-journaled': 'Ikke journalført',
  'journal.pending': 'Venter på journalføring',
  'journal.delivered': 'Journalført',
  'journal.failed': 'Journalføring feilet',

  'severity.40': 'Kritisk',
  'severity.30': 'Alvorlig',
  'severity.20': 'Moderat',
  'severity.10': 'Normal',
  'severity.0': 'Ikke rapportert',

  'kind.care': 'Omsorg',
  'kind.technical': 'Teknisk',
  'kind.information': 'Informasjon',

  'triage.R': 'Rød',
  'triage.O': 'Oransje',
  'triage.Y': 'Gul',
  'triage.G': 'Grønn',
  'triage.B': 'Blå',
  'triage.BL': 'Svart',
  'triage.NR': 'Ikke triagert',

  'state.reported': 'Ny',
  'state.being-handled': 'Under behandling',
  'state.closed': 'Avsluttet',
} satisfies CodeLabels & Record<string, string>;

export type MessageKey = keyof typeof nb;

/** Every other language has exactly these keys: a missing or extra key is a compile error. */
export type Messages = { readonly [K in MessageKey]: string };
