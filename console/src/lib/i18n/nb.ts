import type { AlertKind, DeviceKind, LogStepKey, Severity, TriageColour } from '@knutepunkt/device-adapters';
import type { ConsoleViewName } from '../console-views';
import type { DeviceAction, DurationUnit } from '../device-health';
import type { ElapsedUnit } from '../oslo-time';
import type {
  AlarmState,
  ClosingCause,
  ClosingMeasure,
  DeviceContactName,
  DeviceOutageView,
  DeviceStatusName,
  JournalStatus,
} from '@knutepunkt/hub/contract';

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
  | `ago.${ElapsedUnit}.${'one' | 'other'}`
  | `nav.${ConsoleViewName}`
  | `deviceKind.${DeviceKind}`
  | `deviceContact.${DeviceContactName}`
  | `deviceStatus.${DeviceStatusName}`
  | `outageCause.${DeviceOutageView['cause']}`
  | `duration.${DurationUnit}`
  | `deviceActions.${DeviceAction}`
  | `deviceActions.done.${DeviceAction}`,
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
  'nav.label': 'Visninger',
  'nav.alarms': 'Alarmer',
  'nav.devices': 'Utstyr',
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

  'devices.title': 'Utstyr – Knutepunkt',
  'devices.heading': 'Utstyr',
  'devices.summary': '{total} enheter · {lost} uten kontakt · {lowBattery} med lavt batteri · {neverHeard} aldri hørt fra',
  'devices.loading': 'Henter utstyr …',
  'devices.empty': 'Ingen utstyr registrert.',
  'devices.refresh': 'Oppdater',
  'devices.refreshing': 'Oppdaterer …',
  'devices.refreshedAt': 'Oppdatert {time}',
  'devices.register': 'Registrer utstyr',
  'devices.selectHint': 'Velg utstyr i listen for å se brudd i kontakt, plassering og handlinger.',
  'devices.column.contact': 'Kontakt',
  'devices.column.device': 'Utstyr',
  'devices.column.id': 'Id / serienr.',
  'devices.column.resident': 'Tjenestemottaker',
  'devices.column.battery': 'Batteri',
  'devices.column.lastSeen': 'Sist hørt fra',
  'devices.column.heartbeat': 'Hjerteslag',

  'device.lostSince': 'Ingen kontakt siden {time}',
  'device.inStock': 'På lager',
  'device.batteryPercent': '{percent} %',
  'device.batteryLow': 'Lavt batteri',
  'device.neverSeen': 'Aldri',
  'device.heartbeatPolicy': '{interval} × {missed}',
  'device.heartbeatPolicyLong': 'Hvert {interval}; «Ingen kontakt» etter {missed} uteblitte',
  'device.gatewayValue': '{gateway} som «{address}»',
  'device.serial': 'Serienr. {serial}',

  'deviceDetail.close': 'Lukk',
  'deviceDetail.kind': 'Type',
  'deviceDetail.model': 'Modell',
  'deviceDetail.serial': 'Serienummer',
  'deviceDetail.format': 'Format',
  'deviceDetail.status': 'Status',
  'deviceDetail.contact': 'Kontakt',
  'deviceDetail.resident': 'Tjenestemottaker',
  'deviceDetail.municipality': 'Kommune',
  'deviceDetail.gateway': 'Bak gateway',
  'deviceDetail.battery': 'Batteri',
  'deviceDetail.lastSeen': 'Sist hørt fra',
  'deviceDetail.lastSeenValue': '{ago} ({time})',
  'deviceDetail.heartbeat': 'Hjerteslag',

  'outages.heading': 'Brudd i kontakt',
  'outages.empty': 'Ingen brudd registrert.',
  'outages.start': 'Start',
  'outages.end': 'Slutt',
  'outages.ongoing': 'pågår',
  'outages.duration': 'Varighet',
  'outages.cause': 'Årsak',

  'placements.heading': 'Plasseringer',
  'placements.empty': 'Ingen plasseringer registrert.',
  'placements.from': 'Fra',
  'placements.to': 'Til',
  'placements.current': 'nå',
  'placements.municipality': 'Kommune',
  'placements.resident': 'Tjenestemottaker',

  'deviceActions.heading': 'Handlinger',
  'deviceActions.suspend': 'Stans midlertidig',
  'deviceActions.resume': 'Gjenoppta',
  'deviceActions.retire': 'Ta ut av bruk',
  'deviceActions.rotate': 'Lag nytt passord',
  'deviceActions.test': 'Send testkommando',
  'deviceActions.busy': 'Utfører …',
  'deviceActions.confirm': 'Bekreft',
  'deviceActions.cancel': 'Avbryt',
  'deviceActions.confirmSuspend': 'Stanse {id}? Enheten kobles fra, og alarmer fra den tas ikke imot før den gjenopptas.',
  'deviceActions.confirmRetire': 'Ta {id} ut av bruk for godt? Den fjernes fra tjenestemottakeren, og dette kan ikke angres.',
  'deviceActions.confirmRotate': 'Lage nytt passord for {id}? Det gamle slutter å virke med en gang, og enheten kobles fra til den får det nye.',
  'deviceActions.done.suspend': 'Stanset {time}.',
  'deviceActions.done.resume': 'Gjenopptatt {time}.',
  'deviceActions.done.retire': 'Tatt ut av bruk {time}.',
  'deviceActions.done.rotate': 'Nytt passord laget {time}.',
  'deviceActions.done.test': 'Testkommando sendt {time}.',
  'deviceActions.retired': 'Utstyret er tatt ut av bruk og kan ikke endres.',

  'password.heading': 'Passord for {id}',
  'password.warning': 'Passordet vises bare denne ene gangen. Kopier det nå og legg det inn i enheten.',
  'password.copy': 'Kopier',
  'password.copied': 'Kopiert',
  'password.copyFailed': 'Kunne ikke kopiere. Merk passordet og kopier det selv.',
  'password.done': 'Jeg har tatt vare på passordet',

  'register.heading': 'Registrer utstyr',
  'register.model': 'Modell',
  'register.modelPlaceholder': 'Velg modell …',
  'register.modelsLoading': 'Henter modeller …',
  'register.serial': 'Serienummer',
  'register.id': 'Enhets-id (valgfri)',
  'register.idHint': 'Lages av serienummeret om feltet står tomt.',
  'register.municipality': 'Kommune',
  'register.tenantId': 'Kommunens id',
  'register.resident': 'Tjenestemottakers id (valgfri)',
  'register.residentHint': 'Står feltet tomt, registreres utstyret på lager.',
  'register.gatewayId': 'Gatewayens enhets-id (valgfri)',
  'register.gatewayAddress': 'Sensorens navn i gatewayen',
  'register.submit': 'Registrer',
  'register.busy': 'Registrerer …',
  'register.cancel': 'Avbryt',
  'register.done': 'Registrert som {id}.',
  'register.another': 'Registrer en til',
  'register.show': 'Vis utstyret',

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

  'deviceKind.safety-alarm': 'Trygghetsalarm',
  'deviceKind.fall-detector': 'Fallsensor',
  'deviceKind.door-sensor': 'Dørsensor',
  'deviceKind.water-sensor': 'Vannsensor',
  'deviceKind.motion-sensor': 'Bevegelsessensor',
  'deviceKind.bed-sensor': 'Sengesensor',
  'deviceKind.medicine-dispenser': 'Medisindispenser',
  'deviceKind.gateway': 'Gateway',

  'deviceContact.ok': 'Kontakt',
  'deviceContact.lost': 'Ingen kontakt',
  'deviceContact.unknown': 'Aldri hørt fra',

  'deviceStatus.active': 'I drift',
  'deviceStatus.suspended': 'Stanset',
  'deviceStatus.retired': 'Tatt ut av bruk',

  'outageCause.missed-heartbeats': 'Manglende hjerteslag',
  'outageCause.last-will': 'Siste vilje (frakoblet)',

  'duration.day': '{count} d',
  'duration.hour': '{count} t',
  'duration.minute': '{count} min',
  'duration.second': '{count} s',
} satisfies CodeLabels & Record<string, string>;

export type MessageKey = keyof typeof nb;

/** Every other language has exactly these keys: a missing or extra key is a compile error. */
export type Messages = { readonly [K in MessageKey]: string };
