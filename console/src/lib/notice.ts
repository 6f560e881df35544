import { ApiFailure } from './api';
import type { MessageKey, MessageParams } from './i18n';

/** A message for the user, kept as a key so that it follows a language switch. */
export interface Notice {
  key: MessageKey;
  params?: MessageParams;
}

/** What went wrong, in plain words: the hub's own message, or that it could not be reached. */
export function noticeFor(error: unknown): Notice {
  if (error instanceof ApiFailure && error.status === 0) return { key: 'error.network' };
  return { key: 'error.generic', params: { message: error instanceof Error ? error.message : String(error) } };
}
