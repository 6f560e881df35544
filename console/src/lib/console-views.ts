import type { LoginResponse } from '@knutepunkt/hub/contract';

export type Role = LoginResponse['operator']['role'];

/** The console's views, each at its own path: the alarm desk and device health. */
export type ConsoleViewName = 'alarms' | 'devices';

/**
 * Which views each role works in, its home view first. Operators handle alarms; an admin also
 * looks after the municipality's devices; a vendor's account has devices and no alarms at all.
 */
const VIEWS_OF_ROLE: Record<Role, readonly ConsoleViewName[]> = {
  operator: ['alarms'],
  admin: ['alarms', 'devices'],
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
