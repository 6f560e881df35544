import { browser } from '$app/environment';
import type { LoginResponse } from '@knutepunkt/hub/contract';

const STORAGE_KEY = 'knutepunkt.session';

function restore(): LoginResponse | null {
  if (!browser) return null;
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : null;
    if (parsed && typeof parsed === 'object' && 'token' in parsed && typeof parsed.token === 'string') {
      return parsed as LoginResponse;
    }
  } catch {
    // A damaged entry is the same as none: the operator logs in again.
  }
  return null;
}

/**
 * The signed-in operator. Kept in sessionStorage so a reload keeps the desk signed in, while
 * closing the tab (or the browser at shift end) signs it out.
 */
class Session {
  current = $state<LoginResponse | null>(restore());

  get token(): string | null {
    return this.current?.token ?? null;
  }

  start(login: LoginResponse): void {
    this.current = login;
    if (browser) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(login));
  }

  end(): void {
    this.current = null;
    if (browser) sessionStorage.removeItem(STORAGE_KEY);
  }
}

export const session = new Session();
