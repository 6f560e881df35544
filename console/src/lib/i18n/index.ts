import type { ElapsedUnit } from '../oslo-time';
import { en } from './en';
import { nb, type MessageKey, type Messages } from './nb';

export type { MessageKey, Messages } from './nb';

export type Language = 'nb' | 'en';

export interface LanguagePack {
  messages: Messages;
  /** BCP 47 tag for Intl formatting (24-hour clock in both). */
  intlLocale: string;
  /** The language the toggle switches to. */
  next: Language;
}

export const LANGUAGES: Record<Language, LanguagePack> = {
  nb: { messages: nb, intlLocale: 'nb-NO', next: 'en' },
  en: { messages: en, intlLocale: 'en-GB', next: 'nb' },
};

export type MessageParams = Record<string, string | number>;

/** Look up a message and fill its `{name}` placeholders; an unknown placeholder is left visible. */
export function translate(messages: Messages, key: MessageKey, params?: MessageParams): string {
  const text = messages[key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** "for 3 dager siden", "akkurat nå": an age from `elapsedSince`/`elapsedOf`, in the one wording used everywhere. */
export function describeAgo(elapsed: { unit: ElapsedUnit; count: number } | null, messages: Messages): string {
  if (!elapsed) return translate(messages, 'ago.now');
  return translate(messages, `ago.${elapsed.unit}.${elapsed.count === 1 ? 'one' : 'other'}`, { count: elapsed.count });
}

/** Whether a key built from data (a risk flag, say) has a message; such data is shown as written if not. */
export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(nb, key);
}

export function isLanguage(value: unknown): value is Language {
  return value === 'nb' || value === 'en';
}
