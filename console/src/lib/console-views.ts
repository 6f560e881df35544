import type { LoginResponse } from '@knutepunkt/hub/contract';

export type Role = LoginResponse['operator']['role'];

/** The console's views, each at its own path: the alarm desk, device health and service levels. */
export type ConsoleViewName = 'alarms' | 'devices' | 'service-levels';

/**
 * Which views each role works in, its home view first. Operators handle alarms; an admin also
 * looks after the municipality's devices; a vendor's account has devices and no alarms at all.
 * Service levels are answer times of the centre's alarms, so only those who see alarms see them.
 */
const VIEWS_OF_ROLE: Record<Role, readonly ConsoleViewName[]> = {
  operator: ['alarms', 'service-levels'],
  admin: ['alarms', 'devices', 'service-levels'],
  vendor: ['devices'],
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
