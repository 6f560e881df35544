import type { LoginResponse } from '@knutepunkt/hub/contract';

export type Role = LoginResponse['operator']['role'];

/** The console's views, each at its own path: the alarm desk, shift handover, device health, service levels and a responder's phone. */
export type ConsoleViewName = 'alarms' | 'handover' | 'devices' | 'service-levels' | 'responder';

/**
 * Which views each role works in, its home view first. Operators handle alarms; an admin also
 * looks after the municipality's devices; a vendor's account has devices and no alarms at all.
 * Service levels are answer times of the centre's alarms, and handover notes pass between its
 * shifts, so only those who see alarms see them.
 */
const VIEWS_OF_ROLE: Record<Role, readonly ConsoleViewName[]> = {
  operator: ['alarms', 'handover', 'service-levels'],
  // A supervisor is an operator who is also told when alarms wait or responders are late.
  supervisor: ['alarms', 'handover', 'service-levels'],
  admin: ['alarms', 'handover', 'devices', 'service-levels'],
  vendor: ['devices'],
  // Home-care staff: their team's call-outs on a phone, nothing of the centre's queue.
  responder: ['responder'],
};

export function viewsFor(role: Role): readonly ConsoleViewName[] {
  return VIEWS_OF_ROLE[role] ?? ['alarms'];
}

export function mayOpen(role: Role, view: ConsoleViewName): boolean {
  return viewsFor(role).includes(view);
}

/** Where a role lands after logging in, or when it opens a view that is not its. */
export function homeView(role: Role): ConsoleViewName {
  return viewsFor(role)[0] ?? 'alarms';
}

/** Where each view lives. */
export const VIEW_ROUTES = {
  alarms: '/',
  handover: '/handover',
  devices: '/devices',
  'service-levels': '/service-levels',
  responder: '/responder',
} as const satisfies Record<ConsoleViewName, string>;

/** The path of a role's home view: where a view that is not the role's sends it. */
export function homeRoute(role: Role): (typeof VIEW_ROUTES)[ConsoleViewName] {
  return VIEW_ROUTES[homeView(role)];
}
