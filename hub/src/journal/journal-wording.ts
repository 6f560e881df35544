import type { DeviceKind } from '@knutepunkt/device-adapters';
import type { ClosingCause, ClosingMeasure } from '../realtime/contract.js';

/**
 * The words journal entries use, in Norwegian: plain and neutral, since residents can read
 * their own records. The console's catalogue words the same codes for the screen.
 */
export const CAUSE_WORDING: Record<ClosingCause, string> = {
  fall: 'Fall',
  illness: 'Sykdom',
  'care-need': 'Behov for hjelp eller pleie',
  anxiety: 'Utrygghet',
  'accidental-press': 'Utilsiktet alarm',
  technical: 'Teknisk feil',
  test: 'Test av utstyr',
  other: 'Annet',
};

export const MEASURE_WORDING: Record<ClosingMeasure, string> = {
  'conversation-only': 'Samtale med bruker',
  'responder-visit': 'Hjemmetjenesten rykket ut',
  ambulance: 'Ambulanse tilkalt',
  'next-of-kin-contacted': 'Pårørende kontaktet',
  'gp-contacted': 'Fastlege kontaktet',
  'device-service': 'Utstyr sendt til service',
  'none-needed': 'Ingen tiltak nødvendig',
};

export const STEP_WORDING: Record<number, string> = {
  0: 'Alarm mottatt',
  1: 'Alarm tatt',
  3: 'Alarm avsluttet',
  4: 'Sendt til utrykning',
  5: 'Utrykning akseptert',
  6: 'Årsak',
  7: 'Tiltak',
  8: 'Samtale',
  9: 'Aksjon',
  10: 'Annen aktør involvert',
};

/** Device kinds by name, for the device extensions of journal entries. */
export const DEVICE_KIND_WORDING: Record<DeviceKind, string> = {
  'safety-alarm': 'Trygghetsalarm',
  'fall-detector': 'Fallsensor',
  'door-sensor': 'Dørsensor',
  'water-sensor': 'Vannsensor',
  'motion-sensor': 'Bevegelsessensor',
  'bed-sensor': 'Sengesensor',
  'medicine-dispenser': 'Medisindispenser',
  gateway: 'Basestasjon',
};
