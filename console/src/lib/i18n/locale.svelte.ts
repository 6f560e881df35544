import { browser } from '$app/environment';
import { elapsedSince } from '../oslo-time';
import { LANGUAGES, describeAgo, isLanguage, isMessageKey, translate, type Language, type MessageKey, type MessageParams } from './index';

const STORAGE_KEY = 'knutepunkt.language';

function storedLanguage(): Language {
  if (!browser) return 'nb';
  const value = localStorage.getItem(STORAGE_KEY);
  return isLanguage(value) ? value : 'nb';
}

/** The chosen language, remembered by the browser (the desk) rather than the session. */
class Locale {
  language = $state<Language>(storedLanguage());
  readonly pack = $derived(LANGUAGES[this.language]);

  toggle(): void {
    this.language = this.pack.next;
    if (browser) localStorage.setItem(STORAGE_KEY, this.language);
  }
}

export const locale = new Locale();

/** Translate in the current language; reading it inside markup re-renders on a language switch. */
export function t(key: MessageKey, params?: MessageParams): string {
  return translate(locale.pack.messages, key, params);
}

/** "for 3 dager siden": the age of a piece of data, in words. */
export function ago(iso: string, now: number): string {
  return describeAgo(elapsedSince(iso, now), locale.pack.messages);
}

/** A resident's risk flag: the hub sends codes (`fall-risk`); ones without a label are shown as sent. */
export function riskFlagLabel(flag: string): string {
  const key = `riskFlag.${flag}`;
  return isMessageKey(key) ? t(key) : flag;
}
